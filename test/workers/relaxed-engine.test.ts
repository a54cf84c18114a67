/**
 * The relaxed-SIMD build, tested where it runs correctly: inside workerd (Node 20's relaxed SIMD
 * gives wrong results). Every kernel family's shared tester runs against this build's variant
 * and its scalar reference, then the whole network must match the SIMD128 build bit for bit,
 * also on a file packed for SIMD128 only (the bundled default), which the relaxed build repacks
 * (<family>_repack: exactly its pack of <family>_unpack, the packers' exact inverses; both tested
 * here on the relaxed layout).
 */
import { describe, expect, it } from 'vitest';
import relaxedModule from '../../build/engine.relaxed.wasm';
import simdModule from '../../build/engine.simd128.wasm';
import tinyModel from '../fixtures/models/tiny_w015_c10_s64.int8.gnv2';
import { Harness, type BuildExports } from '../../tools/lib/harness.ts';
import { Rng } from '../../tools/lib/rng.ts';
import { pointwiseCases, pointwiseGhostnetCases, pointwiseTailCases } from '../kernels/pointwise.tester.ts';
import { im2colCases } from '../kernels/im2col.tester.ts';
import { stemCases } from '../kernels/stem.tester.ts';
import { depthwiseCases } from '../kernels/depthwise.tester.ts';
import { poolCases } from '../kernels/pool.tester.ts';
import { gateCases } from '../kernels/gate.tester.ts';
import { addCases } from '../kernels/add.tester.ts';
import { inputCases } from '../kernels/input.tester.ts';
import { VARIANT_CASES } from '../kernels/variants.ts';
import { defaultPointwiseTiles, VARIANTS } from '../../worker/kernels.ts';
import { unpackCases } from '../kernels/unpack.tester.ts';
import { parseModelFile, readModelFile, writeModelFile } from '../../worker/model/format.ts';
import { Int8Engine } from '../../worker/model/engine.ts';
import { MODELS } from '../../worker/models.ts';
import { atInputSize, planAgainstPerOp } from '../helpers/plan.ts';

type RelaxedExports = BuildExports & { relaxed_dot_lowering(): number; relaxed_dot_mode(request: number): number };

/** A fresh instance of the relaxed build; `dot` forces its pointwise form (assembly/lowering.ts relaxed_dot_mode). */
async function relaxedExports(dot?: 'planes' | 'vnni'): Promise<RelaxedExports> {
  const instance = await WebAssembly.instantiate(relaxedModule, {
    env: {
      abort() {
        throw new Error('abort');
      },
    },
  });
  const ex = instance.exports as unknown as RelaxedExports;
  if (dot) expect(ex.relaxed_dot_mode(dot === 'vnni' ? 2 : 1), `relaxed_dot_mode(${dot})`).toBe(dot === 'vnni' ? 2 : 1);
  return ex;
}

// The VNNI forms of the relaxed pointwise and depthwise are exact only where V8 lowers the relaxed dot to AVX-VNNI
// vpdpbusd (relaxed_dot_lowering() = -130560); elsewhere the build never runs it, and its tests are
// skipped, saying so in their names.
const LOWERING = (new WebAssembly.Instance(relaxedModule, { env: { abort() {} } }).exports as unknown as RelaxedExports).relaxed_dot_lowering();
const VNNI = LOWERING === -130560;
const NO_VNNI = VNNI ? '' : ` [SKIPPED: relaxed_dot_lowering() is ${LOWERING} on this CPU, not AVX-VNNI's -130560]`;

