import { beforeAll, describe, it } from 'vitest';
import { Harness, Rng } from '../../kernels/harness.ts';
import { loadBuild, type Build } from '../../kernels/load-node.ts';
import { inputCases, inputReferenceChecks } from '../../kernels/input.tester.ts';

// The relaxed build uses the simd128 variants for these families; it runs in workerd (Node 20 needs a flag for relaxed SIMD).
for (const build of ['simd128', 'scalar'] as Build[]) {
  describe(`input (${build} build)`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = new Harness(await loadBuild(build));
    });
    it('matches the reference on random shapes', () => {
      inputCases(h, new Rng(0x9e37 + build.length), build === 'scalar' ? 40 : 300);
    });
    it('reference agrees with an independent JS computation', () => {
      inputReferenceChecks(h, new Rng(31), 40);
    });
  });
}
