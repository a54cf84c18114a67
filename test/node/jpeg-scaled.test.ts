/**
 * DCT-scaled JPEG decoding at every M/8 (M = 1..8) by the Worker's decoder (native/jpeg/jpeg-turbo.wasm)
 * against Debian's native libjpeg-turbo 2.1.5 (`djpeg -scale M/8`: the library Pillow links), whose
 * output sizes and pixel hashes tools/reference/jpeg_scaled_golden.py wrote into
 * test/fixtures/jpeg/djpeg-scaled.json. Pillow's own draft() scales (1/2, 1/4, 1/8) are also
 * checked against Pillow's pixels in decode-budget.test.ts.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { JpegCodec, jpegEighths, jpegScale, jpegScaledSize, type JpegScale } from '../../worker/image/codec-jpeg.ts';
import { JPEG_DECODER_WASM } from '../../worker/image/decoders-node.ts';
import { readImageHeader } from '../../worker/image/dimensions.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const golden: { files: Record<string, Record<string, { width: number; height: number; sha256: string }>> } = JSON.parse(readFileSync(join(FIX, 'jpeg', 'djpeg-scaled.json'), 'utf8'));
const codec = new JpegCodec(new WebAssembly.Module(readFileSync(JPEG_DECODER_WASM)));

/** SHA-256 of the RGB bytes of an RGBA image (what the golden hashes). */
function rgbHash(rgba: Uint8ClampedArray): string {
  const rgb = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return createHash('sha256').update(rgb).digest('hex');
}

describe('DCT scaling at every M/8 vs djpeg (Debian libjpeg-turbo 2.1.5), bit for bit', () => {
  it.each(Object.keys(golden.files))('%s', (rel) => {
    const bytes = new Uint8Array(readFileSync(join(FIX, rel)));
    const h = readImageHeader(bytes, 'jpeg');
    for (let m = 1; m <= 8; m++) {
      const g = golden.files[rel][String(m)];
      const scale = jpegEighths(m);
      expect(jpegScaledSize(h.width, h.height, scale), `${m}/8 size`).toEqual({ width: g.width, height: g.height });
      const got = codec.decode(bytes, { width: h.width, height: h.height, scale, cmyk: false }, (img) => ({ w: img.width, h: img.height, hash: rgbHash(img.data) }));
      expect(got, `${rel} at ${m}/8`).toEqual({ w: g.width, h: g.height, hash: g.sha256 });
    }
  });

  it('1/k and (8/k)/8 are the same scale', () => {
    const bytes = new Uint8Array(readFileSync(join(FIX, 'jpeg/s420_77x45.jpg')));
    for (const k of [1, 2, 4, 8] as const) {
      const a = codec.decode(bytes, { width: 77, height: 45, scale: jpegScale(k), cmyk: false }, (img) => rgbHash(img.data));
      expect(a).toBe(golden.files['jpeg/s420_77x45.jpg'][String(8 / k)].sha256);
    }
  });

  it('refuses a scale that is not M/8', () => {
    const bad: JpegScale[] = [
      { num: 3, denom: 4 } as JpegScale, // 6/8 written as 3/4 is fine, see below
      { num: 0, denom: 8 },
      { num: 9, denom: 8 },
      { num: 1, denom: 3 } as unknown as JpegScale,
      { num: 1.5, denom: 8 },
    ];
    expect(jpegScaledSize(77, 45, bad[0])).toEqual({ width: 58, height: 34 });
    for (const s of bad.slice(1)) expect(() => jpegScaledSize(77, 45, s), `${s.num}/${s.denom}`).toThrow(RangeError);
    const bytes = new Uint8Array(readFileSync(join(FIX, 'jpeg/s420_77x45.jpg')));
    expect(() => codec.decode(bytes, { width: 77, height: 45, scale: { num: 9, denom: 8 }, cmyk: false }, () => 0)).toThrow(RangeError);
  });
});
