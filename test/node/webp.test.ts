/**
 * Our WebP decoder (native/webp/webp.wasm: Debian's libwebp 1.2.4, our build) on every kind of
 * still WebP — lossy, lossy with an alpha plane, lossless, lossless with alpha — against the RGBA
 * Debian's Pillow (the same libwebp) decodes (tools/reference/webp_fixtures.py), alpha included;
 * then broken files: a 400 with libwebp's status in words, and the next decode intact.
 * The photos and Pillow goldens are in image.test.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../worker/image/decode.ts';
import { initNodeDecoders } from '../../worker/image/decoders-node.ts';
import { expectDecodeError, firstDifference } from '../helpers/decode-error.ts';
import { readGoldenNpy } from '../helpers/golden.ts';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'webp');
const manifest: { cases: Array<{ file: string; mode: string }> } = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8'));
const read = (f: string) => new Uint8Array(readFileSync(join(DIR, f)));

beforeAll(() => initNodeDecoders());

describe('WebP decoder: bit-exact RGBA with Pillow (same libwebp)', () => {
  it.each(manifest.cases)('$file ($mode)', async (c) => {
    const img = await decodeImage(read(c.file));
    const want = readGoldenNpy(read(c.file.replace(/\.webp$/, '.rgba.npy')));
    expect([img.height, img.width, 4]).toEqual(want.shape);
    const bad = firstDifference(img.data, want.data);
    expect(bad, bad < 0 ? '' : `first difference at pixel ${bad >> 2}, channel ${bad & 3}: ${img.data[bad]} != ${want.data[bad]}`).toBe(-1);
    if (c.mode === 'RGBA')
      expect(
        img.data.some((v, i) => i % 4 === 3 && v < 255),
        'the fixture has transparent pixels',
      ).toBe(true);
  });
});

describe('WebP decoder: broken files are 400 with the reason', () => {
  it('a lossy file cut in its image data', async () => {
    const b = read('lossy_q80.webp');
    await expectDecodeError(b.subarray(0, b.length >> 1), 400, /not enough data|truncated|bitstream/);
  });

  it('a lossless file with its entropy-coded data overwritten', async () => {
    const b = read('lossless.webp').slice();
    b.fill(0xff, 40, 200);
    await expectDecodeError(b, 400, /bitstream error/);
  });

  it('a failure leaves the next decode intact', async () => {
    const b = read('lossless_alpha.webp');
    const want = readGoldenNpy(read('lossless_alpha.rgba.npy'));
    const bad = b.slice();
    bad.fill(0xff, 40, 200);
    for (let i = 0; i < 5; i++) {
      await expectDecodeError(bad, 400, /bitstream/);
      expect(firstDifference((await decodeImage(b)).data, want.data)).toBe(-1);
    }
  });
});
