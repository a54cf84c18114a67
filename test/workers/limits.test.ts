/** MAX_BODY_BYTES is enforced while reading (Content-Length is not trusted), BODY_TIMEOUT_MS on the whole body, MAX_PIXELS from the header. */
import { env } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { DRAIN_LIMIT } from '../../worker/middleware/body.ts';
import { streamOf } from '../helpers/streams.ts';
import { BASE, classifyBytes, errorOf, fetchWithEnv, photo, preloadPhotos, withoutVolatile } from './support.ts';

await preloadPhotos(['grace_hopper_512x600.jpg', 'video005_gray_150x103.jpg', 'raccoon_face_1024x768.jpg']);

const MB12 = 12 * 1024 * 1024;

/** A JPEG start (SOI + APP0) followed by filler: big, and plausible until decoded. */
function bigJpegLike(size: number): Uint8Array {
  const b = new Uint8Array(size);
  b.set([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);
  for (let i = 64; i < size; i += 4096) b[i] = i & 0xff;
  return b;
}

function chunked(bytes: Uint8Array, chunk = 256 * 1024): { stream: ReadableStream<Uint8Array>; sent: () => number } {
  let off = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (off >= bytes.length) return ctrl.close();
      ctrl.enqueue(bytes.slice(off, off + chunk));
      off += chunk;
    },
    cancel() {},
  });
  return { stream, sent: () => off };
}

describe('body size limit', () => {
  it('the default limit is 10 MiB (wrangler.toml)', () => {
    expect((env as { MAX_BODY_BYTES?: string }).MAX_BODY_BYTES).toBe(String(10 * 1024 * 1024));
  });

  // These call the worker module directly (same code as SELF, no socket): over SELF, the test
  // harness logs "Network connection lost" for the upload the worker stopped reading.
  const direct = (body: BodyInit, headers: Record<string, string> = {}, path = '/v1/classify') =>
    fetchWithEnv(new Request(`${BASE}${path}`, { method: 'POST', body, headers, duplex: 'half' } as RequestInit), {});

  // A body over the limit is read to its end before the 413 goes out, so that the client is not
  // reset while sending (middleware/body.ts): the whole 12 MB is consumed, but never kept.
  it('12 MB body with Content-Length → 413 after draining it', async () => {
    const body = chunked(bigJpegLike(MB12));
    const res = await direct(body.stream, { 'Content-Type': 'image/jpeg', 'Content-Length': String(MB12) });
    expect(res.status).toBe(413);
    const err = await errorOf(res);
    expect(err.code).toBe('body_too_large');
    expect(err.message).toContain('10485760');
    expect(body.sent()).toBeGreaterThanOrEqual(MB12);
  });

  it('12 MB streamed without Content-Length → 413, counted while reading, then drained', async () => {
    const body = chunked(bigJpegLike(MB12));
    const res = await direct(body.stream, { 'Content-Type': 'image/jpeg' });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('body_too_large');
    expect(body.sent()).toBeGreaterThanOrEqual(MB12);
  });

  it(`a declared Content-Length over the drain limit (${DRAIN_LIMIT / 1024 / 1024} MiB) → 413 without reading it`, async () => {
    const body = chunked(bigJpegLike(MB12));
    const res = await direct(body.stream, { 'Content-Type': 'image/jpeg', 'Content-Length': String(DRAIN_LIMIT + 1) });
    expect(res.status).toBe(413);
    expect(body.sent()).toBeLessThanOrEqual(256 * 1024);
  });

  it('a body that keeps coming past the drain limit is cut off, still 413', async () => {
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        sent += 1024 * 1024;
        ctrl.enqueue(new Uint8Array(1024 * 1024));
      },
    });
    const res = await direct(endless, { 'Content-Type': 'image/jpeg' });
    expect(res.status).toBe(413);
    expect(sent).toBeGreaterThan(DRAIN_LIMIT);
    expect(sent).toBeLessThan(DRAIN_LIMIT + 4 * 1024 * 1024);
  });

  it('12 MB under a lying Content-Length → 413 (the header is not trusted)', async () => {
    const body = chunked(bigJpegLike(MB12));
    const res = await direct(body.stream, { 'Content-Type': 'image/jpeg', 'Content-Length': '1000' });
    expect(res.status).toBe(413);
  });

  it('12 MB as JSON or multipart → 413 too', async () => {
    const json = new TextEncoder().encode(JSON.stringify({ image: 'A'.repeat(MB12) }));
    expect((await direct(json as Uint8Array<ArrayBuffer>, { 'Content-Type': 'application/json' })).status).toBe(413);
    const form = new FormData();
    form.append('image', new File([bigJpegLike(MB12) as Uint8Array<ArrayBuffer>], 'big.jpg', { type: 'image/jpeg' }));
    expect((await direct(form, {}, '/v1/embed')).status).toBe(413);
  });

  it('a body just under the limit is read (and then judged as an image)', async () => {
    const res = await classifyBytes(bigJpegLike(10 * 1024 * 1024), '', 'image/jpeg');
    expect(res.status).toBe(400);
  });

  it('MAX_BODY_BYTES is configurable', async () => {
    const req = new Request(`${BASE}/v1/classify`, { method: 'POST', body: photo('grace_hopper_512x600.jpg') as Uint8Array<ArrayBuffer> });
    const res = await fetchWithEnv(req, { MAX_BODY_BYTES: '1000' });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).message).toContain('1000 bytes');
  });

  it('a misconfigured limit is a clear 500, not a crash', async () => {
    const req = new Request(`${BASE}/v1/classify`, { method: 'POST', body: photo('video005_gray_150x103.jpg') as Uint8Array<ArrayBuffer> });
    const res = await fetchWithEnv(req, { MAX_BODY_BYTES: 'ten megabytes' });
    expect(res.status).toBe(500);
    const err = await errorOf(res);
    expect(err.code).toBe('misconfigured');
    expect(err.message).toContain('MAX_BODY_BYTES');
  });
});

