/**
 * The deliberate bugs `npm run test:mutants` plants in the SIMD kernels, one at a time: the kinds of
 * mistake a kernel change makes (a tail one element short, a wrong rounding or padding constant, a
 * channel group skipped). Each must turn its family's kernel tests red. A mutation names the exact
 * source text it replaces: when a kernel is rewritten and that text is gone, the run says so (stale)
 * instead of passing, and the entry is updated to the new code.
 * A mutant that breaks one microkernel variant names it (`variant`, from worker/kernels.ts) and runs
 * only that variant's own cases (test/kernels/variants.ts): so every SIMD variant's cases are shown
 * to reach it and to catch a bug in it (test/node/kernel-coverage.test.ts wants one per variant).
 * Mutants of code several variants share (packing, output stage, requantization) run the families.
 */
import type { VariantName } from '../../worker/kernels.ts';

export interface Mutant {
  id: string;
  /** What the bug is, in words. */
  what: string;
  /** Source file under assembly/. */
  file: string;
  find: string;
  replace: string;
  /** Which occurrence of `find` to replace when it occurs more than once (0-based). */
  nth?: number;
  /** The module the file is compiled into. */
  module: 'engine' | 'resample';
  /** The build that runs the mutated code: SIMD128 (tested in Node) unless 'relaxed' (tested in workerd). */
  build?: 'relaxed';
  /** Kernel families (suites of test/node/kernels.test.ts) whose tests must go red. */
  tests: string[];
  /** The one variant the bug is in: then only that variant's own cases run, and must go red. */
  variant?: VariantName;
}

const ALL_FAMILIES = ['add', 'depthwise', 'gate', 'im2col', 'input', 'pointwise', 'pool'];

