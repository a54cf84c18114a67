/**
 * Every kernel family in the scalar and SIMD128 builds, from one table (XNNPACK style): the
 * family's tester (test/kernels/<family>.tester.ts) compares the variant a build runs with the
 * scalar `_reference` in the same build, byte for byte with poison checks, and the reference with
 * an independent JS computation. In the scalar build a family's entry point IS its reference, so
 * the comparisons are skipped there (with the reason in the name) and only the JS checks run.
 * The relaxed build is tested inside workerd (test/workers/relaxed-engine.test.ts): Node 20's
 * relaxed SIMD gives wrong results. `npm run test:mutants` shows these tests go red on planted bugs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { engineExports, resampleModule } from '../../tools/engine-node.ts';
import { depthwiseLayers } from '../../tools/bench/layers.ts';
import { Harness, type BuildExports } from '../../tools/lib/harness.ts';
import { Rng } from '../../tools/lib/rng.ts';
import { orientedView } from '../../worker/image/orient.ts';
import { WasmResampler } from '../../worker/image/resample-wasm.ts';
import { addCases, addReferenceChecks } from '../kernels/add.tester.ts';
import { depthwiseCase, depthwiseCases, depthwiseReferenceChecks } from '../kernels/depthwise.tester.ts';
import { gateCases, gateReferenceChecks } from '../kernels/gate.tester.ts';
import { im2colCases, im2colReferenceChecks, im2colShape } from '../kernels/im2col.tester.ts';
import { inputCases, inputReferenceChecks } from '../kernels/input.tester.ts';
import { stemCases, stemReferenceChecks, stemShape } from '../kernels/stem.tester.ts';
import { pointwiseCases, pointwiseGhostnetCases, pointwiseReferenceChecks, pointwiseShape, pointwiseTailCases } from '../kernels/pointwise.tester.ts';
import { poolCases, poolReferenceChecks } from '../kernels/pool.tester.ts';
import { quantizeKernelCases, quantizedWindowCases, quantizeParamsChecks, quantizeReferenceChecks } from '../kernels/quantize.tester.ts';
import { resampleKernelCases, resampleReferenceChecks, resampleWindowCase, resampleWindowCases, resampleSequenceCases } from '../kernels/resample.tester.ts';
import { VARIANT_CASES } from '../kernels/variants.ts';
import { VARIANTS } from '../../worker/kernels.ts';

type Build = 'scalar' | 'simd128';

/** What a test case gets: the build's exports behind a harness, and the compiled module. */
interface Ctx {
  h: Harness;
  build: Build;
  module: WebAssembly.Module;
}

type Case = readonly [name: string, run: (c: Ctx) => void];

interface Family {
  name: string;
  /** The WASM module the family is compiled into. */
  module: 'engine' | 'resample';
  /** The build's variant against its reference (meaningless in the scalar build: skipped there). */
  vsReference: Case[];
  /** Checks that hold in every build: the reference against JS, layouts, whole-pipeline uses. */
  always: Case[];
}

