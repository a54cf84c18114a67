/**
 * Our PNG decoder (native/png/png.wasm: our chunk walk, SIMD128 unfiltering and RGBA expansion,
 * libdeflate's inflate) on every colour type, bit depth, filter and interlacing, against the RGBA
 * computed from the samples by tools/reference/png_fixtures.py (which also checks Pillow reads the
 * same RGB from each file), then on broken files: each must be a 400 with the decoder's reason,
 * and a failure must not disturb the next decode. The photos and Pillow goldens are in image.test.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { crc32 } from '../../worker/image/crc32.ts';
import { decodeImage } from '../../worker/image/decode.ts';
import { initNodeDecoders } from '../../worker/image/decoders-node.ts';
import { expectDecodeError, firstDifference } from '../helpers/decode-error.ts';
import { readGoldenNpy } from '../helpers/golden.ts';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'png');
const manifest: { cases: Array<{ file: string; color_type: number; depth: number; interlaced: boolean; trns: boolean }> } = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8'));
const read = (f: string) => new Uint8Array(readFileSync(join(DIR, f)));

beforeAll(() => initNodeDecoders());

describe('PNG decoder: every format to the RGBA computed from the samples', () => {
  it.each(manifest.cases)('$file', async (c) => {
    const img = await decodeImage(read(c.file));
    const want = readGoldenNpy(read(c.file.replace(/\.png$/, '.rgba.npy')));
    expect([img.height, img.width, 4]).toEqual(want.shape);
    const bad = firstDifference(img.data, want.data);
    expect(bad, bad < 0 ? '' : `first difference at pixel ${bad >> 2}, channel ${bad & 3}: ${img.data[bad]} != ${want.data[bad]}`).toBe(-1);
  });
});

/** The chunks of a PNG: [offset, length, type]. */
function chunks(b: Uint8Array): Array<[number, number, string]> {
  const out: Array<[number, number, string]> = [];
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  for (let p = 8; p + 12 <= b.length; ) {
    const len = v.getUint32(p);
    out.push([p, len, String.fromCharCode(...b.subarray(p + 4, p + 8))]);
    p += len + 12;
  }
  return out;
}
function fixCrc(b: Uint8Array, at: number, len: number): void {
  new DataView(b.buffer, b.byteOffset).setUint32(at + 8 + len, crc32(b, at + 4, at + 8 + len));
}
/** The file with its image data replaced by `raw` (filtered rows) compressed into one IDAT. */
async function withImageData(src: Uint8Array, raw: Uint8Array, compress = true, level = 6): Promise<Uint8Array> {
  const { deflateSync } = await import('node:zlib');
  const z = compress ? new Uint8Array(deflateSync(raw, { level })) : raw;
  const cs = chunks(src);
  const first = cs.find((c) => c[2] === 'IDAT')!;
  const head = src.subarray(0, first[0]);
  const idat = new Uint8Array(12 + z.length);
  new DataView(idat.buffer).setUint32(0, z.length);
  idat.set([73, 68, 65, 84], 4);
  idat.set(z, 8);
  fixCrc(idat, 0, z.length);
  const iend = src.subarray(cs.at(-1)![0]);
  return new Uint8Array([...head, ...idat, ...iend]);
}

describe('PNG decoder: broken files are 400 with the reason', () => {
  const rgb = read('rgb8.png'); // 37x23 RGB: rows of 1 + 111 bytes

  it('a filter type over 4', async () => {
    const raw = new Uint8Array(23 * 112);
    raw[5 * 112] = 5;
    await expectDecodeError(await withImageData(rgb, raw), 400, /invalid filter type/);
  });

  it('image data shorter than the IHDR says (a whole, valid zlib stream)', async () => {
    await expectDecodeError(await withImageData(rgb, new Uint8Array(22 * 112)), 400, /truncated/);
  });

  it('more image data than the IHDR says is ignored, as Pillow ignores it (a little, and more than a stored block)', async () => {
    for (const extra of [112, 70_000]) {
      const raw = new Uint8Array(23 * 112 + extra);
      for (let y = 0; y < 23; y++) raw.fill(y, y * 112 + 1, (y + 1) * 112); // filter 0, row y's bytes = y
      raw.fill(9, 23 * 112);
      // level 0: stored blocks (up to 65535 bytes each), the case the decoder's 64 KiB of room is for
      for (const level of [6, 0]) {
        const img = await decodeImage(await withImageData(rgb, raw, true, level));
        expect([img.width, img.height]).toEqual([37, 23]);
        for (let y = 0; y < 23; y++) expect(img.data[(y * 37 + 36) * 4], `row ${y}, extra ${extra}, level ${level}`).toBe(y);
      }
    }
  });

  it('corrupt zlib data', async () => {
    const raw = new Uint8Array(23 * 112).fill(7);
    await expectDecodeError(await withImageData(rgb, raw.subarray(0, 200), false), 400, /corrupt zlib data/);
  });

  it("an IDAT CRC mismatch (the CRCs before IDAT are the header parser's)", async () => {
    const b = rgb.slice();
    const [at, len] = chunks(b).find((c) => c[2] === 'IDAT')!;
    b[at + 8 + len] ^= 1;
    await expectDecodeError(b, 400, /IDAT chunk CRC mismatch/);
  });

  it('a file cut inside its image data', async () => {
    const [at] = chunks(rgb)
      .filter((c) => c[2] === 'IDAT')
      .at(-1)!;
    await expectDecodeError(rgb.subarray(0, at + 20), 400, /past the end of the file|truncated/);
  });

  it('a palette image without PLTE', async () => {
    const b = read('palette8.png');
    const plte = chunks(b).find((c) => c[2] === 'PLTE')!;
    await expectDecodeError(new Uint8Array([...b.subarray(0, plte[0]), ...b.subarray(plte[0] + plte[1] + 12)]), 400, /without (a )?PLTE/); // the header parser sees it first
  });

  it('no IEND is fine once the image data is complete (Pillow does not need it either)', async () => {
    const [at] = chunks(rgb).at(-1)!;
    const img = await decodeImage(rgb.subarray(0, at));
    const want = readGoldenNpy(read('rgb8.rgba.npy'));
    expect(Buffer.compare(Buffer.from(img.data), Buffer.from(want.data))).toBe(0);
  });

  it('a failure leaves the next decode intact', async () => {
    const want = readGoldenNpy(read('rgba8_interlaced.rgba.npy'));
    const bad = rgb.slice();
    const [at, len] = chunks(bad).find((c) => c[2] === 'IDAT')!;
    bad[at + 8 + len] ^= 1;
    for (let i = 0; i < 5; i++) {
      await expectDecodeError(bad, 400, /CRC/);
      const img = await decodeImage(read('rgba8_interlaced.png'));
      expect(Buffer.compare(Buffer.from(img.data), Buffer.from(want.data))).toBe(0);
    }
  });
});
