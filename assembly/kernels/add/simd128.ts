// Residual add with requantization — WASM SIMD128, bit-exact with reference.ts. 16 channels per step:
// (x - zp) exact in i16, widened to i32, converted to f32; two f32x4.mul then one f32x4.add (no FMA),
// then the shared quantizeFloor4 (round half to even, + zpOut, qmin) and narrow16 (+ the qmax min).
import { MAGIC, narrow16, quantizeFloor4, rqFloor, rqShift } from '../../requant';
import { storeTail } from '../../store';


// @ts-ignore: decorator
@inline function add4(a: v128, b: v128, mA: v128, mB: v128, magic: v128, floor: v128, shift: v128): v128 {
  const fa = f32x4.mul(f32x4.convert_i32x4_s(a), mA);
  const fb = f32x4.mul(f32x4.convert_i32x4_s(b), mB);
  return quantizeFloor4(f32x4.add(fa, fb), magic, floor, shift);
}

// @ts-ignore: decorator
@inline function add16(pa: usize, pb: usize, zpa: v128, zpb: v128, mA: v128, mB: v128, magic: v128, floor: v128, shift: v128, vmax: v128): v128 {
  const a = v128.load(pa);
  const b = v128.load(pb);
  const alo = i16x8.sub(i16x8.extend_low_i8x16_s(a), zpa);
  const ahi = i16x8.sub(i16x8.extend_high_i8x16_s(a), zpa);
  const blo = i16x8.sub(i16x8.extend_low_i8x16_s(b), zpb);
  const bhi = i16x8.sub(i16x8.extend_high_i8x16_s(b), zpb);
  return i8x16.min_s(narrow16(
    add4(i32x4.extend_low_i16x8_s(alo), i32x4.extend_low_i16x8_s(blo), mA, mB, magic, floor, shift),
    add4(i32x4.extend_high_i16x8_s(alo), i32x4.extend_high_i16x8_s(blo), mA, mB, magic, floor, shift),
    add4(i32x4.extend_low_i16x8_s(ahi), i32x4.extend_low_i16x8_s(bhi), mA, mB, magic, floor, shift),
    add4(i32x4.extend_high_i16x8_s(ahi), i32x4.extend_high_i16x8_s(bhi), mA, mB, magic, floor, shift)), vmax);
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
  const magic = f32x4.splat(MAGIC);
  const floor = rqFloor(zpOut, qmin);
  const shift = rqShift(zpOut);
  const vmax = i8x16.splat(<i8>qmax);
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
      v128.store(py + o, add16(pa + o, pb + o, zpa, zpb, ma, mb, magic, floor, shift, vmax));
    }
    if (r) {
      const o = <usize>c;
      storeTail(py + o, add16(pa + o, pb + o, zpa, zpb, ma, mb, magic, floor, shift, vmax), r);
    }
    pa += <usize>aStride;
    pb += <usize>bStride;
    py += <usize>yStride;
  }
}