export const MUTANTS: Mutant[] = [
  // add
  { id: 'add-tail', variant: 'add_16c_simd128', what: 'channel tail stores one byte short', module: 'engine', tests: ['add'],
    file: 'kernels/add/simd128.ts', find: 'shift, vmax), r);', replace: 'shift, vmax), r - 1);' },
  { id: 'add-magic', variant: 'add_16c_simd128', what: 'rounding constant MAGIC off by one ulp', module: 'engine', tests: ['add'],
    file: 'kernels/add/simd128.ts', find: 'const magic = f32x4.splat(MAGIC);', replace: 'const magic = f32x4.splat(MAGIC + 1.0);' },
  // gate
  { id: 'gate-tail', what: 'gate multiply: channel tail one byte short', module: 'engine', tests: ['gate'],
    file: 'kernels/gate/simd128.ts', find: 'shift), vmax), C - c);', replace: 'shift), vmax), C - c - 1);' },
  { id: 'gate-lut-tail', variant: 'lut_u8_16x_swizzle_simd128', what: 'LUT sigmoid: tail one byte short', module: 'engine', tests: ['gate'],
    file: 'kernels/gate/simd128.ts', find: 'else storeTail(y + <usize>i, r, n - i);', replace: 'else storeTail(y + <usize>i, r, n - i - 1);' },
  { id: 'gate-row-tail', variant: 'gate_upsample_mul_rows_simd128', what: 'gate multiply, dense rows: row tail one byte short', module: 'engine', tests: ['gate'],
    file: 'kernels/gate/simd128.ts', find: 'shift), vmax), n - i);', replace: 'shift), vmax), n - i - 1);' },
  { id: 'gate-pixel-expand', variant: 'gate_upsample_mul_16c_simd128', what: 'gate multiply, per-pixel loop: horizontal upsample steps one column late', module: 'engine', tests: ['gate'],
    file: 'kernels/gate/simd128.ts', find: 'while (num >= next) {', replace: 'while (num > next) {', nth: 0 },
  { id: 'gate-row-expand', variant: 'gate_upsample_mul_rows_simd128', what: 'gate multiply, dense rows: horizontal upsample steps one column late', module: 'engine', tests: ['gate'],
    file: 'kernels/gate/simd128.ts', find: 'while (num >= next) {', replace: 'while (num > next) {', nth: 1 },
  { id: 'gate-row-fast', variant: 'gate_upsample_mul_rows_simd128', what: 'gate multiply, dense rows: the no-min (qmax = 127) row used for any qmax', module: 'engine', tests: ['gate'],
    file: 'kernels/gate/simd128.ts', find: 'if (qmax == 127) flatRowFast(', replace: 'if (qmax >= 0) flatRowFast(' },
  { id: 'gate-pixel-fast', variant: 'gate_upsample_mul_16c_simd128', what: 'gate multiply, per-pixel loop: the no-min (qmax = 127) variant used for any qmax', module: 'engine', tests: ['gate'],
    file: 'kernels/gate/simd128.ts', find: 'else if (qmax == 127) upsamplePixelsFast(', replace: 'else if (qmax >= 0) upsamplePixelsFast(' },
  { id: 'gate-magic', what: 'gate multiply: rounding constant off by one ulp', module: 'engine', tests: ['gate'],
    file: 'kernels/gate/simd128.ts', find: 'const magic = f32x4.splat(MAGIC);', replace: 'const magic = f32x4.splat(MAGIC + 1.0);', nth: 0 },
  // pool
  { id: 'pool-tail', variant: 'avgpool2x2_16c_simd128', what: '2x2 average pool: channel tail one byte short', module: 'engine', tests: ['pool'],
    file: 'kernels/pool/simd128.ts', find: 'shift, vmax), r);', replace: 'shift, vmax), r - 1);' },
  { id: 'pool-global-tail', variant: 'global_avgpool_16c_simd128', what: 'global pool: channel tail one byte short', module: 'engine', tests: ['pool'],
    file: 'kernels/pool/simd128.ts', find: 'else storeTail(y + <usize>c, q, C - c);', replace: 'else storeTail(y + <usize>c, q, C - c - 1);' },
  // input quantization
  { id: 'input-magic', variant: 'quantize_chw_16px_simd128', what: 'input quantization: f64 rounding constant off by one', module: 'engine', tests: ['input'],
    file: 'kernels/input/simd128.ts', find: '6755399441055744.0', replace: '6755399441055745.0' },
  { id: 'input-zp', variant: 'quantize_chw_16px_simd128', what: 'input quantization: zero point added twice in the vector body', module: 'engine', tests: ['input'],
    file: 'kernels/input/simd128.ts', find: 'const zpv = i32x4.splat(zp);', replace: 'const zpv = i32x4.splat(zp + zp);' },
  // im2col
  { id: 'im2col-pad', variant: 'im2col_3x3s2_simd128', what: 'stem im2col: padding column filled with zp + 1', module: 'engine', tests: ['im2col'],
    file: 'kernels/im2col/simd128.ts', find: 'const zpv = i8x16.splat(zp);', replace: 'const zpv = i8x16.splat(zp + 1);' },
  // depthwise
  { id: 'dw-tail', what: 'depthwise: channel tail (one pixel) one byte short', module: 'engine', tests: ['depthwise'],
    file: 'kernels/depthwise/common.ts', find: 'storeTail(out, r, rr);', replace: 'storeTail(out, r, rr - 1);' },
  { id: 'dw-pad', what: 'depthwise: padding reads zpIn + 1', module: 'engine', tests: ['depthwise'],
    file: 'kernels/depthwise/common.ts', find: 'const zp8 = i8x16.splat(<i8>zpIn);', replace: 'const zp8 = i8x16.splat(<i8>(zpIn + 1));' },
  { id: 'dw-s2-pairs-odd', what: 'depthwise stride-2 pair rows: the odd last interior entry not built', module: 'engine', tests: ['depthwise'],
    file: 'kernels/depthwise/common.ts', find: 'if (e < eEnd) {', replace: 'if (e + 32 < eEnd) {' },
  { id: 'dw-map-last-row', variant: 'depthwise_3x3s1_map_simd128', what: 'depthwise 3x3 s1 small maps: the last row of an odd-height map not computed', module: 'engine', tests: ['depthwise'],
    file: 'kernels/depthwise/rows3x3.ts', find: 'if (oy < H) passS1(', replace: 'if (oy + 1 < H) passS1(' },
  { id: 'dw-map3x3-group', variant: 'depthwise_3x3s1_map_simd128', what: 'depthwise 3x3 s1 small maps: second half of a 5-channel group skipped', module: 'engine', tests: ['depthwise'],
    file: 'kernels/depthwise/rows3x3.ts', find: 'const halves = C - c > 4 ? 2 : 1;', replace: 'const halves = C - c > 5 ? 2 : 1;', nth: 0 },
  { id: 'dw-rows3x3-group', variant: 'depthwise_3x3s1_rows_simd128', what: 'depthwise 3x3 rows: second half of a 5-channel group skipped', module: 'engine', tests: ['depthwise'],
    file: 'kernels/depthwise/rows3x3.ts', find: 'const halves = C - c > 4 ? 2 : 1;', replace: 'const halves = C - c > 5 ? 2 : 1;', nth: 1 },
  { id: 'dw-line5-group', variant: 'depthwise_1x5s1_line_simd128', what: 'depthwise 1x5/5x1: second half of a 5-channel group skipped', module: 'engine', tests: ['depthwise'],
    file: 'kernels/depthwise/line5.ts', find: 'const halves = C - c > 4 ? 2 : 1;', replace: 'const halves = C - c > 5 ? 2 : 1;' },
  { id: 'dw-rowpass-group', variant: 'depthwise_kx5_rowpass_simd128', what: 'depthwise 5x5 row pass: second half of a 5-channel group skipped', module: 'engine', tests: ['depthwise'],
    file: 'kernels/depthwise/rowpass.ts', find: 'const halves = C - c > 4 ? 2 : 1;', replace: 'const halves = C - c > 5 ? 2 : 1;' },
  { id: 'dw-general-group', variant: 'depthwise_general_simd128', what: 'depthwise general path: second half of a 5-channel group skipped', module: 'engine', tests: ['depthwise'],
    file: 'kernels/depthwise/general.ts', find: 'const two = C - c > 4;', replace: 'const two = C - c > 5;' },
  // pointwise
  { id: 'pw-k-tail', what: 'pointwise pack: last input channel dropped (K tail off by one)', module: 'engine', tests: ['pointwise'],
    file: 'kernels/pointwise/simd128.ts', find: 'const wa = oa < cout && k < cin ?', replace: 'const wa = oa < cout && k < cin - 1 ?' },
  { id: 'pw-bias128', what: 'pointwise pack: unsigned bias 127 instead of 128', module: 'engine', tests: ['pointwise'],
    file: 'kernels/pointwise/simd128.ts', find: 'store<u8>(d++, <u8>(wb + 128));', replace: 'store<u8>(d++, <u8>(wb + 127));' },
  { id: 'pw-cout-tail', what: 'pointwise output: an 8-channel tail stores one byte short', module: 'engine', tests: ['pointwise'],
    file: 'kernels/pointwise/output.ts', find: 'if (n >= 8) v128.store64_lane(y, q, 0); else storeBytes(y, q, n);', replace: 'if (n >= 8) v128.store64_lane(y, q, 0); else storeBytes(y, q, n - 1);' },
  { id: 'pw-pair-store', what: 'pointwise output: a pixel pair stores the first pixel twice', module: 'engine', tests: ['pointwise'],
    file: 'kernels/pointwise/output.ts', find: 'v128.store64_lane(y + ys, q, 1);', replace: 'v128.store64_lane(y + ys, q, 0);' },
  { id: 'pw-qmax-tail', what: 'pointwise qmax pass: the last channel of a row not clamped', module: 'engine', tests: ['pointwise'],
    file: 'kernels/pointwise/output.ts', find: 'for (; o < cout; o++) store<i8>', replace: 'for (; o < cout - 1; o++) store<i8>' },
  { id: 'pw-kn-sums', what: 'pointwise: the skipped zero-weight k-pairs (cin 27) left in the Σx correction', module: 'engine', tests: ['pointwise'],
    file: 'kernels/pointwise/simd128.ts', find: 'for (let r = SCRATCH + (<usize>kn >> 1) * row', replace: 'for (let r = SCRATCH + (<usize>kp >> 1) * row' },
  { id: 'pw-kn-pixel4', what: 'pointwise: the fifth pixel\'s Σx correction reads the fourth pixel\'s pair', module: 'engine', tests: ['pointwise'],
    file: 'kernels/pointwise/simd128.ts', find: 'v128.load32_zero(r, 16)', replace: 'v128.load32_zero(r, 12)' },
  // pointwise, relaxed build (its own kernel; tested inside workerd: test/workers/relaxed-engine.test.ts)
  { id: 'rx-combine', what: 'relaxed pointwise: the sign plane weighted 64 instead of 128', module: 'engine', build: 'relaxed', tests: ['pointwise'],
    file: 'kernels/pointwise/relaxed.ts', find: 'return i32x4.sub(lo, i32x4.shl(hi, 7));', replace: 'return i32x4.sub(lo, i32x4.shl(hi, 6));' },
  { id: 'rx-split-mask', what: 'relaxed pointwise: 6-bit instead of 7-bit low plane', module: 'engine', build: 'relaxed', tests: ['pointwise'],
    file: 'kernels/pointwise/relaxed.ts', find: 'const mask = i8x16.splat(0x7f);', replace: 'const mask = i8x16.splat(0x3f);' },
  { id: 'rx-k-tail', what: 'relaxed pointwise pack: last input channel dropped (K tail off by one)', module: 'engine', build: 'relaxed', tests: ['pointwise'],
    file: 'kernels/pointwise/relaxed.ts', find: 'store<i8>(d++, o < cout && k < cin ?', replace: 'store<i8>(d++, o < cout && k < cin - 1 ?' },
  // one per variant the mutants above do not reach on their own: the variant's call (or tile) loses
  // its last output channel, so only cases that run that variant can see it
  { id: 'gate-cs-magic', variant: 'channel_scale_16c_simd128', what: 'channel scale: rounding constant off by one ulp', module: 'engine', tests: ['gate'],
    file: 'kernels/gate/simd128.ts', find: 'const magic = f32x4.splat(MAGIC);', replace: 'const magic = f32x4.splat(MAGIC + 1.0);', nth: 1 },
  { id: 'dw-3x3s2-call', variant: 'depthwise_3x3s2_rows_simd128', what: 'depthwise 3x3 s2 rows: last channel never written', module: 'engine', tests: ['depthwise'],
    file: 'kernels/depthwise/simd128.ts', find: 'dw3x3Rows(x, H, W, C,', replace: 'dw3x3Rows(x, H, W, stride == 2 ? C - 1 : C,' },
  { id: 'dw-5x1-call', variant: 'depthwise_5x1s1_line_simd128', what: 'depthwise 5x1 line: last channel never written', module: 'engine', tests: ['depthwise'],
    file: 'kernels/depthwise/simd128.ts', find: 'dwLine5(x, H, W, C, xStride, wts, scale, true,', replace: 'dwLine5(x, H, W, C - 1, xStride, wts, scale, true,' },
  { id: 'dw-huge-call', variant: 'depthwise_huge_simd128', what: 'depthwise > 128 taps: last channel never written', module: 'engine', tests: ['depthwise'],
    file: 'kernels/depthwise/simd128.ts', find: 'dwHuge(x, H, W, C,', replace: 'dwHuge(x, H, W, C - 1,' },
  { id: 'pw-5x8-tile', variant: 'pointwise_5x8_simd128', what: 'pointwise 5-pixel tile: last output channel never written', module: 'engine', tests: ['pointwise'],
    file: 'kernels/pointwise/simd128.ts', find: 'rowTile(5, false, x, xs, kp, kn, packed, bias, scale, cout,', replace: 'rowTile(5, false, x, xs, kp, kn, packed, bias, scale, cout - 1,' },
  { id: 'pw-4x8-tile', variant: 'pointwise_4x8_simd128', what: 'pointwise 4-pixel tile: last output channel never written', module: 'engine', tests: ['pointwise'],
    file: 'kernels/pointwise/simd128.ts', find: 'rowTile(4, false, x, xs, kp, kn, packed, bias, scale, cout,', replace: 'rowTile(4, false, x, xs, kp, kn, packed, bias, scale, cout - 1,' },
  { id: 'pw-3x8-tile', variant: 'pointwise_3x8_simd128', what: 'pointwise 3-pixel tile: last output channel never written', module: 'engine', tests: ['pointwise'],
    file: 'kernels/pointwise/simd128.ts', find: 'rowTile(3, false, x, xs, kp, kn, packed, bias, scale, cout,', replace: 'rowTile(3, false, x, xs, kp, kn, packed, bias, scale, cout - 1,' },
  { id: 'pw-2x8-tile', variant: 'pointwise_2x8_simd128', what: 'pointwise 2-pixel tile: last output channel never written', module: 'engine', tests: ['pointwise'],
    file: 'kernels/pointwise/simd128.ts', find: 'rowTile(2, false, x, xs, kp, kn, packed, bias, scale, cout,', replace: 'rowTile(2, false, x, xs, kp, kn, packed, bias, scale, cout - 1,' },
  { id: 'pw-1x8-tile', variant: 'pointwise_1x8_simd128', what: 'pointwise 1-pixel tile (GEMV): last output channel never written', module: 'engine', tests: ['pointwise'],
    file: 'kernels/pointwise/simd128.ts', find: 'rowTile(1, false, x, xs, kp, kn, packed, bias, scale, cout,', replace: 'rowTile(1, false, x, xs, kp, kn, packed, bias, scale, cout - 1,' },
  { id: 'pw-Mx4-tile', variant: 'pointwise_Mx4_simd128', what: 'pointwise 4-channel tail tile stores one channel short', module: 'engine', tests: ['pointwise'],
    file: 'kernels/pointwise/simd128.ts', find: 'y + <usize>o * eb, ys, n, c);\n  }\n}', replace: 'y + <usize>o * eb, ys, n - 1, c);\n  }\n}' },
  { id: 'pw-bigk', variant: 'pointwise_bigk_simd128', what: 'pointwise K > 4096 path: last output channel never written', module: 'engine', tests: ['pointwise'],
    file: 'kernels/pointwise/simd128.ts', find: 'for (let o = 0; o < cout; o++) {', replace: 'for (let o = 0; o < cout - 1; o++) {' },
  { id: 'rx-2x8-tile', variant: 'pointwise_2x8_relaxed', what: 'relaxed pointwise 2-pixel tile: last output channel never written', module: 'engine', build: 'relaxed', tests: ['pointwise'],
    file: 'kernels/pointwise/relaxed.ts', find: 'rowTile(2, false, x, xs, kp, packed, bias, scale, cout,', replace: 'rowTile(2, false, x, xs, kp, packed, bias, scale, cout - 1,' },
  { id: 'rx-1x8-tile', variant: 'pointwise_1x8_relaxed', what: 'relaxed pointwise 1-pixel tile: last output channel never written', module: 'engine', build: 'relaxed', tests: ['pointwise'],
    file: 'kernels/pointwise/relaxed.ts', find: 'rowTile(1, false, x, xs, kp, packed, bias, scale, cout,', replace: 'rowTile(1, false, x, xs, kp, packed, bias, scale, cout - 1,' },
  { id: 'rx-Mx4-tile', variant: 'pointwise_Mx4_relaxed', what: 'relaxed pointwise 4-channel tail tile stores one channel short', module: 'engine', build: 'relaxed', tests: ['pointwise'],
    file: 'kernels/pointwise/relaxed.ts', find: 'y + <usize>o * eb, ys, n, c);\n  }\n}', replace: 'y + <usize>o * eb, ys, n - 1, c);\n  }\n}' },
  { id: 'rx-bigk', variant: 'pointwise_bigk_relaxed', what: 'relaxed pointwise K > 4096 path: last output channel never written', module: 'engine', build: 'relaxed', tests: ['pointwise'],
    file: 'kernels/pointwise/relaxed.ts', find: 'for (let o = 0; o < cout; o++) {', replace: 'for (let o = 0; o < cout - 1; o++) {' },
  // shared by every SIMD kernel
  { id: 'requant-half-up', what: 'shared SIMD requantization rounds [x.25, x.5) up (a bias of +0.25 before the magic add)', module: 'engine', tests: ALL_FAMILIES,
    file: 'requant.ts', find: 'return i32x4.sub(i32x4.max_s(f32x4.add(v, magic), floor), shift);', replace: 'return i32x4.sub(i32x4.max_s(f32x4.add(f32x4.add(v, f32x4.splat(0.25)), magic), floor), shift);' },
  { id: 'store-tail-1', what: 'storeTail drops its single-byte store (every odd tail one byte short)', module: 'engine', tests: ALL_FAMILIES,
    file: 'store.ts', find: 'if (r & 1) v128.store8_lane(p, v, 0);', replace: '' },
  // resampler (its own module)
  { id: 'rs-h-half', variant: 'resample_h_4tap_simd128', what: 'horizontal resample: rounding constant HALF - 1', module: 'resample', tests: ['resample'],
    file: 'kernels/resample/simd128.ts', find: 'const half = i32x4.splat(HALF);', replace: 'const half = i32x4.splat(HALF - 1);', nth: 0 },
  { id: 'rs-v-tail', variant: 'resample_v_16b_simd128', what: 'vertical resample: row tail one byte short', module: 'resample', tests: ['resample'],
    file: 'kernels/resample/simd128.ts', find: 'else storeTail(out + <usize>x, res, width - x);', replace: 'else storeTail(out + <usize>x, res, width - x - 1);' },
  { id: 'rs-luma-round', variant: 'rgba_to_l_simd128', what: 'RGBA → L: rounding constant 0x7fff instead of 0x8000', module: 'resample', tests: ['resample'],
    file: 'kernels/resample/simd128.ts', find: 'round = i32x4.splat(0x8000);', replace: 'round = i32x4.splat(0x7fff);' },
];
