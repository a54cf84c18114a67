/** The Worker's input path (crop bytes → one table → int8) equals the float path quantized. */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../worker/image/decode.ts';
import { initNodeDecoders } from '../../worker/image/decoders-node.ts';
import { imageToEngineInput, imageToInput } from '../../worker/image/input.ts';
import { preprocess, resizeAndCrop, resizeCropQuantize } from '../../worker/image/preprocess.ts';
import { inputQuantTable, quantizeHWC, quantizeInputNHWC, quantizeParams } from '../../worker/image/quantize.ts';
import { TS_RESAMPLER } from '../../worker/image/resample.ts';
import { WasmResampler } from '../../worker/image/resample-wasm.ts';
import { resampleModule } from '../../tools/engine-node.ts';
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

    it(`the resampler's quantization (SIMD128 and scalar builds, and resample.ts) = the JS table path, every photo (${p.input_size}, grayscale ${p.grayscale})`, async () => {
      await initNodeDecoders();
      const q = inputQParams(p);
      const table = inputQuantTable(p.mean, p.std, q.scale, q.zero_point);
      const params = quantizeParams(p.mean, p.std, q.scale, q.zero_point);
      expect(new DataView(params.buffer).getInt32(768, true), 'this quantization has an affine form (the SIMD kernel runs)').toBeGreaterThan(0);
      const scalar = new WasmResampler(resampleModule('scalar'));
      for (const f of photos) {
        const bytes = new Uint8Array(readFileSync(new URL(f, dir)));
        const want = Buffer.from(quantizeHWC((await imageToInput(bytes, p)).pixels, table).buffer);
        const got = await imageToEngineInput(bytes, p, params);
        expect(Buffer.from(got.int8.buffer, got.int8.byteOffset, got.int8.length).equals(want), `${f} (SIMD128)`).toBe(true);
        const img = await decodeImage(bytes);
        for (const [name, r] of [
          ['scalar build', scalar],
          ['resample.ts', TS_RESAMPLER],
        ] as const) {
          const x = resizeCropQuantize(img, p, params, r);
          expect(Buffer.from(x.buffer, x.byteOffset, x.length).equals(want), `${f} (${name})`).toBe(true);
        }
      }
    });
  }
});
