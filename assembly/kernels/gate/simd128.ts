// Lookup-table gates and the multiplies they feed — WASM SIMD128, bit-exact with reference.ts.
import { MAGIC, RQ_GENERAL, RQ_GENERAL_FULL, RQ_LEAN_CLAMP, RQ_LEAN_FULL, clampBytes, requant4, rqFloor, rqMode, rqShift } from '../../requant';
import { storeTail } from '../../store';
import { VK, VK_EVEN16, VK_MAGIC, VK_ODD16, VK_X10, VK_X80 } from '../../vconst';


/**
 * y[i] = lut[x[i] + 128]. 16 lookups per step: the index (x ^ 0x80) is looked up in each of the
 * sixteen 16-byte slices of the table with i8x16.swizzle, which yields 0 for indices ≥ 16, so
 * exactly one slice contributes per lane; the index is lowered by 16 before each next slice. Two
 * passes of eight slices (the second ORs into the first's output): sixteen slices in one loop held
 * 18 vectors, and V8 reloaded five spilled slices every step (lut 0.128 → 0.113 ms over the 14 gates).
 */
export function lut_u8_simd128(x: usize, n: i32, lut: usize, y: usize): void {
  lutHalf(false, x, n, lut, y);
  lutHalf(true, x, n, lut + 128, y);
}

// @ts-ignore: decorator
@inline function lutHalf(SECOND: bool, x: usize, n: i32, lut: usize, y: usize): void {
  const t0 = v128.load(lut), t1 = v128.load(lut, 16), t2 = v128.load(lut, 32), t3 = v128.load(lut, 48);
  const t4 = v128.load(lut, 64), t5 = v128.load(lut, 80), t6 = v128.load(lut, 96), t7 = v128.load(lut, 112);
  // bytes 0x80 / 16 loaded from memory (vconst.ts); the second half: (x ^ 0x80) - 128 = x
  const bias = SECOND ? i8x16.splat(0) : v128.load(VK, VK_X80);
  const step = v128.load(VK, VK_X10);
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
    if (SECOND) r = v128.or(r, v128.load(y + <usize>i));
    if (i + 16 <= n) v128.store(y + <usize>i, r);
    else storeTail(y + <usize>i, r, n - i);
  }
}

// Products (x − zpX)·g by i32x4.dot_i16x8_s on the gate with every other lane masked to 0: one dot
// gives the even channels' products, one the odd channels' (|(x − zp)·g| ≤ 255·255, exact), two
// instructions per four products where i32x4.extmul_*_i16x8_s costs three on x64. The lanes come out
// as (even, odd) channel order; the even and odd halves are narrowed to i16 apart and interleaved by
// two word unpacks before the last narrow (five instructions where narrow16 and a byte shuffle took
// eight: V8 builds the shuffle's mask constant in four instructions per use).

/** 16 channels of requant((x − zpX)·g) before the byte clamp (clampBytes): qmin applied in the general modes, values above 127 saturated by the narrows. */
// @ts-ignore: decorator
@inline function mul16(M: i32, xp: usize, gp: usize, zpx: v128, s: v128, magic: v128, floor: v128, shift: v128, EVEN: v128, ODD: v128): v128 {
  const xv = v128.load(xp);
  const gv = v128.load(gp);
  const xlo = i16x8.sub(i16x8.extend_low_i8x16_s(xv), zpx);
  const xhi = i16x8.sub(i16x8.extend_high_i8x16_s(xv), zpx);
  const glo = i16x8.extend_low_i8x16_u(gv);
  const ghi = i16x8.extend_high_i8x16_u(gv);
  // even channels 0, 2, .., 14 and odd 1, 3, .., 15 as i16 (saturated), interleaved by two word
  // unpacks, then one saturating narrow: channels 0..15 in order
  const even = i16x8.narrow_i32x4_s(
    requant4(M >= RQ_LEAN_FULL, i32x4.dot_i16x8_s(xlo, v128.and(glo, EVEN)), s, magic, floor, shift),
    requant4(M >= RQ_LEAN_FULL, i32x4.dot_i16x8_s(xhi, v128.and(ghi, EVEN)), s, magic, floor, shift));
  const odd = i16x8.narrow_i32x4_s(
    requant4(M >= RQ_LEAN_FULL, i32x4.dot_i16x8_s(xlo, v128.and(glo, ODD)), s, magic, floor, shift),
    requant4(M >= RQ_LEAN_FULL, i32x4.dot_i16x8_s(xhi, v128.and(ghi, ODD)), s, magic, floor, shift));
  return i8x16.narrow_i16x8_s(
    i8x16.shuffle(even, odd, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23),
    i8x16.shuffle(even, odd, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31));
}

