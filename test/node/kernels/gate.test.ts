import { beforeAll, describe, expect, it } from 'vitest';
import { engineExports, type Build } from '../../../tools/engine-node.ts';
import { Harness } from '../../../tools/lib/harness.ts';
import { Rng } from '../../../tools/lib/rng.ts';
import { gateCases, gateReferenceChecks } from '../../kernels/gate.tester.ts';

// The relaxed build uses the simd128 variants for these families; it runs in workerd (Node 20 needs a flag for relaxed SIMD).
for (const build of ['simd128', 'scalar'] as Build[]) {
  describe(`gate (${build} build)`, () => {
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
      gateCases(h, new Rng(0x9e37 + build.length), 300);
    });
    it('reference agrees with an independent JS computation', () => {
      gateReferenceChecks(h, new Rng(31), 40);
    });
  });
}
