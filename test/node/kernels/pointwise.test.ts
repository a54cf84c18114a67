import { beforeAll, describe, expect, it } from 'vitest';
import { engineExports, type Build } from '../../../tools/engine-node.ts';
import { Harness } from '../../../tools/lib/harness.ts';
import { Rng } from '../../../tools/lib/rng.ts';
import {
  pointwiseCases, pointwiseGhostnetCases, pointwiseReferenceChecks, pointwiseShape, pointwiseTailCases,
} from '../../kernels/pointwise.tester.ts';

// The relaxed build is tested inside workerd (test/workers/relaxed-engine.test.ts runs the same
// tester): Node 20's relaxed SIMD gives wrong results.
for (const build of ['simd128', 'scalar'] as Build[]) {
  describe(`pointwise (${build} build)`, () => {
    let h: Harness;
    // In the scalar build the family's entry point IS its reference: comparing them proves nothing, so
    // those cases are skipped there (and say why); the reference is checked against JS instead.
    const self = build === 'scalar';
    const selfSkip = self ? ' — skipped in the scalar build: the kernel is its own reference' : '';
    beforeAll(async () => {
      h = new Harness(engineExports(build));
    });
    it('runs the variant the build was compiled for', () => {
      expect(h.ex.variant()).toBe(build === 'scalar' ? 0 : 1);
    });
    it('packed size: the build layout (simd128: 8-channel blocks x K padded to 8)', () => {
      const size = h.fn('pointwise_packed_size');
      if (build === 'scalar') expect([size(27, 16), size(960, 1280)]).toEqual([27 * 16, 960 * 1280]);
      else expect([size(27, 16), size(1, 1), size(960, 1280), size(72, 20)]).toEqual([32 * 16, 8 * 8, 960 * 1280, 72 * 24]);
    });
    it.skipIf(self)(`matches the reference on random shapes (strides, offsets, zp, ReLU/clamps, f32 outputs)${selfSkip}`, () => {
      pointwiseCases(h, new Rng(0x9017 + build.length), 500);
    });
    it.skipIf(self)(`matches the reference on every K / cout / pixel tail and on requantization edge cases${selfSkip}`, () => {
      pointwiseTailCases(h, new Rng(0x7a11));
    });
    it.skipIf(self)(`matches the reference on every GhostNetV2-1.0 1x1 layer at 224, the stem GEMM and the classifier${selfSkip}`, () => {
      pointwiseGhostnetCases(h, new Rng(224));
    });
    it.skipIf(self)(`matches the reference on large pixel counts and wide layers${selfSkip}`, () => {
      const rng = new Rng(0xb16);
      pointwiseShape(h, rng.int(0, 0x7fffffff), { cin: 16, cout: 24, pixels: 12544 });
      pointwiseShape(h, rng.int(0, 0x7fffffff), { cin: 1280, cout: 1280, pixels: 7, xStride: 1300, yStride: 1290, yOffset: 5 });
      pointwiseShape(h, rng.int(0, 0x7fffffff), { cin: 1248, cout: 92, pixels: 61, f32: true });
      pointwiseShape(h, rng.int(0, 0x7fffffff), { cin: 3, cout: 1280, pixels: 33, data: 'extreme' });
    });
    it('reference agrees with an independent JS computation', () => {
      pointwiseReferenceChecks(h, new Rng(0x1ef), 60);
    });
  });
}
