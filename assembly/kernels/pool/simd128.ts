// Average pools — WASM SIMD128, bit-exact with reference.ts. Vectorized over channels, 16 per step;
// sums are exact in i16 (2×2 window) or i16-then-i32 (global pool), requantized with requantFloor4/narrow16 (requant.ts).
import { narrow16, requantFloor4, rqFloor, rqShift } from '../../requant';
import { VK, VK_MAGIC } from '../../vconst';
import { storeTail } from '../../store';


// @ts-ignore: decorator
@inline function pool4(p00: usize, p01: usize, p10: usize, p11: usize, zp4: v128, s: v128, magic: v128, floor: v128, shift: v128, vmax: v128): v128 {
  const a = v128.load(p00);
  const b = v128.load(p01);
  const c = v128.load(p10);
  const d = v128.load(p11);
  // Σ (x - zp) over four pixels: |Σ| ≤ 1020, exact in i16.
  const sLo = i16x8.sub(i16x8.add(i16x8.add(i16x8.extend_low_i8x16_s(a), i16x8.extend_low_i8x16_s(b)),
    i16x8.add(i16x8.extend_low_i8x16_s(c), i16x8.extend_low_i8x16_s(d))), zp4);
  const sHi = i16x8.sub(i16x8.add(i16x8.add(i16x8.extend_high_i8x16_s(a), i16x8.extend_high_i8x16_s(b)),
    i16x8.add(i16x8.extend_high_i8x16_s(c), i16x8.extend_high_i8x16_s(d))), zp4);
  return i8x16.min_s(narrow16(
    requantFloor4(i32x4.extend_low_i16x8_s(sLo), s, magic, floor, shift), requantFloor4(i32x4.extend_high_i16x8_s(sLo), s, magic, floor, shift),
    requantFloor4(i32x4.extend_low_i16x8_s(sHi), s, magic, floor, shift), requantFloor4(i32x4.extend_high_i16x8_s(sHi), s, magic, floor, shift)), vmax);
}

// @ts-ignore: decorator
@inline export function avgpool2x2_simd128(
  x: usize, H: i32, W: i32, C: i32, xStride: i32, zpIn: i32, scale: f32,
  y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  const OH = H >> 1;
  const OW = W >> 1;
  const zp4 = i16x8.splat(<i16>(4 * zpIn));
  const s = f32x4.splat(scale);
  const magic = v128.load(VK, VK_MAGIC); // f32 lanes MAGIC, from memory (vconst.ts)
  const floor = rqFloor(zpOut, qmin);
  const shift = rqShift(zpOut);
  const vmax = i8x16.splat(<i8>qmax);
  const xs = <usize>xStride;
  const rs = <usize>(W * xStride);
  const full = C & ~15;
  const r = C & 15;
  for (let oy = 0; oy < OH; oy++) {
    let p = x + <usize>(2 * oy) * rs;
    let out = y + <usize>(oy * OW * yStride);
    for (let ox = 0; ox < OW; ox++) {
      let c = 0;
      for (; c < full; c += 16) {
        const o = p + <usize>c;
        v128.store(out + <usize>c, pool4(o, o + xs, o + rs, o + rs + xs, zp4, s, magic, floor, shift, vmax));
      }
      if (r) {
        const o = p + <usize>c;
        storeTail(out + <usize>c, pool4(o, o + xs, o + rs, o + rs + xs, zp4, s, magic, floor, shift, vmax), r);
      }
      p += 2 * xs;
      out += <usize>yStride;
    }
  }
}

// @ts-ignore: decorator
@inline export function global_avgpool_simd128(
  x: usize, pixels: i32, C: i32, xStride: i32, zpIn: i32, scale: f32, y: usize, zpOut: i32,
): void {
  const s = f32x4.splat(scale);
  const magic = v128.load(VK, VK_MAGIC); // f32 lanes MAGIC, from memory (vconst.ts)
  const floor = rqFloor(zpOut, -128);
  const shift = rqShift(zpOut);
  // Σ_p (x - zp) = Σ_p x - pixels·zp (exact mod 2^32, like the reference's i32 sum).
  const corr = i32x4.splat(pixels * zpIn);
  const xs = <usize>xStride;
  for (let c = 0; c < C; c += 16) {
    let s0 = i32x4.sub(i32x4.splat(0), corr);
    let s1 = s0, s2 = s0, s3 = s0;
    let p = x + <usize>c;
    let left = pixels;
    while (left > 0) {
      // Up to 256 raw int8 values per i16 lane: Σ ∈ [-32768, 32512], exact.
      const n = min(left, 256);
      let lo = i16x8.splat(0);
      let hi = i16x8.splat(0);
      for (let i = 0; i < n; i++) {
        const v = v128.load(p);
        lo = i16x8.add(lo, i16x8.extend_low_i8x16_s(v));
        hi = i16x8.add(hi, i16x8.extend_high_i8x16_s(v));
        p += xs;
      }
      s0 = i32x4.add(s0, i32x4.extend_low_i16x8_s(lo));
      s1 = i32x4.add(s1, i32x4.extend_high_i16x8_s(lo));
      s2 = i32x4.add(s2, i32x4.extend_low_i16x8_s(hi));
      s3 = i32x4.add(s3, i32x4.extend_high_i16x8_s(hi));
      left -= n;
    }
    const q = narrow16(requantFloor4(s0, s, magic, floor, shift), requantFloor4(s1, s, magic, floor, shift), requantFloor4(s2, s, magic, floor, shift), requantFloor4(s3, s, magic, floor, shift));
    if (c + 16 <= C) v128.store(y + <usize>c, q);
    else storeTail(y + <usize>c, q, C - c);
  }
}
