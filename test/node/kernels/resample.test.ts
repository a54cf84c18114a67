import { beforeAll, describe, expect, it } from 'vitest';
import { Harness, type EngineExports } from '../../../tools/lib/harness.ts';
import { Rng } from '../../../tools/lib/rng.ts';
import { resampleModule } from '../../../tools/engine-node.ts';
import { resampleKernelCases, resampleReferenceChecks, resampleWindowCase, resampleWindowCases } from '../../kernels/resample.tester.ts';
import { orientedView } from '../../../worker/image/orient.ts';
import { WasmResampler } from '../../../worker/image/resample-wasm.ts';

for (const build of ['simd128', 'scalar'] as const) {
  describe(`resample (${build} build)`, () => {
    let module: WebAssembly.Module;
    let h: Harness;
    // In the scalar build the family's entry point IS its reference: comparing them proves nothing, so
    // those cases are skipped there (and say why); the reference is checked against JS instead.
    const self = build === 'scalar';
    const selfSkip = self ? ' — skipped in the scalar build: the kernel is its own reference' : '';
    beforeAll(() => {
      module = resampleModule(build);
      h = new Harness(new WebAssembly.Instance(module, {}).exports as unknown as EngineExports);
    });

    it('is the expected variant', () => {
      expect(h.ex.variant()).toBe(build === 'simd128' ? 1 : 0);
      expect(new WasmResampler(module).variant).toBe(build);
    });

    it.skipIf(self)(`kernels match the reference on random shapes${selfSkip}`, () => {
      resampleKernelCases(h, new Rng(0x4e5a + build.length), 400);
    });

    it('references agree with a direct JS evaluation', () => {
      resampleReferenceChecks(h, new Rng(77), 60);
    });

    it('whole resize = resample.ts: all orientations, gray, both filters, up/down, padded windows, tiny batches (ring wrap)', () => {
      const impls = [new WasmResampler(module), new WasmResampler(module, { batchRows: 1 }), new WasmResampler(module, { batchRows: 3 })];
      resampleWindowCases(impls, new Rng(0x1e5 + build.length), build === 'scalar' ? 60 : 400);
    });

    it('memory is bounded and reused: repeated resizes do not grow it', () => {
      const r = new WasmResampler(module);
      for (let i = 0; i < 20; i++) resampleWindowCase([r], 12345 + (i % 5));
      const after = r.memoryBytes;
      for (let i = 0; i < 200; i++) resampleWindowCase([r], 12345 + (i % 5));
      expect(r.memoryBytes).toBe(after);
      // A 3000x2000 photo to 224: O(row width + crop window), not O(image).
      const img = { width: 3000, height: 2000, data: new Uint8ClampedArray(3000 * 2000 * 4), orientation: 6 as const };
      const big = new WasmResampler(module);
      big.resampleWindow(orientedView(img), 256, 384, 'bicubic', 16, 80, 224, false);
      expect(big.memoryBytes).toBeLessThan(2 * 1024 * 1024);
    });
  });
}
