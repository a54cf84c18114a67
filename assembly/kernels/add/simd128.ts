// Residual add with requantization — WASM SIMD128, bit-exact with reference.ts. 16 channels per step:
// (x - zp) exact in i16, widened to i32, converted to f32; two f32x4.mul then one f32x4.add (no FMA),
// then the shared quantizeFloor4 (round half to even, + zpOut, qmin) and narrow16 (+ the qmax min), or,
// when the call's sums are bounded (addLean), quantizeLean4 and the byte clamp (requant.ts rqMode).
import { RQ_GENERAL, RQ_LEAN_CLAMP, RQ_LEAN_FULL, clampBytes, narrow16, quantizeFloor4, quantizeLean4, rqFloor, rqMode, rqShift } from '../../requant';
import { VK, VK_MAGIC } from '../../vconst';
import { storeTail } from '../../store';


// @ts-ignore: decorator
@inline function add4(M: i32, a: v128, b: v128, mA: v128, mB: v128, magic: v128, floor: v128, shift: v128): v128 {
  const fa = f32x4.mul(f32x4.convert_i32x4_s(a), mA);
  const fb = f32x4.mul(f32x4.convert_i32x4_s(b), mB);
  if (M >= RQ_LEAN_FULL) return quantizeLean4(f32x4.add(fa, fb), magic, shift);
  return quantizeFloor4(f32x4.add(fa, fb), magic, floor, shift);
}

// @ts-ignore: decorator
@inline function add16(M: i32, pa: usize, pb: usize, zpa: v128, zpb: v128, mA: v128, mB: v128, magic: v128, floor: v128, shift: v128, vmin: v128, vmax: v128): v128 {
  const a = v128.load(pa);
  const b = v128.load(pb);
  const alo = i16x8.sub(i16x8.extend_low_i8x16_s(a), zpa);
  const ahi = i16x8.sub(i16x8.extend_high_i8x16_s(a), zpa);
  const blo = i16x8.sub(i16x8.extend_low_i8x16_s(b), zpb);
  const bhi = i16x8.sub(i16x8.extend_high_i8x16_s(b), zpb);
  return clampBytes(M, narrow16(
    add4(M, i32x4.extend_low_i16x8_s(alo), i32x4.extend_low_i16x8_s(blo), mA, mB, magic, floor, shift),
    add4(M, i32x4.extend_high_i16x8_s(alo), i32x4.extend_high_i16x8_s(blo), mA, mB, magic, floor, shift),
    add4(M, i32x4.extend_low_i16x8_s(ahi), i32x4.extend_low_i16x8_s(bhi), mA, mB, magic, floor, shift),
    add4(M, i32x4.extend_high_i16x8_s(ahi), i32x4.extend_high_i16x8_s(bhi), mA, mB, magic, floor, shift)), vmin, vmax);
}

/**
 * The lean requantization (requant.ts quantizeLean4) when every sum is bounded: |a − zpA|, |b − zpB| ≤ 255,
 * so |v| ≤ 255·(|mA| + |mB|) up to the f32 roundings (monotone, each at most a relative 2^−24);
 * the test asks ≤ 2^21 in f64, a factor two below the lean form's 2^22 (a NaN fails it).
 */
// @ts-ignore: decorator
@inline function addLean(mA: f32, mB: f32): bool {
  return 255.0 * (Math.abs(<f64>mA) + Math.abs(<f64>mB)) <= 2097152.0;
}

export function add_simd128(
  a: usize, pixels: i32, C: i32, aStride: i32, zpA: i32, mA: f32,
  b: usize, bStride: i32, zpB: i32, mB: f32,
  y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  const zpa = i16x8.splat(<i16>zpA);
  const zpb = i16x8.splat(<i16>zpB);
  const ma = f32x4.splat(mA);
  const mb = f32x4.splat(mB);
  const magic = v128.load(VK, VK_MAGIC); // f32 lanes MAGIC, from memory (vconst.ts)
  const floor = rqFloor(zpOut, qmin);
  const shift = rqShift(zpOut);
  const vmin = i8x16.splat(<i8>qmin);
  const vmax = i8x16.splat(<i8>qmax);
  const M = rqMode(addLean(mA, mB), qmin, qmax);
  if (M == RQ_LEAN_FULL) addRows(RQ_LEAN_FULL, a, pixels, C, aStride, zpa, ma, b, bStride, zpb, mb, y, yStride, magic, floor, shift, vmin, vmax);
  else if (M == RQ_LEAN_CLAMP) addRows(RQ_LEAN_CLAMP, a, pixels, C, aStride, zpa, ma, b, bStride, zpb, mb, y, yStride, magic, floor, shift, vmin, vmax);
  else addRows(RQ_GENERAL, a, pixels, C, aStride, zpa, ma, b, bStride, zpb, mb, y, yStride, magic, floor, shift, vmin, vmax);
}

/** The rows in store mode M (the general one applies the qmax min whatever qmax). */
// @ts-ignore: decorator
@inline function addRows(M: i32, a: usize, pixels: i32, C: i32, aStride: i32, zpa: v128, ma: v128, b: usize, bStride: i32, zpb: v128, mb: v128,
  y: usize, yStride: i32, magic: v128, floor: v128, shift: v128, vmin: v128, vmax: v128): void {
  // Dense tensors: one run over all elements.
  if (aStride == C && bStride == C && yStride == C) {
    C = pixels * C;
    pixels = 1;
  }
  const full = C & ~15;
  const r = C & 15;
  let pa = a, pb = b, py = y;
  for (let p = 0; p < pixels; p++) {
    let c = 0;
    for (; c < full; c += 16) {
      const o = <usize>c;
      v128.store(py + o, add16(M, pa + o, pb + o, zpa, zpb, ma, mb, magic, floor, shift, vmin, vmax));
    }
    if (r) {
      const o = <usize>c;
      storeTail(py + o, add16(M, pa + o, pb + o, zpa, zpb, ma, mb, magic, floor, shift, vmin, vmax), r);
    }
    pa += <usize>aStride;
    pb += <usize>bStride;
    py += <usize>yStride;
  }
}
