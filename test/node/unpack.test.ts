/**
 * The unpackers (assembly/kernels/{pointwise,depthwise}/index.ts `<family>_unpack`): each build's
 * packed layout back to the plain weights, exactly, in the builds Node runs (scalar and SIMD128);
 * each build reading its own packing and the other's; and the repackers (`<family>_repack`: the
 * reading build's own pack, without the plain copy). The relaxed build's layout, and the relaxed
 * build reading the SIMD128 packing, are tested in workerd (test/workers/relaxed-engine.test.ts).
 */
import { describe, it } from 'vitest';
import { engineExports } from '../../tools/engine-node.ts';
import { Harness } from '../../tools/lib/harness.ts';
import { Rng } from '../../tools/lib/rng.ts';
import { unpackCases } from '../kernels/unpack.tester.ts';

describe('pack → unpack round trips, pack → repack', () => {
  for (const [packer, reader] of [
    ['simd128', 'simd128'],
    ['simd128', 'scalar'],
    ['scalar', 'scalar'],
    ['scalar', 'simd128'],
  ] as const) {
    it(`${reader} build reads what the ${packer} build packed: the plain weights back, bit for bit, and repacks them as its own pack would`, () => {
      unpackCases(new Harness(engineExports(packer)), new Harness(engineExports(reader)), new Rng(0x0e1a + packer.length * 7 + reader.length), 60);
    });
  }
});