/** One pixel's C channels: y = requant((x − zpX)·g), 16 at a time, the tail stored without passing C. M: the store mode (requant.ts rqMode). */
// @ts-ignore: decorator
@inline function mulPixel(M: i32, xp: usize, gp: usize, yp: usize, C: i32, zpx: v128, s: v128, magic: v128, floor: v128, shift: v128, vmin: v128, vmax: v128,
  EVEN: v128, ODD: v128): void {
  let c = 0;
  for (; c + 16 <= C; c += 16) {
    const o = <usize>c;
    v128.store(yp + o, clampBytes(M, mul16(M, xp + o, gp + o, zpx, s, magic, floor, shift, EVEN, ODD), vmin, vmax));
  }
  if (c < C) {
    const o = <usize>c;
    storeTail(yp + o, clampBytes(M, mul16(M, xp + o, gp + o, zpx, s, magic, floor, shift, EVEN, ODD), vmin, vmax), C - c);
  }
}

/** The per-pixel upsample-multiply: each output pixel finds its gate pixel and multiplies its C channels. */
// @ts-ignore: decorator
@inline function upsamplePixels(M: i32, x: usize, H: i32, W: i32, C: i32, xStride: i32, g: usize, gh: i32, gw: i32, y: usize, yStride: i32,
  zpx: v128, s: v128, magic: v128, floor: v128, shift: v128, vmin: v128, vmax: v128): void {
  const EVEN = v128.load(VK, VK_EVEN16), ODD = v128.load(VK, VK_ODD16); // the lane masks, from memory (vconst.ts)
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
      mulPixel(M, xp, gp, yp, C, zpx, s, magic, floor, shift, vmin, vmax, EVEN, ODD);
      num += gw;
      xp += <usize>xStride;
      yp += <usize>yStride;
    }
  }
}

// One wrapper per store mode (requant.ts RQ_*, named after it): M must be a literal for the mode tests to
// fold, and AssemblyScript has no generics over values, so a shared function taking M would keep them.
function upsamplePixelsGeneral(x: usize, H: i32, W: i32, C: i32, xStride: i32, g: usize, gh: i32, gw: i32, y: usize, yStride: i32,
  zpx: v128, s: v128, magic: v128, floor: v128, shift: v128, vmin: v128, vmax: v128): void {
  upsamplePixels(RQ_GENERAL, x, H, W, C, xStride, g, gh, gw, y, yStride, zpx, s, magic, floor, shift, vmin, vmax);
}
function upsamplePixelsGeneralFull(x: usize, H: i32, W: i32, C: i32, xStride: i32, g: usize, gh: i32, gw: i32, y: usize, yStride: i32,
  zpx: v128, s: v128, magic: v128, floor: v128, shift: v128, vmin: v128, vmax: v128): void {
  upsamplePixels(RQ_GENERAL_FULL, x, H, W, C, xStride, g, gh, gw, y, yStride, zpx, s, magic, floor, shift, vmin, vmax);
}
function upsamplePixelsLeanFull(x: usize, H: i32, W: i32, C: i32, xStride: i32, g: usize, gh: i32, gw: i32, y: usize, yStride: i32,
  zpx: v128, s: v128, magic: v128, floor: v128, shift: v128, vmin: v128, vmax: v128): void {
  upsamplePixels(RQ_LEAN_FULL, x, H, W, C, xStride, g, gh, gw, y, yStride, zpx, s, magic, floor, shift, vmin, vmax);
}
function upsamplePixelsLeanClamp(x: usize, H: i32, W: i32, C: i32, xStride: i32, g: usize, gh: i32, gw: i32, y: usize, yStride: i32,
  zpx: v128, s: v128, magic: v128, floor: v128, shift: v128, vmin: v128, vmax: v128): void {
  upsamplePixels(RQ_LEAN_CLAMP, x, H, W, C, xStride, g, gh, gw, y, yStride, zpx, s, magic, floor, shift, vmin, vmax);
}

// ---- Dense rows (xStride = yStride = C, the network's case) with C not a multiple of 16 ----
// A row of W·C bytes is one flat stream: the gate row, nearest-upsampled horizontally, is expanded
// once into GROW (one copy of C bytes per output pixel) and then serves every output row that maps
// to it. No per-pixel channel tail (C = 72: 4.5 vectors a pixel, not 5) and no per-pixel loop.
// Measured (tools/bench/gate.ts): 56²×72 1.2×, 28²×120 1.2×, 14²×200/184 1.05–1.1×; with C a
// multiple of 16 there is no tail to save and the row copy cost ~3%, so those keep the pixel loop.
// Two rows per pass sharing each widened gate vector was no faster. Either path skips the
// i8x16.min when qmax = 127 (the network's case: the narrows saturate at 127).