describe('relaxed-SIMD build in workerd', () => {
  it('is the relaxed variant and the runtime supports it', async () => {
    expect((await relaxedExports()).variant()).toBe(2);
  });

  it("the SIMD128 build here: the engine picks the 'shuffle' pointwise tile form (explicit bounds checks), which matches the reference; the relaxed build has no tile forms", async () => {
    expect(defaultPointwiseTiles()).toBe('shuffle');
    const ex = (await WebAssembly.instantiate(simdModule, { env: { abort() {} } })).exports as unknown as BuildExports & { pointwise_tiles(request: number): number };
    expect(ex.pointwise_tiles(1)).toBe(1);
    const h = new Harness(ex);
    pointwiseCases(h, new Rng(0x51ff), 60);
    pointwiseTailCases(h, new Rng(0x51fe));
    expect(((await relaxedExports()) as unknown as { pointwise_tiles(request: number): number }).pointwise_tiles(1)).toBe(0);
  });

  const families: [string, (h: Harness, rng: Rng, n: number) => void, number][] = [
    ['pointwise', pointwiseCases, 60],
    ['im2col', im2colCases, 20],
    ['stem', stemCases, 20],
    ['depthwise', depthwiseCases, 40],
    ['pool', poolCases, 40],
    ['gate', gateCases, 40],
    ['add', addCases, 40],
    ['input', inputCases, 20],
  ];
  for (const [name, cases, n] of families) {
    it(`${name}: relaxed build bit-exact with the scalar reference on random shapes`, async () => {
      const h = new Harness(await relaxedExports());
      cases(h, new Rng(0x5eed + name.length), n);
    });
  }

  it('pointwise: relaxed build on every GhostNetV2 1x1 shape and on the K/cout/pixel tails', async () => {
    const h = new Harness(await relaxedExports());
    pointwiseGhostnetCases(h, new Rng(11));
    pointwiseTailCases(h, new Rng(12));
  });

  it('pointwise: the bit-plane form (forced, as on a CPU without AVX-VNNI) on random shapes, every GhostNetV2 1x1 shape and the tails', async () => {
    const h = new Harness(await relaxedExports('planes'));
    pointwiseCases(h, new Rng(0x5eed + 1), 60);
    pointwiseGhostnetCases(h, new Rng(13));
    pointwiseTailCases(h, new Rng(14));
  });

  it.skipIf(!VNNI)(`pointwise: the AVX-VNNI form on random shapes, every GhostNetV2 1x1 shape and the tails${NO_VNNI}`, async () => {
    const h = new Harness(await relaxedExports('vnni'));
    pointwiseCases(h, new Rng(0x5eed + 2), 60);
    pointwiseGhostnetCases(h, new Rng(15));
    pointwiseTailCases(h, new Rng(16));
  });

  it('depthwise: with the bit-plane form forced (as on a CPU without AVX-VNNI) the SIMD128 paths run every call, on random shapes', async () => {
    const h = new Harness(await relaxedExports('planes'));
    depthwiseCases(h, new Rng(0x5eed + 3), 40);
  });

  it.skipIf(!VNNI)(`depthwise: the AVX-VNNI forms (3x3 s1/s2, 1x5/5x1 s1; forced) on random shapes${NO_VNNI}`, async () => {
    const h = new Harness(await relaxedExports('vnni'));
    depthwiseCases(h, new Rng(0x5eed + 4), 40);
  });

  it('the VNNI form is granted exactly where the relaxed dot is AVX-VNNI, and chosen by default there', async () => {
    const ex = await relaxedExports();
    expect(ex.relaxed_dot_mode(0)).toBe(VNNI ? 2 : 1);
    expect(ex.relaxed_dot_mode(2)).toBe(VNNI ? 2 : 1);
    expect(ex.relaxed_dot_mode(1)).toBe(1);
  });

  // The relaxed build's own variants (worker/kernels.ts), each on its own shapes and edges.
  for (const v of VARIANTS.filter((v) => v.isa === 'relaxed')) {
    const cases = VARIANT_CASES[v.name as keyof typeof VARIANT_CASES] ?? [];
    const dot = 'dot' in v ? v.dot : undefined;
    it.skipIf(dot === 'vnni' && !VNNI)(`variant ${v.name}: its own shapes and edges (${cases.length} cases)${dot === 'vnni' ? NO_VNNI : ''}`, async () => {
      expect(cases.length).toBeGreaterThan(0);
      const h = new Harness(await relaxedExports(dot));
      const rng = new Rng(0x7a5e);
      for (const c of cases) {
        if (v.reaches && c.call) expect((v.reaches as (call: unknown) => boolean)(c.call), `${c.label} does not reach ${v.name}`).toBe(true);
        c.run(h, rng.int(0, 0x7fffffff));
      }
    });
  }

  it('pack → unpack, pack → repack: the relaxed layouts round-trip; the relaxed build reads and repacks what the SIMD128 build packed, and the other way round', async () => {
    const simd = () => new Harness(new WebAssembly.Instance(simdModule, { env: { abort() {} } }).exports as unknown as BuildExports);
    unpackCases(new Harness(await relaxedExports()), new Harness(await relaxedExports()), new Rng(0x0e1b), 60);
    unpackCases(simd(), new Harness(await relaxedExports()), new Rng(0x0e1c), 60);
    unpackCases(new Harness(await relaxedExports()), simd(), new Rng(0x0e1d), 60);
  });

  it("whole network: the bundled default model, packed for SIMD128 only, runs on the relaxed build (repacked) with the SIMD128 build's tensors and logits", async () => {
    const def = MODELS.find((m) => m.default)!;
    const model = parseModelFile(def.data);
    expect(model.header.packing).toMatchObject({ builds: ['simd128'], plain: false });
    const relaxed = Int8Engine.prepare(model, relaxedModule, { debug: true, record: true });
    const simd = Int8Engine.prepare(model, simdModule, { debug: true, record: true });
    expect([relaxed.variant, simd.variant]).toEqual(['relaxed', 'simd128']);
    expect(simd.recorded).toEqual([]); // its own packing: copied
    expect(relaxed.recorded.length).toBeGreaterThan(0); // every conv repacked, nothing else computed
    expect(relaxed.recorded.every((t) => t.name.endsWith('.packed.relaxed'))).toBe(true);
    const rng = new Rng(8);
    const size = model.header.preprocessing.input_size;
    for (let i = 0; i < 3; i++) {
      const x = new Float32Array(3 * size * size).map(() => rng.next() * 4 - 2);
      const a = relaxed.run(x);
      const b = simd.run(x);
      for (const name of simd.graph.tensors.keys()) expect(Array.from(relaxed.raw(name)), name).toEqual(Array.from(simd.raw(name)));
      expect(Array.from(a.logits)).toEqual(Array.from(b.logits));
    }
  });

  it('whole network: a file packed for SIMD128 only, without folded biases: the relaxed build repacks in place after unpacking for the bias, the tensors and logits of the SIMD128 build packing the plain weights', async () => {
    const tiny = await readModelFile(tinyModel);
    expect(tiny.header.packing).toMatchObject({ builds: [], plain: true });
    // Both files carry each conv's folded bias as its plain `.bias`, so prepare folds it again (b − z_in·Σw):
    // the SIMD128 build from the plain weights, the relaxed build from SIMD128's packing, unpacked.
    const { tensors, ...header } = structuredClone(tiny.header);
    const unfolded = tensors.filter((t) => !t.name.endsWith('.weight')).map((t) => ({ name: t.name.replace(/\.bias_folded$/, '.bias'), dtype: t.dtype, shape: t.shape, data: tiny.tensor(t.name) }));
    expect(unfolded.some((t) => t.name.endsWith('.bias'))).toBe(true);
    const weights = tensors.filter((t) => t.name.endsWith('.weight')).map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: tiny.tensor(t.name) }));
    const plainFile = await readModelFile(await writeModelFile(header, [...weights, ...unfolded]));
    const packs = Int8Engine.prepare(plainFile, simdModule, { record: true }).recorded.filter((t) => t.name.endsWith('.packed.simd128'));
    expect(packs.length).toBeGreaterThan(0);
    const packedFile = await readModelFile(
      await writeModelFile({ ...header, packing: { layout_version: header.packing!.layout_version, builds: ['simd128'], plain: false } }, [...unfolded, ...packs]),
    );
    const relaxed = Int8Engine.prepare(packedFile, relaxedModule, { debug: true, record: true });
    const names = relaxed.recorded.map((t) => t.name);
    expect(names.some((n) => n.endsWith('.bias_folded'))).toBe(true);
    expect(names.some((n) => n.endsWith('.packed.relaxed'))).toBe(true);
    const simd = Int8Engine.prepare(plainFile, simdModule, { debug: true });
    const rng = new Rng(9);
    for (let i = 0; i < 2; i++) {
      const x = new Float32Array(3 * 64 * 64).map(() => rng.next() * 4 - 2);
      const a = relaxed.run(x);
      const b = simd.run(x);
      for (const name of simd.graph.tensors.keys()) expect(Array.from(relaxed.raw(name)), name).toEqual(Array.from(simd.raw(name)));
      expect(Array.from(a.logits)).toEqual(Array.from(b.logits));
    }
  });

  it("whole network as one plan (run_plan): the bundled default model at 64² and at 224², and the tiny model: the per-op path's bytes in every tensor and its logits", async () => {
    const def = parseModelFile(MODELS.find((m) => m.default)!.data);
    for (const [model, runs] of [
      [def, 3],
      [await atInputSize(def, 224), 1],
      [await readModelFile(tinyModel), 3],
    ] as const) {
      const r = planAgainstPerOp(model, relaxedModule, runs, 0x9a1);
      expect(r.variant).toBe('relaxed');
      expect(r.paths).toEqual([true, false]);
      expect(r.differ).toEqual([]);
    }
  });

  it('whole network: relaxed build gives the same int8 tensors as the SIMD128 build', async () => {
    const model = await readModelFile(tinyModel);
    const relaxed = await Int8Engine.create(model, relaxedModule, { debug: true });
    const simd = await Int8Engine.create(model, simdModule, { debug: true });
    expect([relaxed.variant, simd.variant]).toEqual(['relaxed', 'simd128']);
    const rng = new Rng(7);
    for (let i = 0; i < 4; i++) {
      const x = new Float32Array(3 * 64 * 64).map(() => rng.next() * 4 - 2);
      const a = relaxed.run(x);
      const b = simd.run(x);
      for (const name of simd.graph.tensors.keys()) expect(Array.from(relaxed.raw(name)), name).toEqual(Array.from(simd.raw(name)));
      expect(Array.from(a.logits)).toEqual(Array.from(b.logits));
    }
  });
});
