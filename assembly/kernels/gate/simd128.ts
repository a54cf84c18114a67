// Lookup-table gates and the multiplies they feed — WASM SIMD128, bit-exact with reference.ts.
import { requant4, narrow16, rqLo, rqHi, rqBias } from '../../requant';
import { storeTail } from '../../store';


/**
 * y[i] = lut[x[i] + 128]. 16 lookups per step: the index (x ^ 0x80) is looked up in each of the
 * sixteen 16-byte slices of the table with i8x16.swizzle, which yields 0 for indices ≥ 16, so
 * exactly one slice contributes per lane; the index is lowered by 16 before each next slice.
 */
export function lut_u8_simd128(x: usize, n: i32, lut: usize, y: usize): void {
  const t0 = v128.load(lut), t1 = v128.load(lut, 16), t2 = v128.load(lut, 32), t3 = v128.load(lut, 48);
  const t4 = v128.load(lut, 64), t5 = v128.load(lut, 80), t6 = v128.load(lut, 96), t7 = v128.load(lut, 112);
  const t8 = v128.load(lut, 128), t9 = v128.load(lut, 144), t10 = v128.load(lut, 160), t11 = v128.load(lut, 176);
  const t12 = v128.load(lut, 192), t13 = v128.load(lut, 208), t14 = v128.load(lut, 224), t15 = v128.load(lut, 240);
  const bias = i8x16.splat(-128);
  const step = i8x16.splat(16);
  for (let i = 0; i < n; i += 16) {
    let k = v128.xor(v128.load(x + <usize>i), bias);
    let r = i8x16.swizzle(t0, k);
    k = i8x16.sub(k, step); r = v128.or(r, i8x16.swizzle(t1, k));
    k = i8x16.sub(k, step); r = v128.or(r, i8x16.swizzle(t2, k));
    k = i8x16.sub(k, step); r = v128.or(r, i8x16.swizzle(t3, k));
    k = i8x16.sub(k, step); r = v128.or(r, i8x16.swizzle(t4, k));
    k = i8x16.sub(k, step); r = v128.or(r, i8x16.swizzle(t5, k));
    k = i8x16.sub(k, step); r = v128.or(r, i8x16.swizzle(t6, k));
    k = i8x16.sub(k, step); r = v128.or(r, i8x16.swizzle(t7, k));
    k = i8x16.sub(k, step); r = v128.or(r, i8x16.swizzle(t8, k));
    k = i8x16.sub(k, step); r = v128.or(r, i8x16.swizzle(t9, k));
    k = i8x16.sub(k, step); r = v128.or(r, i8x16.swizzle(t10, k));
    k = i8x16.sub(k, step); r = v128.or(r, i8x16.swizzle(t11, k));
    k = i8x16.sub(k, step); r = v128.or(r, i8x16.swizzle(t12, k));
    k = i8x16.sub(k, step); r = v128.or(r, i8x16.swizzle(t13, k));
    k = i8x16.sub(k, step); r = v128.or(r, i8x16.swizzle(t14, k));
    k = i8x16.sub(k, step); r = v128.or(r, i8x16.swizzle(t15, k));
    if (i + 16 <= n) v128.store(y + <usize>i, r);
    else storeTail(y + <usize>i, r, n - i);
  }
}

/** 16 channels of requant((x - zpX) * g): (x - zp) ∈ [-255, 255] and g ∈ [0, 255] in i16, product exact in i32. */
// @ts-ignore: decorator
@inline function mul16(xp: usize, gp: usize, zpx: v128, s: v128, lo: v128, hi: v128, rb: v128): v128 {
  const xv = v128.load(xp);
  const gv = v128.load(gp);
  const xlo = i16x8.sub(i16x8.extend_low_i8x16_s(xv), zpx);
  const xhi = i16x8.sub(i16x8.extend_high_i8x16_s(xv), zpx);
  const glo = i16x8.extend_low_i8x16_u(gv);
  const ghi = i16x8.extend_high_i8x16_u(gv);
  return narrow16(
    requant4(i32x4.extmul_low_i16x8_s(xlo, glo), s, lo, hi, rb), requant4(i32x4.extmul_high_i16x8_s(xlo, glo), s, lo, hi, rb),
    requant4(i32x4.extmul_low_i16x8_s(xhi, ghi), s, lo, hi, rb), requant4(i32x4.extmul_high_i16x8_s(xhi, ghi), s, lo, hi, rb));
}

/** One pixel's C channels: y = requant((x - zpX) * g), 16 at a time, the tail stored without passing C. */
// @ts-ignore: decorator
@inline function mulPixel(xp: usize, gp: usize, yp: usize, C: i32, zpx: v128, s: v128, lo: v128, hi: v128, rb: v128): void {
  let c = 0;
  for (; c + 16 <= C; c += 16) {
    const o = <usize>c;
    v128.store(yp + o, mul16(xp + o, gp + o, zpx, s, lo, hi, rb));
  }
  if (c < C) {
    const o = <usize>c;
    storeTail(yp + o, mul16(xp + o, gp + o, zpx, s, lo, hi, rb), C - c);
  }
}

export function gate_upsample_mul_simd128(
  x: usize, H: i32, W: i32, C: i32, xStride: i32, zpX: i32, g: usize, gh: i32, gw: i32, scale: f32,
  y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  const zpx = i16x8.splat(<i16>zpX);
  const s = f32x4.splat(scale);
  const lo = rqLo(zpOut, qmin);
  const hi = rqHi(zpOut, qmax);
  const rb = rqBias(zpOut);
  let xp = x;
  let yp = y;
  const gpix = <usize>C; // bytes per gate pixel
  for (let oy = 0; oy < H; oy++) {
    const grow = g + <usize>((oy * gh) / H * gw * C);
    // sx = (ox * gw) / W, stepped without dividing: sx advances while (sx + 1) * W <= ox * gw.
    let gp = grow;
    let num = 0; // ox * gw
    let next = W; // (sx + 1) * W
    for (let ox = 0; ox < W; ox++) {
      while (num >= next) {
        next += W;
        gp += gpix;
      }
      mulPixel(xp, gp, yp, C, zpx, s, lo, hi, rb);
      num += gw;
      xp += <usize>xStride;
      yp += <usize>yStride;
    }
  }
}

export function channel_scale_simd128(
  x: usize, pixels: i32, C: i32, xStride: i32, zpX: i32, g: usize, scale: f32,
  y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  const zpx = i16x8.splat(<i16>zpX);
  const s = f32x4.splat(scale);
  const lo = rqLo(zpOut, qmin);
  const hi = rqHi(zpOut, qmax);
  const rb = rqBias(zpOut);
  let xp = x;
  let yp = y;
  for (let p = 0; p < pixels; p++) {
    mulPixel(xp, g, yp, C, zpx, s, lo, hi, rb);
    xp += <usize>xStride;
    yp += <usize>yStride;
  }
}
