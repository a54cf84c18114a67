// Input quantization — WASM SIMD128, bit-exact with reference.ts. 16 pixels per step: each plane's
// f32 lanes are widened to f64x2, multiplied by inv, clamped with pmax/pmin (a NaN lane falls through
// both and is zeroed below), and rounded with the f64 magic number: for |v| ≤ 2^51 the add
// v + 1.5·2^52 rounds half to even and leaves round(v) in the low 32 bits of the double. The three
// planes' int8 vectors are then interleaved into 48 NHWC bytes with six shuffles.
import { quantize_plane } from './reference';

const MAGIC64: f64 = 6755399441055744.0; // 1.5 * 2^52

/** Four f32 → four i32 lanes round(clamp(f64(x) * inv)) (NaN → 0). */
// @ts-ignore: decorator
@inline function round4(v: v128, inv: v128, lo: v128, hi: v128): v128 {
  const magic = f64x2.splat(MAGIC64);
  let a = f64x2.mul(f64x2.promote_low_f32x4(v), inv);
  let b = f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3)), inv);
  // NaN lanes: f64x2.eq(a, a) is false there, so the and() below clears them to +0.0.
  a = v128.and(f64x2.pmin(f64x2.pmax(a, lo), hi), f64x2.eq(a, a));
  b = v128.and(f64x2.pmin(f64x2.pmax(b, lo), hi), f64x2.eq(b, b));
  return i32x4.shuffle(f64x2.add(a, magic), f64x2.add(b, magic), 0, 2, 4, 6);
}

/** Sixteen pixels of one plane → sixteen int8 lanes. */
// @ts-ignore: decorator
@inline function plane16(p: usize, inv: v128, lo: v128, hi: v128, zp: v128): v128 {
  const q0 = i32x4.add(round4(v128.load(p), inv, lo, hi), zp);
  const q1 = i32x4.add(round4(v128.load(p, 16), inv, lo, hi), zp);
  const q2 = i32x4.add(round4(v128.load(p, 32), inv, lo, hi), zp);
  const q3 = i32x4.add(round4(v128.load(p, 48), inv, lo, hi), zp);
  return i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3));
}

export function quantize_chw_simd128(x: usize, n: i32, inv: f64, zp: i32, y: usize): void {
  const invv = f64x2.splat(inv);
  const lo = f64x2.splat(<f64>(-128 - zp));
  const hi = f64x2.splat(<f64>(127 - zp));
  const zpv = i32x4.splat(zp);
  const g = x + (<usize>n << 2);
  const b = x + (<usize>n << 3);
  const full = n & ~15;
  for (let p = 0; p < full; p += 16) {
    const o = <usize>p << 2;
    const R = plane16(x + o, invv, lo, hi, zpv);
    const G = plane16(g + o, invv, lo, hi, zpv);
    const B = plane16(b + o, invv, lo, hi, zpv);
    // r0 g0 b0 r1 g1 b1 … : bytes 0-15, 16-31, 32-47 of the 48-byte run.
    const out = y + <usize>(p * 3);
    const t0 = i8x16.shuffle(R, G, 0, 16, 0, 1, 17, 0, 2, 18, 0, 3, 19, 0, 4, 20, 0, 5);
    v128.store(out, i8x16.shuffle(t0, B, 0, 1, 16, 3, 4, 17, 6, 7, 18, 9, 10, 19, 12, 13, 20, 15));
    const t1 = i8x16.shuffle(R, G, 21, 0, 6, 22, 0, 7, 23, 0, 8, 24, 0, 9, 25, 0, 10, 26);
    v128.store(out, i8x16.shuffle(t1, B, 0, 21, 2, 3, 22, 5, 6, 23, 8, 9, 24, 11, 12, 25, 14, 15), 16);
    const t2 = i8x16.shuffle(R, G, 0, 11, 27, 0, 12, 28, 0, 13, 29, 0, 14, 30, 0, 15, 31, 0);
    v128.store(out, i8x16.shuffle(t2, B, 26, 1, 2, 27, 4, 5, 28, 7, 8, 29, 10, 11, 30, 13, 14, 31), 32);
  }
  // The last n % 16 pixels of each plane: the reference's loop.
  for (let c = 0; c < 3 && full < n; c++) {
    quantize_plane(x + (<usize>(c * n + full) << 2), n - full, inv, zp, y + <usize>(full * 3 + c));
  }
}
