import { beforeAll, describe, expect, it } from 'vitest';
import { engineExports, type Build } from '../../../tools/engine-node.ts';
import { Harness } from '../../../tools/lib/harness.ts';
import { Rng } from '../../../tools/lib/rng.ts';
import { im2colCases, im2colReferenceChecks, im2colShape } from '../../kernels/im2col.tester.ts';

for (const build of ['simd128', 'scalar'] as Build[]) {
  describe(`im2col (${build} build)`, () => {
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
    it.skipIf(self)(`matches the reference on random images (odd/even sizes, 1..130 px, unaligned) and the stem sizes${selfSkip}`, () => {
      im2colCases(h, new Rng(0x1c2c + build.length), 300);
    });
    it.skipIf(self)(`matches the reference on every small size${selfSkip}`, () => {
      const rng = new Rng(0x51);
      for (let H = 1; H <= 9; H++) for (let W = 1; W <= 9; W++) im2colShape(h, rng.int(0, 0x7fffffff), { H, W, dstOffset: (H * W) % 7 });
    });
    it('reference agrees with an independent JS computation', () => {
      im2colReferenceChecks(h, new Rng(0x2c0), 60);
    });
  });
}
