import { beforeAll, describe, expect, it } from 'vitest';
import { engineExports, type Build } from '../../../tools/engine-node.ts';
import { Harness } from '../../../tools/lib/harness.ts';
import { depthwiseLayers } from '../../../tools/bench/layers.ts';
import { Rng } from '../../../tools/lib/rng.ts';
import { depthwiseCase, depthwiseCases, depthwiseReferenceChecks } from '../../kernels/depthwise.tester.ts';

// The relaxed build uses the simd128 variants for these families; it runs in workerd (Node 20 needs a flag for relaxed SIMD).
for (const build of ['simd128', 'scalar'] as Build[]) {
  describe(`depthwise (${build} build)`, () => {
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
    it.skipIf(self)(`matches the reference on random shapes${selfSkip}`, () => {
      depthwiseCases(h, new Rng(0xd3e1 + build.length), 400);
    });
    it.skipIf(self)(`matches the reference on every GhostNetV2-1.0 depthwise layer at 224${selfSkip}`, () => {
      const rng = new Rng(224);
      for (const { C, H, W, kh, kw, stride } of depthwiseLayers()) depthwiseCase(h, rng.int(0, 0x7fffffff), { C, H, W, kh, kw, stride });
    });
    it('reference agrees with an independent JS computation', () => {
      depthwiseReferenceChecks(h, new Rng(77), 40);
    });
  });
}