// `build.length` in a seed: the two builds draw different shapes, as they always have.
const FAMILIES: Family[] = [
  {
    name: 'add',
    module: 'engine',
    vsReference: [['matches the reference on random shapes', ({ h, build }) => addCases(h, new Rng(0x9e37 + build.length), 300)]],
    always: [['reference agrees with an independent JS computation', ({ h }) => addReferenceChecks(h, new Rng(31), 40)]],
  },
  {
    name: 'gate',
    module: 'engine',
    vsReference: [['matches the reference on random shapes', ({ h, build }) => gateCases(h, new Rng(0x9e37 + build.length), 300)]],
    always: [['reference agrees with an independent JS computation', ({ h }) => gateReferenceChecks(h, new Rng(31), 40)]],
  },
  {
    name: 'pool',
    module: 'engine',
    vsReference: [['matches the reference on random shapes', ({ h, build }) => poolCases(h, new Rng(0x9e37 + build.length), 300)]],
    always: [['reference agrees with an independent JS computation', ({ h }) => poolReferenceChecks(h, new Rng(31), 40)]],
  },
  {
    name: 'input',
    module: 'engine',
    vsReference: [['matches the reference on random shapes', ({ h, build }) => inputCases(h, new Rng(0x9e37 + build.length), 300)]],
    always: [['reference agrees with an independent JS computation', ({ h }) => inputReferenceChecks(h, new Rng(31), 40)]],
  },
  {
    name: 'im2col',
    module: 'engine',
    vsReference: [
      ['matches the reference on random images (odd/even sizes, 1..130 px, unaligned) and the stem sizes', ({ h, build }) => im2colCases(h, new Rng(0x1c2c + build.length), 300)],
      [
        'matches the reference on every small size',
        ({ h }) => {
          const rng = new Rng(0x51);
          for (let H = 1; H <= 9; H++) for (let W = 1; W <= 9; W++) im2colShape(h, rng.int(0, 0x7fffffff), { H, W, dstOffset: (H * W) % 7 });
        },
      ],
    ],
    always: [['reference agrees with an independent JS computation', ({ h }) => im2colReferenceChecks(h, new Rng(0x2c0), 60)]],
  },
  {
    name: 'stem',
    module: 'engine',
    vsReference: [
      [
        'matches the reference on random images and outputs (odd/even sizes, channel tails, strides, offsets, ReLU/clamps) and the network stems',
        ({ h, build }) => stemCases(h, new Rng(0x57e + build.length), 200),
      ],
      [
        'matches the reference on every small size and channel count 1..17',
        ({ h }) => {
          const rng = new Rng(0x57f);
          for (let H = 1; H <= 6; H++)
            for (let W = 1; W <= 6; W++) for (const cout of [1, 3, 4, 5, 8, 12, 13, 16, 17]) stemShape(h, rng.int(0, 0x7fffffff), { H, W, cout, yStride: cout + ((H * W) % 3), yOffset: (H + W) % 5 });
        },
      ],
    ],
    always: [['reference agrees with an independent JS computation', ({ h }) => stemReferenceChecks(h, new Rng(0x5c0), 60)]],
  },
  {
    name: 'depthwise',
    module: 'engine',
    vsReference: [
      ['matches the reference on random shapes', ({ h, build }) => depthwiseCases(h, new Rng(0xd3e1 + build.length), 400)],
      [
        'matches the reference on every GhostNetV2-1.0 depthwise layer at 224',
        ({ h }) => {
          const rng = new Rng(224);
          for (const { C, H, W, kh, kw, stride } of depthwiseLayers()) depthwiseCase(h, rng.int(0, 0x7fffffff), { C, H, W, kh, kw, stride });
        },
      ],
    ],
    always: [['reference agrees with an independent JS computation', ({ h }) => depthwiseReferenceChecks(h, new Rng(77), 40)]],
  },
  {
    name: 'pointwise',
    module: 'engine',
    vsReference: [
      ['matches the reference on random shapes (strides, offsets, zp, ReLU/clamps, f32 outputs)', ({ h, build }) => pointwiseCases(h, new Rng(0x9017 + build.length), 500)],
      ['matches the reference on every K / cout / pixel tail and on requantization edge cases', ({ h }) => pointwiseTailCases(h, new Rng(0x7a11))],
      ['matches the reference on every GhostNetV2-1.0 1x1 layer at 224, the stem GEMM and the classifier', ({ h }) => pointwiseGhostnetCases(h, new Rng(224))],
      [
        "the same in the 'shuffle' tile form (pointwise_tiles(1): 5-pixel tiles, what workerd runs)",
        ({ h }) => {
          const ex = h.ex as unknown as { pointwise_tiles(request: number): number };
          expect(ex.pointwise_tiles(1)).toBe(1);
          try {
            pointwiseCases(h, new Rng(0x9018), 300);
            pointwiseTailCases(h, new Rng(0x7a12));
            pointwiseGhostnetCases(h, new Rng(225));
          } finally {
            expect(ex.pointwise_tiles(0)).toBe(2);
          }
        },
      ],
      [
        'matches the reference on large pixel counts and wide layers',
        ({ h }) => {
          const rng = new Rng(0xb16);
          pointwiseShape(h, rng.int(0, 0x7fffffff), { cin: 16, cout: 24, pixels: 12544 });
          pointwiseShape(h, rng.int(0, 0x7fffffff), { cin: 1280, cout: 1280, pixels: 7, xStride: 1300, yStride: 1290, yOffset: 5 });
          pointwiseShape(h, rng.int(0, 0x7fffffff), { cin: 1248, cout: 92, pixels: 61, f32: true });
          pointwiseShape(h, rng.int(0, 0x7fffffff), { cin: 3, cout: 1280, pixels: 33, data: 'extreme' });
        },
      ],
    ],
    always: [
      [
        'packed size: the build layout (simd128: 8-channel blocks x K padded to 8)',
        ({ h, build }) => {
          const size = h.fn('pointwise_packed_size');
          if (build === 'scalar') expect([size(27, 16), size(960, 1280)]).toEqual([27 * 16, 960 * 1280]);
          else expect([size(27, 16), size(1, 1), size(960, 1280), size(72, 20)]).toEqual([32 * 16, 8 * 8, 960 * 1280, 72 * 24]);
        },
      ],
      ['reference agrees with an independent JS computation', ({ h }) => pointwiseReferenceChecks(h, new Rng(0x1ef), 60)],
    ],
  },
  {
    name: 'resample',
    module: 'resample',
    vsReference: [['kernels match the reference on random shapes', ({ h, build }) => resampleKernelCases(h, new Rng(0x4e5a + build.length), 400)]],
    always: [
      ['references agree with a direct JS evaluation', ({ h }) => resampleReferenceChecks(h, new Rng(77), 60)],
      ['the resampler reports the build it runs', ({ build, module }) => expect(new WasmResampler(module).variant).toBe(build)],
      [
        'whole resize = resample.ts: all orientations, gray, both filters, up/down, padded windows, tiny batches (ring wrap)',
        ({ build, module }) => {
          const impls = [new WasmResampler(module), new WasmResampler(module, { batchRows: 1 }), new WasmResampler(module, { batchRows: 3 })];
          resampleWindowCases(impls, new Rng(0x1e5 + build.length), build === 'scalar' ? 60 : 400);
        },
      ],
      [
        "the last resize's taps are reused only for the same resize: a chain of calls, each differing in one parameter, gives resample.ts's bytes",
        ({ module }) => resampleSequenceCases(new WasmResampler(module), new Rng(0x5e9)),
      ],
      [
        'memory is bounded and reused: repeated resizes do not grow it',
        ({ module }) => {
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
        },
      ],
    ],
  },
  {
    name: 'quantize',
    module: 'resample',
    vsReference: [
      ['matches the reference (the table) on random quantizations, lengths, C = 1/3, and with the table fallback', ({ h, build }) => quantizeKernelCases(h, new Rng(0x91a + build.length), 300)],
    ],
    always: [
      ['reference agrees with quantizeHWC (the JS path)', ({ h }) => quantizeReferenceChecks(h, new Rng(0x3e1), 60)],
      ['quantizeParams: every affine form gives every table entry, and nearly every quantization has one', () => expect(quantizeParamsChecks(new Rng(0x3e2), 300)).toBeGreaterThan(290)],
      ['whole window = quantizeHWC of resample.ts: orientations, gray, padding', ({ module }) => quantizedWindowCases(new WasmResampler(module), new Rng(0x3e3), 150)],
    ],
  },
];

