/**
 * The JPEG decoder module's own allocator (native/jpeg/api.c: from the top of the heap upwards,
 * all taken back when the last block is freed), in the production build: blocks are aligned and
 * never overlap a live block, a request it cannot meet returns 0 rather than a wrapped address,
 * and a decode leaves nothing allocated, so that decode after decode the memory does not grow
 * and the pixels stay the same.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { instantiateJpegDecoder, JpegCodec, jpegScale } from '../../worker/image/codec-jpeg.ts';

const root = resolve(import.meta.dirname, '../..');
const MODULE = new WebAssembly.Module(readFileSync(join(root, 'native/jpeg/jpeg-turbo.wasm')));
const photo = (name: string) => new Uint8Array(readFileSync(join(root, 'test/fixtures/photos', name)));

describe('native/jpeg allocator', () => {
  it('gives 16-byte aligned blocks that do not overlap the live ones, and starts over once all are freed', () => {
    const ex = instantiateJpegDecoder(MODULE);
    const sizes = [1, 17, 200_000, 0, 3, 70_000];
    const blocks = sizes.map((n) => ({ at: ex.malloc(n), n: Math.max(n, 1) }));
    for (const b of blocks) {
      expect(b.at).toBeGreaterThan(0);
      expect(b.at % 16).toBe(0);
      expect(b.at + b.n).toBeLessThanOrEqual(ex.memory.buffer.byteLength);
    }
    const sorted = [...blocks].sort((a, b) => a.at - b.at);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i].at).toBeGreaterThanOrEqual(sorted[i - 1].at + sorted[i - 1].n);
    // Freeing some keeps the others' memory out of new blocks.
    ex.free(blocks[2].at);
    ex.free(blocks[0].at);
    const live = blocks.filter((_, i) => i !== 0 && i !== 2);
    const c = ex.malloc(1000);
    for (const b of live) expect(c + 1000 <= b.at || c >= b.at + b.n).toBe(true);
    ex.free(c);
    for (const b of live) ex.free(b.at);
    // All freed: the heap starts over at the first block's address.
    expect(ex.malloc(64)).toBe(blocks[0].at);
  });

  it('returns 0 for a size past the end of the address space, without growing memory, and free(0) does nothing', () => {
    const ex = instantiateJpegDecoder(MODULE);
    const first = ex.malloc(100);
    const bytes = ex.memory.buffer.byteLength;
    // Sizes whose end would pass 4 GiB (a wasm32 address wraps there).
    for (const n of [0xffff_fff0, 0xffff_0000, 0xffff_ffff, 0x1_0000_0000 - first]) expect(ex.malloc(n) >>> 0).toBe(0);
    expect(ex.memory.buffer.byteLength).toBe(bytes);
    ex.free(0);
    const next = ex.malloc(16);
    expect(next).toBeGreaterThanOrEqual(first + 100); // the live block is still counted
  });

  it('a decode leaves nothing allocated: 30 decodes of two photos use the memory of the first two, with the same pixels', () => {
    const codec = new JpegCodec(MODULE);
    const photos = [photo('raccoon_face_1024x768.jpg'), photo('grace_hopper_512x600.jpg')];
    const reqs = [
      { width: 1024, height: 768, scale: jpegScale(1), cmyk: false },
      { width: 512, height: 600, scale: jpegScale(1), cmyk: false },
    ];
    const sums: number[] = [];
    const memory: number[] = [];
    for (let i = 0; i < 30; i++) {
      const k = i % 2;
      sums.push(codec.decode(photos[k], reqs[k], (img) => img.data.reduce((a, v, j) => (a + v * ((j % 251) + 1)) % 1_000_000_007, 0)));
      memory.push(codec.lastMemoryBytes);
    }
    expect(new Set(memory).size).toBe(1);
    for (let i = 2; i < 30; i++) expect(sums[i]).toBe(sums[i % 2]);
  });
});
