/**
 * readBodyCapped (worker/middleware/body.ts) on both kinds of stream: a byte stream is read into
 * the buffer it returns (BYOB, what workerd's request bodies get), any other stream chunk by
 * chunk. In Node both exist (workerd turns every request body into a byte stream, so the workerd
 * tests see only the first): same bytes, same limit, same drain.
 */
import { describe, expect, it } from 'vitest';
import { readBodyCapped } from '../../worker/middleware/body.ts';
import { streamOf } from '../helpers/streams.ts';

/** Deterministic bytes, so a misplaced or repeated piece shows. */
const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 8)) & 0xff);

const request = (body: ReadableStream<Uint8Array>, contentLength?: number) =>
  new Request('http://x/', { method: 'POST', body, duplex: 'half', headers: contentLength === undefined ? {} : { 'content-length': String(contentLength) } } as RequestInit);

const statusOf = (e: unknown) => (e as { status?: number }).status;

describe('readBodyCapped', () => {
  for (const kind of ['bytes', 'default'] as const) {
    it(`${kind} stream: returns the exact bytes, with or without Content-Length, in pieces of any size`, async () => {
      if (kind === 'bytes') expect(() => request(streamOf(new Uint8Array(1), 'bytes', 1).stream).body!.getReader({ mode: 'byob' })).not.toThrow();
      else expect(() => request(streamOf(new Uint8Array(1), 'default', 1).stream).body!.getReader({ mode: 'byob' })).toThrow();
      for (const [size, chunk] of [
        [0, 1],
        [1, 1],
        [1000, 7],
        [300_000, 65_536],
        [600_000, 100_000],
      ]) {
        const bytes = pattern(size);
        for (const declared of [undefined, size]) {
          const got = await readBodyCapped(request(streamOf(bytes, kind, chunk).stream, declared), { max: 1_000_000, timeoutMs: 5000 });
          expect(got.length, `${size} in ${chunk}, declared ${declared}`).toBe(size);
          expect(Buffer.from(got).equals(Buffer.from(bytes))).toBe(true);
        }
      }
    });

    it(`${kind} stream: exactly the limit is read; one byte more is 413 after reading all of it`, async () => {
      for (const declared of [undefined, 4096]) {
        const exact = await readBodyCapped(request(streamOf(pattern(4096), kind, 700).stream, declared), { max: 4096, timeoutMs: 5000 });
        expect(Buffer.from(exact).equals(Buffer.from(pattern(4096)))).toBe(true);
      }
      for (const declared of [undefined, 300_000]) {
        const over = streamOf(pattern(300_000), kind, 700);
        const e = await readBodyCapped(request(over.stream, declared), { max: 4096, timeoutMs: 5000 }).catch((x: unknown) => x);
        expect(statusOf(e)).toBe(413);
        expect(over.sent()).toBe(300_000); // drained to the end before the answer
      }
    });
  }
});