const SELF_SKIP = ' — skipped in the scalar build: the kernel is its own reference';

for (const f of FAMILIES) {
  for (const build of ['simd128', 'scalar'] as const) {
    describe(`${f.name} (${build} build)`, () => {
      const ctx = {} as Ctx;
      beforeAll(() => {
        ctx.build = build;
        if (f.module === 'engine') {
          ctx.h = new Harness(engineExports(build));
        } else {
          ctx.module = resampleModule(build);
          ctx.h = new Harness(new WebAssembly.Instance(ctx.module, {}).exports as unknown as BuildExports);
        }
      });
      it('runs the variant the build was compiled for', () => {
        expect(ctx.h.ex.variant()).toBe(build === 'scalar' ? 0 : 1);
      });
      for (const [name, run] of f.vsReference) it.skipIf(build === 'scalar')(build === 'scalar' ? name + SELF_SKIP : name, () => run(ctx));
      for (const [name, run] of f.always) it(name, () => run(ctx));
    });
  }
}

// Each SIMD128 variant of the manifest (worker/kernels.ts) on its own shapes and edges, each case
// checked to reach it (the manifest's `reaches`, the dispatcher's conditions). Named
// "variants (simd128 build) <variant>: ..." so `npm run test:mutants` can run one variant's cases.
describe('variants (simd128 build)', () => {
  const hs = {} as Record<'engine' | 'resample', Harness>;
  beforeAll(() => {
    hs.engine = new Harness(engineExports('simd128'));
    hs.resample = new Harness(new WebAssembly.Instance(resampleModule('simd128'), {}).exports as unknown as BuildExports);
  });
  for (const v of VARIANTS.filter((v) => v.isa === 'simd128')) {
    const cases = VARIANT_CASES[v.name as keyof typeof VARIANT_CASES] ?? [];
    it(`${v.name}: its own shapes and edges (${cases.length} cases)${v.tiles ? `, '${v.tiles}' tile form` : ''}`, () => {
      expect(cases.length).toBeGreaterThan(0);
      const rng = new Rng(0x7a5e);
      // the SIMD128 pointwise tile form the variant belongs to (pointwise_tiles), back to the default after
      const ex = hs.engine.ex as unknown as { pointwise_tiles(request: number): number };
      if (v.tiles) expect(ex.pointwise_tiles(v.tiles === 'shuffle' ? 1 : 2)).toBe(v.tiles === 'shuffle' ? 1 : 2);
      try {
        for (const c of cases) {
          if (v.reaches && c.call) expect((v.reaches as (call: unknown) => boolean)(c.call), `${c.label} does not reach ${v.name}`).toBe(true);
          c.run(hs[v.module], rng.int(0, 0x7fffffff));
        }
      } finally {
        ex.pointwise_tiles(2);
      }
    });
  }
});
