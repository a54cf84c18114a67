// Depthwise k×k convolution, NHWC int8 — WASM SIMD128, bit-exact with reference.ts.
//
// Vectorized over channels in groups of four. Two taps of four channels go into one
// i32x4.dot_i16x8_s: their inputs, sign-extended to i16, interleaved per channel (a "pair"), times
// the two weights in the same order. Exact: |w| ≤ 127 and the raw int8 input |x| ≤ 128, so a lane's
// two products sum to at most 2·127·128 < 2^15 and the i32 sum never wraps differently from the
// reference's. The input zero point never enters the products: it is folded into the bias
// (common.ts setup), and padding taps read zpIn.
//
// Relaxed build, where the relaxed dot lowers to AVX-VNNI vpdpbusd (lowering.ts relaxedDotIsVnni):
// 3×3 s1 calls with C % 4 == 0 and W ≤ 131 run vnni3x3.ts dw3x3Vnni (three relaxed dot-adds per pixel
// of four channels on "quad rows"), 3×3 s2 calls with C % 4 == 0 and W ≤ 348 its dw3x3VnniS2, 1×5 / 5×1 s1
// calls with C % 4 == 0 and lines of ≤ 1046 pixels but 3 vnni5.ts dw5Vnni (two relaxed dot-adds per pixel);
// every other call, build and CPU runs the paths below.
//
// Paths (depthwiseChunk), the GhostNetV2 shapes first:
//   3×3 s1, small map        rows3x3.ts dw3x3Map: all pair rows of the map first, one call per group.
//   3×3 s1/s2, W ≤ MAXW      rows3x3.ts: pair rows in a ring, five dots per pixel (one blend),
//                            everything in registers. 3×3 is ~73% of GhostNet's depthwise MACs.
//   1×5 / 5×1 s1, 3-px lines line5.ts dwLine3: the whole line in registers, two dots per pixel.
//   1×5 / 5×1 s1, ≥ 4-px     line5.ts dwLineReg: along rows or columns, a sliding window of three
//                 lines      pairs in registers, three dots per pixel, two pixels a step.
//   k×5 (k ≥ 3), small map   rowpass.ts dwMap5: all pair rows of the map first, one pass per two tap
//                            rows over the whole map's i32 accumulators (5×5 s2 on 14²).
//   k×5 s1/s2, W ≤ MAXW      rowpass.ts: one pass per two tap rows into an i32 accumulator row (5×5 s2).
//   other, ≤ MAXT taps       general.ts dwGeneral: tap pointers per pixel, pairs in a loop.
//   larger                   general.ts dwHuge: scalar loops over the packed weights.
// Requantization (common.ts store1/2/3): when setup proves every product of the call within ±2^22
// and qmax = 127 (every layer of the network), the lean form bits(f32(acc)·scale + MAGIC) − shift,
// four instructions per four lanes, the narrows clamping to [−128, 127] and a fused ReLU's qmin one
// i8x16.max_s after them; otherwise requant.ts requantFloor4 (five) and a min with qmax. Narrowed
// two or three pixels at a time where a path has them, stored four bytes per pixel.
//
// Layout of the packed weights: common.ts. Scratch (static memory): the ZP row, the folded bias,
// the requantization constants and each path's pair rows. Not reentrant (one thread).
import { BIASP, MAXC, MAXW, pairCount, setup } from './common';
import { dw3x3Map, dw3x3Rows, MAP_BYTES } from './rows3x3';
import { dwLine3, dwLineReg } from './line5';
import { dwMap5, dwRowPass5, map5Bytes, ROWPASS_MAXK } from './rowpass';
import { dwGeneral, dwHuge, MAXT } from './general';
import { dw3x3Vnni, dw3x3VnniS2, VMAXW, VMAXW2 } from './vnni3x3';
import { dw5Vnni, VMAXL5 } from './vnni5';
import { relaxedDotIsVnni } from '../../lowering';

export { depthwise_pack_simd128, depthwise_packed_size_simd128, depthwise_unpack_simd128 } from './common';

