/**
 * The first request of the real Worker (the deploy bundle in workerd, a 4:2:0 JPEG to the default
 * model) after V8 dropped its baseline WebAssembly code, as it does whenever workerd creates
 * another isolate in the process (tools/repro/liftoff-flush): what it must compile again, read
 * from V8's own trace (tools/bench/recompiles.ts). Alone in workerd the start-up warm-up
 * compiled everything that request runs; after the drop, the JPEG decoder's once-per-image code
 * is compiled again, and native/jpeg keeps that small (build.sh: -Oz for those files, minsize for
 * two such functions in -O3 files; api.c: its own 0.2 KB allocator for dlmalloc's 9 KB; the set-up
 * inlined into jd_decode is optimised at start-up and so kept). Should a change to the decoder's
 * build, the warm-up or the workerd/V8 version move these figures, this fails.
 */
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundle, recompiles, type Phase } from '../../tools/bench/recompiles.ts';

const root = resolve(import.meta.dirname, '../..');
const bundleDir = join(root, 'tmp/test-recompiles');
const image = join(root, 'test/fixtures/photos/grace_hopper_512x600.jpg');

/** What the first request compiled of the JPEG decoder: functions and bytes of their bodies. */
function jpegOf(phases: Phase[]) {
  const first = phases.find((p) => p.phase === 'request 1');
  if (!first) throw new Error('no request 1 in the trace');
  const jpeg = first.compiled.filter((c) => c.module === 'jpeg-turbo.wasm');
  return { names: jpeg.map((c) => c.name), bytes: jpeg.reduce((a, c) => a + c.bodyBytes, 0), all: first.compiled };
}

beforeAll(() => bundle(bundleDir), 300_000);

describe('WebAssembly compiled again by the first request after a Liftoff flush', () => {
  it('alone in workerd: the first request compiles next to nothing (the warm-up compiled it)', async () => {
    const phases = await recompiles({ bundleDir, alone: true, image, requests: 1 });
    // The trace is read at all: the start-up compiled the decoder.
    expect(phases[0].compiled.some((c) => c.module === 'jpeg-turbo.wasm' && c.name === 'decode_mcu.2')).toBe(true);
    // Only the skipping of a marker the warm-up JPEG does not have (this photo's APP segments).
    const { all } = jpegOf(phases);
    expect(all.map((c) => c.name).sort()).toEqual(['skip_input_data', 'skip_variable']);
  });

  it('with another isolate after it: the decoder compiles at most 22 KiB of function bodies again, not jd_decode; the resampler < 0.5 KiB; the engine nothing in the relaxed build, ≤ 3 few-pixel pointwise kernels in SIMD128', async () => {
    const phases = await recompiles({ bundleDir, image, requests: 1 });
    const { names, bytes } = jpegOf(phases);
    // The flush happened (the per-image set-up is compiled again) ...
    expect(names).toContain('read_markers');
    // ... the hot code survived (optimised at start-up) ...
    for (const hot of ['decode_mcu.2', 'jsimd_idct_islow', 'jsimd_ycc_rgb_convert', 'jsimd_h2v2_fancy_upsample']) expect(names).not.toContain(hot);
    // ... and so did jd_decode (libjpeg's set-up inlined: 14 KB), and what remains is small:
    // ~19 KiB (jpeg_make_d_derived_tbl and start_pass_main at -O3: 26; with wasi-libc's dlmalloc
    // too: 34; with every file at -O3: 55, or 38 without jd_decode's 17 KB).
    expect(names).not.toContain('jd_decode');
    expect(bytes).toBeLessThanOrEqual(22 * 1024);
    // A reactor module (api.c's _initialize): no export wrapped in constructor and destructor calls.
    expect(names.filter((n) => n.endsWith('.command_export') || n.startsWith('__wasm_call_') || n === '__stdio_exit')).toEqual([]);
    // The resampler: only its small exported entry points (< 0.5 KiB); its input quantization
    // (2.6 KB) was optimised at start-up (worker/warmup.ts PIPELINE_RUNS).
    const resampler = phases[1].compiled.filter((c) => c.module === 'resample.simd128.wasm');
    expect(resampler.length).toBeGreaterThan(0);
    expect(resampler.reduce((a, c) => a + c.bodyBytes, 0)).toBeLessThan(512);
    // The engine: the network runs as one plan (worker/model/plan.ts), and run_plan, optimised at
    // prepare (warmPlan), survives, with the entry points and the once-per-layer dispatch code it
    // inlines (@inline down to the kernels' row and tile loops, 2026-12-08). Compiled again: nothing
    // in the relaxed build; in SIMD128 its few-pixel pointwise row kernels (rows4p, rows1p, rows1f;
    // 6.0 KiB). Before: 10 relaxed / 8 SIMD128 functions (6.0 / 9.5 KiB), and 18 / 21 when eval
    // called ~10 exported entry points ~220 times from JS.
    const engine = phases[1].compiled.filter((c) => c.module.startsWith('engine.'));
    const engineNames = engine.map((c) => c.name);
    expect(engineNames).not.toContain('run_plan');
    for (const inlined of ['pointwise', 'pointwise_f32', 'add', 'avgpool2x2', 'global_avgpool', 'lut_u8', 'gate_upsample_mul', 'channel_scale', 'stem_3x3s2', 'im2col_3x3s2']) {
      expect(engineNames).not.toContain(inlined);
    }
    const relaxed = engine.filter((c) => c.module === 'engine.relaxed.wasm');
    expect(relaxed.map((c) => `${c.name} ${c.bodyBytes} B`)).toEqual([]);
    expect(engine.length).toBeLessThanOrEqual(3);
  });
});