/**
 * A byte stream (what workerd gives for a request body) is read into the Worker's own buffer
 * (BYOB), not chunk by chunk: worker/middleware/body.ts says why (memory). Both kinds of stream
 * must give the same bytes and the same limit.
 */
describe('reading into our own buffer (byte streams)', () => {
  const send = (body: ReadableStream<Uint8Array>, env: Record<string, string> = {}, headers: Record<string, string> = {}) =>
    fetchWithEnv(new Request(`${BASE}/v1/classify`, { method: 'POST', body, headers: { 'Content-Type': 'image/jpeg', ...headers }, duplex: 'half' } as RequestInit), env);

  it('a photo streamed in 1000-byte pieces classifies exactly as sent whole; a byte stream is read with a BYOB reader', async () => {
    const bytes = photo('grace_hopper_512x600.jpg');
    const whole = withoutVolatile(await (await classifyBytes(bytes)).json());
    for (const kind of ['bytes', 'default'] as const) {
      for (const headers of [{}, { 'Content-Length': String(bytes.length) }] as Record<string, string>[]) {
        const getReader = vi.spyOn(ReadableStream.prototype, 'getReader');
        try {
          const res = await send(streamOf(bytes, kind, 1000).stream, {}, headers);
          expect(res.status).toBe(200);
          expect(withoutVolatile(await res.json())).toEqual(whole);
          // workerd hands the Worker its own byte stream for either kind: the body is read in BYOB mode.
          expect(getReader.mock.calls.some(([opts]) => (opts as { mode?: string } | undefined)?.mode === 'byob')).toBe(true);
        } finally {
          getReader.mockRestore();
        }
      }
    }
  });

  it('exactly MAX_BODY_BYTES is read, one byte more is 413, from either kind of stream', async () => {
    for (const kind of ['bytes', 'default'] as const) {
      for (const headers of [{}, { 'Content-Length': '4096' }] as Record<string, string>[]) {
        const exact = await send(streamOf(bigJpegLike(4096), kind, 700).stream, { MAX_BODY_BYTES: '4096' }, headers);
        expect(exact.status, `${kind} ${JSON.stringify(headers)}`).toBe(400); // read whole, then judged as an image
        expect((await errorOf(exact)).code).not.toBe('body_too_large');
      }
      const over = streamOf(bigJpegLike(4097), kind, 700);
      const res = await send(over.stream, { MAX_BODY_BYTES: '4096' });
      expect(res.status).toBe(413);
      expect((await errorOf(res)).code).toBe('body_too_large');
    }
  });
});