// @ts-ignore: decorator
@inline export function depthwise_simd128(
  x: usize, H: i32, W: i32, C: i32, xStride: i32, packed: usize, bias: usize, scale: usize,
  kh: i32, kw: i32, stride: i32, zpIn: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  const G = (C + 3) >> 2;
  const P = pairCount(kh, kw);
  const wts = packed + <usize>(16 * G);
  for (let c0 = 0; c0 < C; c0 += MAXC) {
    const n = min(MAXC, C - c0);
    const off = <usize>c0;
    // The chunk's n channels: input, Σw, scales, weight pairs, output.
    const xc = x + off, sumw = packed + (off << 2), sc = scale + (off << 2), wc = wts + <usize>((c0 >> 2) * 16 * P), yc = y + off;
    setup(n, sumw, bias + (off << 2), sc, kh * kw, zpIn, zpOut, qmin, qmax);
    // The relaxed build's AVX-VNNI forms, where the call's C % 4 == 0 and relaxed_dot_lowering() is vpdpbusd
    // (the run-time choice of lowering.ts relaxed_dot_mode). Inlined here (their loops in this function):
    // see vnni3x3.ts and docs/KERNELS.md on V8's tier-up.
    if (ASC_FEATURE_RELAXED_SIMD && (C & 3) == 0 && relaxedDotIsVnni()) {
      // 3×3 s1, W ≤ VMAXW (131), and s2, W ≤ VMAXW2 (348): vnni3x3.ts.
      if (kh == 3 && kw == 3 && stride == 1 && W <= VMAXW) {
        dw3x3Vnni(xc, H, W, n, xStride, wc, sumw, sc, yc, yStride, zpIn);
        continue;
      }
      if (kh == 3 && kw == 3 && stride == 2 && W <= VMAXW2) {
        dw3x3VnniS2(xc, H, W, n, xStride, wc, sumw, sc, yc, yStride, zpIn);
        continue;
      }
      // 1×5 / 5×1 s1 (vnni5.ts), lines of ≤ VMAXL5 pixels but 3 (line5.ts dwLine3 is faster there).
      const L = kh == 1 ? W : H;
      if (stride == 1 && kh * kw == 5 && L <= VMAXL5 && L != 3) {
        dw5Vnni(xc, H, W, n, xStride, wc, sumw, sc, kh == 5, yc, yStride, zpIn);
        continue;
      }
    }
    depthwiseChunk(xc, H, W, n, xStride, wc, sc, kh, kw, stride, zpIn, yc, yStride, zpOut, qmin, qmax);
  }
}

// @ts-ignore: decorator
@inline function depthwiseChunk(
  x: usize, H: i32, W: i32, C: i32, xStride: i32, wts: usize, scale: usize,
  kh: i32, kw: i32, stride: i32, zpIn: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  // Row paths pay their per-row set-up back over a row of pixels: small maps go to dwGeneral.
  const OW = (W + 2 * (kw >> 1) - kw) / stride + 1;
  if (kh == 3 && kw == 3 && stride == 1 && (H + 2) * (W + 2) * 32 <= MAP_BYTES) {
    dw3x3Map(x, H, W, C, xStride, wts, scale, y, yStride, qmax, zpIn);
  } else if (kh == 3 && kw == 3 && (stride == 1 || stride == 2) && W <= MAXW) {
    dw3x3Rows(x, H, W, C, xStride, wts, scale, stride, y, yStride, qmax, zpIn);
  } else if (stride == 1 && kh == 1 && kw == 5 && W == 3) {
    dwLine3(x, H, W, C, xStride, wts, scale, false, y, yStride, qmax, zpIn);
  } else if (stride == 1 && kh == 5 && kw == 1 && H == 3) {
    dwLine3(x, H, W, C, xStride, wts, scale, true, y, yStride, qmax, zpIn);
  } else if (stride == 1 && kh == 1 && kw == 5 && W >= 4) {
    dwLineReg(x, H, W, C, xStride, wts, scale, false, y, yStride, qmax, zpIn);
  } else if (stride == 1 && kh == 5 && kw == 1 && H >= 4) {
    dwLineReg(x, H, W, C, xStride, wts, scale, true, y, yStride, qmax, zpIn);
  } else if (map5Bytes(H, W, kh, kw, stride) > 0) {
    dwMap5(x, H, W, C, xStride, wts, scale, kh, stride, y, yStride, qmax, zpIn);
  } else if (kw == 5 && (kh & 1) == 1 && kh <= ROWPASS_MAXK && (stride == 1 || stride == 2) && W <= MAXW && OW >= 12) {
    dwRowPass5(x, H, W, C, xStride, wts, scale, kh, stride, y, yStride, qmax, zpIn);
  } else if (kh * kw <= MAXT) {
    dwGeneral(x, H, W, C, xStride, wts, scale, kh, kw, stride, y, yStride, qmax);
  } else {
    dwHuge(x, H, W, C, xStride, wts, scale, kh, kw, stride, zpIn, y, yStride, zpOut, qmin, qmax);
  }
}
