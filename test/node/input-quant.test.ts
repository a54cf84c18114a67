/** The Worker's input path (crop bytes → one table → int8) equals the float path quantized. */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../worker/image/decode.ts';
import { initNodeDecoders } from '../../worker/image/decoders-node.ts';
import { preprocess, resizeAndCrop } from '../../worker/image/preprocess.ts';
import { inputQuantTable, quantizeHWC, quantizeInputNHWC } from '../../worker/image/quantize.ts';
import type { Preprocessing } from '../../worker/model/format.ts';
import { inputQParams } from '../../tools/convert/quantize.ts';

const dir = new URL('../fixtures/photos/', import.meta.url);
const photos = readdirSync(dir).filter((f) => /\.(jpg|png|webp)$/.test(f) && !f.startsWith('dandelions'));

describe('input quantization table', () => {
  const configs: Preprocessing[] = [
    { input_size: 224, crop_pct: 0.875, interpolation: 'bilinear', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], grayscale: false },
    { input_size: 64, crop_pct: 1, interpolation: 'bilinear', mean: [0.2863, 0.2863, 0.2863], std: [0.3388, 0.3388, 0.3388], grayscale: true },
  ];
  for (const p of configs) {
    it(`matches preprocess + quantizeInputNHWC byte for byte (${p.input_size}, grayscale ${p.grayscale})`, async () => {
      await initNodeDecoders();
      const q = inputQParams(p);
      const table = inputQuantTable(p.mean, p.std, q.scale, q.zero_point);
      for (const f of photos) {
        const img = await decodeImage(new Uint8Array(readFileSync(new URL(f, dir))));
        const viaTable = quantizeHWC(resizeAndCrop(img, p), table);
        const viaFloat = quantizeInputNHWC(preprocess(img, p), p.input_size, q.scale, q.zero_point);
        expect(Buffer.from(viaTable.buffer).equals(Buffer.from(viaFloat.buffer)), f).toBe(true);
      }
    });
  }
});