describe('body deadline and broken bodies', () => {
  const direct = (body: BodyInit, env: Record<string, string> = {}) =>
    fetchWithEnv(new Request(`${BASE}/v1/classify`, { method: 'POST', body, headers: { 'Content-Type': 'image/jpeg' }, duplex: 'half' } as RequestInit), env);

  it('a body that stalls half-way → 408 body_timeout at BODY_TIMEOUT_MS', async () => {
    const stalled = new ReadableStream<Uint8Array>({
      start(ctrl) {
        ctrl.enqueue(bigJpegLike(64 * 1024)); // then nothing, never closed
      },
    });
    const t0 = Date.now();
    const res = await direct(stalled, { BODY_TIMEOUT_MS: '300' });
    expect(res.status).toBe(408);
    const err = await errorOf(res);
    expect(err.code).toBe('body_timeout');
    expect(err.message).toContain('0.3 s');
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('a complete body within the deadline is read as usual', async () => {
    const res = await direct(photo('video005_gray_150x103.jpg') as Uint8Array<ArrayBuffer>, { BODY_TIMEOUT_MS: '5000' });
    expect(res.status).toBe(200);
  });

  it('a body stream that fails (client gone) → 400 body_incomplete, logged as one line without a stack', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      let n = 0;
      const broken = new ReadableStream<Uint8Array>({
        pull(ctrl) {
          if (n++ < 2) ctrl.enqueue(new Uint8Array(1024));
          else ctrl.error(new Error('Network connection lost.'));
        },
      });
      const res = await direct(broken);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; request_id: string } };
      expect(body.error.code).toBe('body_incomplete');
      expect(error).not.toHaveBeenCalled();
      expect(warn).toHaveBeenCalledTimes(1);
      const line = String(warn.mock.calls[0][0]);
      expect(line).not.toContain('\n');
      const logged = JSON.parse(line) as Record<string, string>;
      expect(logged).toMatchObject({ level: 'warn', request_id: body.error.request_id, method: 'POST', path: '/v1/classify' });
      expect(logged.message).toMatch(/^body_incomplete: .*Network connection lost/);
      expect(logged.cause).toBeUndefined();
      expect(line).not.toMatch(/ at .*\.ts:\d+/); // no stack
    } finally {
      warn.mockRestore();
      error.mockRestore();
    }
  });

  it('a misconfigured BODY_TIMEOUT_MS is a clear 500', async () => {
    const res = await direct(photo('video005_gray_150x103.jpg') as Uint8Array<ArrayBuffer>, { BODY_TIMEOUT_MS: '0' });
    expect(res.status).toBe(500);
    expect((await errorOf(res)).message).toContain('BODY_TIMEOUT_MS');
  });
});

describe('pixel limit', () => {
  it('MAX_PIXELS is read from the header before decoding → 413', async () => {
    const req = new Request(`${BASE}/v1/classify`, { method: 'POST', body: photo('raccoon_face_1024x768.jpg') as Uint8Array<ArrayBuffer> });
    const res = await fetchWithEnv(req, { MAX_PIXELS: String(1024 * 768 - 1) });
    expect(res.status).toBe(413);
    const err = await errorOf(res);
    expect(err.code).toBe('image_too_large');
    expect(err.message).toMatch(/1024x768/);
  });

  it('an image at exactly MAX_PIXELS is accepted', async () => {
    const req = new Request(`${BASE}/v1/classify`, { method: 'POST', body: photo('video005_gray_150x103.jpg') as Uint8Array<ArrayBuffer> });
    const res = await fetchWithEnv(req, { MAX_PIXELS: String(150 * 103) });
    expect(res.status).toBe(200);
  });
});

describe('image count limit (multipart)', () => {
  it('more than MAX_IMAGES parts → 413 too_many_images', async () => {
    const form = new FormData();
    for (let i = 0; i < 3; i++) form.append('image', new File([photo('video005_gray_150x103.jpg') as Uint8Array<ArrayBuffer>], `${i}.jpg`));
    const res = await fetchWithEnv(new Request(`${BASE}/v1/classify`, { method: 'POST', body: form }), { MAX_IMAGES: '2' });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('too_many_images');
  });
});