/** Longest dense row (W·C bytes) of the flat path; longer rows take the per-pixel path. */
const GROW_MAX: i32 = 10240;
const GROW: usize = memory.data(GROW_MAX + 64, 16);

/** Expands gate row sy into GROW: pixel ox gets gate pixel (ox·gw)/W (16-byte copies; the slack absorbs the overrun). */
// @ts-ignore: decorator
@inline function expandRow(grow: usize, W: i32, C: i32, gw: i32): void {
  let d = GROW;
  let num = 0, next = W; // ox·gw, (sx + 1)·W
  let src = grow;
  for (let ox = 0; ox < W; ox++) {
    while (num >= next) {
      next += W;
      src += <usize>C;
    }
    for (let c = 0; c < C; c += 16) v128.store(d + <usize>c, v128.load(src + <usize>c));
    d += <usize>C;
    num += gw;
  }
}

/** One dense row of n bytes against GROW: the per-pixel multiply over the whole row (n = W·C), in store mode M. */
// @ts-ignore: decorator
@inline function flatRow(M: i32, xr: usize, yr: usize, n: i32, zpx: v128, s: v128, magic: v128, floor: v128, shift: v128, vmin: v128, vmax: v128): void {
  mulPixel(M, xr, GROW, yr, n, zpx, s, magic, floor, shift, vmin, vmax, v128.load(VK, VK_EVEN16), v128.load(VK, VK_ODD16));
}

function flatRowGeneral(xr: usize, yr: usize, n: i32, zpx: v128, s: v128, magic: v128, floor: v128, shift: v128, vmin: v128, vmax: v128): void {
  flatRow(RQ_GENERAL, xr, yr, n, zpx, s, magic, floor, shift, vmin, vmax);
}
function flatRowGeneralFull(xr: usize, yr: usize, n: i32, zpx: v128, s: v128, magic: v128, floor: v128, shift: v128, vmin: v128, vmax: v128): void {
  flatRow(RQ_GENERAL_FULL, xr, yr, n, zpx, s, magic, floor, shift, vmin, vmax);
}
function flatRowLeanFull(xr: usize, yr: usize, n: i32, zpx: v128, s: v128, magic: v128, floor: v128, shift: v128, vmin: v128, vmax: v128): void {
  flatRow(RQ_LEAN_FULL, xr, yr, n, zpx, s, magic, floor, shift, vmin, vmax);
}
function flatRowLeanClamp(xr: usize, yr: usize, n: i32, zpx: v128, s: v128, magic: v128, floor: v128, shift: v128, vmin: v128, vmax: v128): void {
  flatRow(RQ_LEAN_CLAMP, xr, yr, n, zpx, s, magic, floor, shift, vmin, vmax);
}

/**
 * Lean requantization (requant.ts quantizeLean4) when every product is bounded: |(x − zpX)·g| ≤
 * 255·255 = 65025 (exact in f32), so |f32(p)·scale| ≤ 65025·|scale| (rounded, monotone); the lean
 * form needs ≤ 2^22 and the test asks ≤ 2^21 like depthwise (in f64; a NaN fails it).
 */
// @ts-ignore: decorator
@inline function gateLean(scale: f32): bool {
  return 65025.0 * Math.abs(<f64>scale) <= 2097152.0;
}

// @ts-ignore: decorator
@inline export function gate_upsample_mul_simd128(
  x: usize, H: i32, W: i32, C: i32, xStride: i32, zpX: i32, g: usize, gh: i32, gw: i32, scale: f32,
  y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  const zpx = i16x8.splat(<i16>zpX);
  const s = f32x4.splat(scale);
  const magic = v128.load(VK, VK_MAGIC); // f32 lanes MAGIC, from memory (vconst.ts)
  const floor = rqFloor(zpOut, qmin);
  const shift = rqShift(zpOut);
  const vmin = i8x16.splat(<i8>qmin);
  const vmax = i8x16.splat(<i8>qmax);
  const M = rqMode(gateLean(scale), qmin, qmax);
  if ((C & 15) != 0 && xStride == C && yStride == C && W * C <= GROW_MAX) {
    const n = W * C;
    const row = <usize>n;
    let sy = -1;
    for (let oy = 0; oy < H; oy++) {
      const sy0 = (oy * gh) / H;
      if (sy0 != sy) {
        sy = sy0;
        expandRow(g + <usize>(sy * gw * C), W, C, gw);
      }
      const xr = x + <usize>oy * row, yr = y + <usize>oy * row;
      if (M == RQ_LEAN_FULL) flatRowLeanFull(xr, yr, n, zpx, s, magic, floor, shift, vmin, vmax);
      else if (M == RQ_LEAN_CLAMP) flatRowLeanClamp(xr, yr, n, zpx, s, magic, floor, shift, vmin, vmax);
      else if (M == RQ_GENERAL_FULL) flatRowGeneralFull(xr, yr, n, zpx, s, magic, floor, shift, vmin, vmax);
      else flatRowGeneral(xr, yr, n, zpx, s, magic, floor, shift, vmin, vmax);
    }
  } else if (M == RQ_LEAN_FULL) upsamplePixelsLeanFull(x, H, W, C, xStride, g, gh, gw, y, yStride, zpx, s, magic, floor, shift, vmin, vmax);
  else if (M == RQ_LEAN_CLAMP) upsamplePixelsLeanClamp(x, H, W, C, xStride, g, gh, gw, y, yStride, zpx, s, magic, floor, shift, vmin, vmax);
  else if (M == RQ_GENERAL_FULL) upsamplePixelsGeneralFull(x, H, W, C, xStride, g, gh, gw, y, yStride, zpx, s, magic, floor, shift, vmin, vmax);
  else upsamplePixelsGeneral(x, H, W, C, xStride, g, gh, gw, y, yStride, zpx, s, magic, floor, shift, vmin, vmax);
}

