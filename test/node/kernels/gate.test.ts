import { beforeAll, describe, it } from 'vitest';
import { engineExports, type Build } from '../../../tools/engine-node.ts';
import { Harness } from '../../../tools/lib/harness.ts';
import { Rng } from '../../../tools/lib/rng.ts';
import { gateCases, gateReferenceChecks } from '../../kernels/gate.tester.ts';

// The relaxed build uses the simd128 variants for these families; it runs in workerd (Node 20 needs a flag for relaxed SIMD).
for (const build of ['simd128', 'scalar'] as Build[]) {
  describe(`gate (${build} build)`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = new Harness(engineExports(build));
    });
    it('matches the reference on random shapes', () => {
      gateCases(h, new Rng(0x9e37 + build.length), build === 'scalar' ? 40 : 300);
    });
    it('reference agrees with an independent JS computation', () => {
      gateReferenceChecks(h, new Rng(31), 40);
    });
  });
}
