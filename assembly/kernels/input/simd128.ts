// Input quantization — WASM SIMD128, bit-exact with reference.ts. 16 pixels per step: each plane's
// f32 lanes are clamped in f32 to ±lim (NaN lanes zeroed first), widened to f64x2, multiplied by inv
// and rounded with the f64 magic number: for |v| ≤ 2^51 the add v + 1.5·2^52 rounds half to even
// and leaves round(v) in the low 32 bits of the double; + zp, and the saturating narrows clamp to
// int8. Exact: lim·inv is in [1024, 4096], so a lane beyond ±lim rounds to beyond ±1024 and saturates
// to the same bound as its unclamped product (and the reference's clamp to [-128 - zp, 127 - zp]
// commutes with the rounding: the bounds are integers); calls whose inv admits no such lim (inv = 0,
// or beyond f32's range) take the reference's loop. The three planes' int8 vectors are then
// interleaved into 48 NHWC bytes (rgb4).
import { quantize_chw_reference, quantize_plane } from './reference';
import { VK, VK_MAGIC64, VK_RGB4 } from '../../vconst';

/** Four f32 → four i32 lanes round(f64(clamp(x, -lim, lim)) * inv) (NaN → 0). */
// @ts-ignore: decorator
@inline function round4(v: v128, inv: v128, lo: v128, hi: v128, magic: v128): v128 {
  // NaN lanes: f32x4.eq(v, v) is false there, so the and() clears them to +0.0.
  v = f32x4.pmin(f32x4.pmax(v128.and(v, f32x4.eq(v, v)), lo), hi);
  const a = f64x2.mul(f64x2.promote_low_f32x4(v), inv);
  const b = f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3)), inv);
  return i32x4.shuffle(f64x2.add(a, magic), f64x2.add(b, magic), 0, 2, 4, 6);
}

/** Sixteen pixels of one plane → sixteen int8 lanes (saturated). */
// @ts-ignore: decorator
@inline function plane16(p: usize, inv: v128, lo: v128, hi: v128, zp: v128, magic: v128): v128 {
  const q0 = i32x4.add(round4(v128.load(p), inv, lo, hi, magic), zp);
  const q1 = i32x4.add(round4(v128.load(p, 16), inv, lo, hi, magic), zp);
  const q2 = i32x4.add(round4(v128.load(p, 32), inv, lo, hi, magic), zp);
  const q3 = i32x4.add(round4(v128.load(p, 48), inv, lo, hi, magic), zp);
  return i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3));
}

/** Four RGBX pixels → their 12 RGB bytes at p. */
// @ts-ignore: decorator
@inline function rgb4(p: usize, v: v128, m: v128): void {
  const c = i8x16.swizzle(v, m); // m: VK_RGB4, bytes 0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0, 0, 0, 0
  v128.store64_lane(p, c, 0);
  v128.store32_lane(p, c, 2, 8);
}

/** The three planes' sixteen int8 results of one step (R, G, B at 0, 16, 32). */
const RGB: usize = memory.data(48, 16);

export function quantize_chw_simd128(x: usize, n: i32, inv: f64, zp: i32, y: usize): void {
  // lim: an f32 whose product with inv is in [1024, 4096] (see the top)
  const lim = <f32>(2048.0 / inv);
  const range = <f64>lim * inv;
  if (!(range >= 1024.0 && range <= 4096.0)) {
    quantize_chw_reference(x, n, inv, zp, y);
    return;
  }
  const invv = f64x2.splat(inv);
  const lo = f32x4.splat(-lim);
  const hi = f32x4.splat(lim);
  const zpv = i32x4.splat(zp);
  // f64 lanes 1.5·2^52 and the RGBX → RGB byte selection, loaded from memory once (vconst.ts)
  const magic = v128.load(VK, VK_MAGIC64), m = v128.load(VK, VK_RGB4);
  const planeBytes = <usize>n << 2;
  const full = n & ~15;
  for (let p = 0; p < full; p += 16) {
    // One plane per iteration of a three-step loop, through RGB: TurboFan schedules every load of a
    // basic block first, so the three planes in one block kept twelve f32 vectors and their 24 f64
    // halves live at once and spilled most of them (0.14 ms at 224², twice this loop's time).
    let src = x + (<usize>p << 2);
    for (let t: usize = 0; t < 48; t += 16) {
      v128.store(RGB + t, plane16(src, invv, lo, hi, zpv, magic));
      src += planeBytes;
    }
    const R = v128.load(RGB), G = v128.load(RGB, 16), B = v128.load(RGB, 32);
    // Interleave through 4-byte pixels (byte and word unpacks, no shuffle constants), then drop every
    // fourth byte: 12 bytes per 4 pixels, stored as 8 + 4 (never past the tensor's end).
    const rgLo = i8x16.shuffle(R, G, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const rgHi = i8x16.shuffle(R, G, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const bbLo = i8x16.shuffle(B, B, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const bbHi = i8x16.shuffle(B, B, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const out = y + <usize>(p * 3);
    rgb4(out, i8x16.shuffle(rgLo, bbLo, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), m);
    rgb4(out + 12, i8x16.shuffle(rgLo, bbLo, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), m);
    rgb4(out + 24, i8x16.shuffle(rgHi, bbHi, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), m);
    rgb4(out + 36, i8x16.shuffle(rgHi, bbHi, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), m);
  }
  // The last n % 16 pixels of each plane: the reference's loop.
  for (let c = 0; c < 3 && full < n; c++) {
    quantize_plane(x + (<usize>(c * n + full) << 2), n - full, inv, zp, y + <usize>(full * 3 + c));
  }
}
