/**
 * JpegCodec.reserve (worker/warmup.ts maps the decoder's memory at start-up with it, so that the
 * first request does not page-fault fresh wasm memory): the memory grows to at least the size
 * asked, every byte already in it stays as it was, and a decode afterwards gives the same pixels
 * as a fresh codec's and, when the photo fits, does not grow the memory further.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type JpegExports, JpegCodec, jpegScale } from '../../worker/image/codec-jpeg.ts';

const root = resolve(import.meta.dirname, '../..');
const MODULE = new WebAssembly.Module(readFileSync(join(root, 'native/jpeg/jpeg-turbo.wasm')));
const photo = new Uint8Array(readFileSync(join(root, 'test/fixtures/photos/china_palace_640x427.jpg')));
const REQ = { width: 640, height: 427, scale: jpegScale(1), cmyk: false };
const MiB = 1 << 20;

describe('JpegCodec.reserve', () => {
  it('grows the memory to at least the size asked and leaves every byte as it was', () => {
    let ex: JpegExports | undefined;
    const codec = new JpegCodec(MODULE, (e) => {
      ex = e;
    });
    codec.decode(photo, REQ, () => 0);
    const before = new Uint8Array(ex!.memory.buffer).slice();
    expect(before.length).toBeLessThan(4 * MiB);
    expect(before.some((v) => v !== 0)).toBe(true);
    codec.reserve(4 * MiB);
    const after = new Uint8Array(ex!.memory.buffer);
    expect(after.length).toBeGreaterThanOrEqual(4 * MiB);
    expect(after.length).toBeLessThan(4 * MiB + 65536);
    expect(Buffer.from(after.subarray(0, before.length)).equals(Buffer.from(before))).toBe(true);
    expect(after.subarray(before.length).findIndex((v) => v !== 0)).toBe(-1);
    codec.reserve(MiB); // smaller than what it has: nothing changes
    expect(ex!.memory.buffer.byteLength).toBe(after.length);
  });

  it('a decode after it gives the same pixels as a fresh codec and needs no more memory', () => {
    const fresh = new JpegCodec(MODULE);
    const want = fresh.decode(photo, REQ, (img) => Buffer.from(img.data));
    const codec = new JpegCodec(MODULE);
    codec.reserve(2 * MiB); // before any decode: it makes the instance
    const got = codec.decode(photo, REQ, (img) => Buffer.from(img.data));
    expect(got.equals(want)).toBe(true);
    expect(codec.lastMemoryBytes).toBe(2 * MiB);
    expect(fresh.lastMemoryBytes).toBeLessThan(2 * MiB);
  });
});