// @ts-ignore: decorator
@inline export function channel_scale_simd128(
  x: usize, pixels: i32, C: i32, xStride: i32, zpX: i32, g: usize, scale: f32,
  y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  const zpx = i16x8.splat(<i16>zpX);
  const s = f32x4.splat(scale);
  const magic = f32x4.splat(MAGIC); // a literal here, not from VK: the SE scale's tier-up (docs/KERNELS.md, "v128 constants in loops")
  const floor = rqFloor(zpOut, qmin);
  const shift = rqShift(zpOut);
  const vmin = i8x16.splat(<i8>qmin);
  const vmax = i8x16.splat(<i8>qmax);
  const M = rqMode(gateLean(scale), qmin, qmax);
  if (M == RQ_LEAN_FULL) scalePixelsLeanFull(x, pixels, C, xStride, g, y, yStride, zpx, s, magic, floor, shift, vmin, vmax);
  else if (M == RQ_LEAN_CLAMP) scalePixelsLeanClamp(x, pixels, C, xStride, g, y, yStride, zpx, s, magic, floor, shift, vmin, vmax);
  else scalePixelsGeneral(x, pixels, C, xStride, g, y, yStride, zpx, s, magic, floor, shift, vmin, vmax);
}

/** The SE scale's pixels in store mode M (the general one applies the qmax min whatever qmax). */
// @ts-ignore: decorator
@inline function scalePixels(M: i32, x: usize, pixels: i32, C: i32, xStride: i32, g: usize, y: usize, yStride: i32,
  zpx: v128, s: v128, magic: v128, floor: v128, shift: v128, vmin: v128, vmax: v128): void {
  let xp = x;
  let yp = y;
  for (let p = 0; p < pixels; p++) {
    // the lane masks as constants here, not from VK: see docs/KERNELS.md, "v128 constants in loops"
    mulPixel(M, xp, g, yp, C, zpx, s, magic, floor, shift, vmin, vmax, i32x4.splat(0x0000ffff), i32x4.splat(<i32>0xffff0000));
    xp += <usize>xStride;
    yp += <usize>yStride;
  }
}

function scalePixelsGeneral(x: usize, pixels: i32, C: i32, xStride: i32, g: usize, y: usize, yStride: i32,
  zpx: v128, s: v128, magic: v128, floor: v128, shift: v128, vmin: v128, vmax: v128): void {
  scalePixels(RQ_GENERAL, x, pixels, C, xStride, g, y, yStride, zpx, s, magic, floor, shift, vmin, vmax);
}
function scalePixelsLeanFull(x: usize, pixels: i32, C: i32, xStride: i32, g: usize, y: usize, yStride: i32,
  zpx: v128, s: v128, magic: v128, floor: v128, shift: v128, vmin: v128, vmax: v128): void {
  scalePixels(RQ_LEAN_FULL, x, pixels, C, xStride, g, y, yStride, zpx, s, magic, floor, shift, vmin, vmax);
}
function scalePixelsLeanClamp(x: usize, pixels: i32, C: i32, xStride: i32, g: usize, y: usize, yStride: i32,
  zpx: v128, s: v128, magic: v128, floor: v128, shift: v128, vmin: v128, vmax: v128): void {
  scalePixels(RQ_LEAN_CLAMP, x, pixels, C, xStride, g, y, yStride, zpx, s, magic, floor, shift, vmin, vmax);
}
