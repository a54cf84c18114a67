/**
 * The image module (build/resample.simd128.wasm, the Pillow resampler's kernels) inside workerd:
 * the shared tester against the scalar reference and against resample.ts, and the Worker's own
 * preprocessing running on it with memory that stays put across requests.
 */
import { describe, expect, it } from 'vitest';
import resampleModule from '../../build/resample.simd128.wasm';
import { Harness, type BuildExports } from '../../tools/lib/harness.ts';
import { Rng } from '../../tools/lib/rng.ts';
import { resampleKernelCases, resampleWindowCases } from '../kernels/resample.tester.ts';
import { WasmResampler, wasmResampler } from '../../worker/image/resample-wasm.ts';
import { classifyBytes, photo, preloadPhotos } from './support.ts';

await preloadPhotos(['chelsea_cat_451x300.png', 'grace_hopper_exif_orient6_600x512.jpg']);

describe('wasm resampler in workerd', () => {
  it('SIMD128 kernels are bit-exact with the scalar reference on random shapes', () => {
    const h = new Harness(new WebAssembly.Instance(resampleModule, {}).exports as unknown as BuildExports);
    expect(h.ex.variant()).toBe(1);
    resampleKernelCases(h, new Rng(0x7e5a), 60);
  });

  it('the whole resize equals resample.ts (all orientations, gray, both filters, tiny batches)', () => {
    resampleWindowCases([new WasmResampler(resampleModule), new WasmResampler(resampleModule, { batchRows: 2 })], new Rng(0x7e5b), 60);
  });

  it('the Worker preprocesses with it, and its memory does not grow across requests', async () => {
    const r = wasmResampler();
    expect(r?.variant).toBe('simd128');
    const classify = async (name: string) => {
      const res = await classifyBytes(photo(name));
      expect(res.status, name).toBe(200);
      await res.json();
    };
    for (const name of ['chelsea_cat_451x300.png', 'grace_hopper_exif_orient6_600x512.jpg']) await classify(name);
    const after = r!.memoryBytes;
    expect(after, 'the requests ran on this instance (it grew past its initial page)').toBeGreaterThan(65536);
    for (let i = 0; i < 3; i++) await classify('grace_hopper_exif_orient6_600x512.jpg');
    expect(r!.memoryBytes).toBe(after);
  });
});
