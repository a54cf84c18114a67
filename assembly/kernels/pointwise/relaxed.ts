// pointwise — relaxed-SIMD variant (relaxed build only; bit-exact with reference.ts).
//
// i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, c): c[i] + Σ_{j<4} a[4i+j] * b[4i+j], deterministic only
// when every b lane is in [0, 127]. Operand roles, chosen so the result is exact for any int8 data:
//   a = weights (int8, any value), b = an activation bit plane, always in [0, 127]:
//   x = lo - 128*hi with lo = x & 0x7f in [0, 127] and hi = x >>> 7 (1 iff x < 0), so
//   Σ w*x = Σ w*lo - 128 * Σ w*hi.
// (The i8 pair sums inside the instruction are at most 2*127*128 = 32512: no i16 saturation on
// any lowering, pmaddubsw+pmaddwd or vpdpbusd/sdot.) Two accumulators per output vector, combined
// once at the end: acc = lo_acc - (hi_acc << 7), in wrapping int32 like the reference.
// No Σw correction term is needed with this two's-complement split.
//
// Packed weights ("c4x8"): blocks of 8 output channels, K zero-padded to kp = round_up(cin, 16);
// block b holds kp/4 k-quads of 32 bytes: packed[b*kp*8 + j*32 + 4*c + t] = w[8b + c][4j + t]
// (c < 8, t < 4), so v128.load at +0 / +16 is channels 0-3 / 4-7 of the quad.
// Activations: a tile of M ≤ 3 pixels is split once into [k/16][pixel][lo 16 B][hi 16 B] in a scratch
// and reused for every channel block; each quad of a plane is a v128.load32_splat.
import { requant4 } from '../../requant';

/** Pixels per register tile (M x 8 channels x 2 planes = 12 accumulators). */
const MR = 3;
const KMAX = 4096;
const SCRATCH: usize = memory.data(MR * KMAX * 2, 16);

export function pointwise_packed_size(cin: i32, cout: i32): i32 {
  return ((cout + 7) >> 3) * (((cin + 15) & ~15) << 3);
}

export function pointwise_pack(w: usize, cin: i32, cout: i32, dst: usize): void {
  const kp = (cin + 15) & ~15;
  const nb = (cout + 7) >> 3;
  let d = dst;
  for (let b = 0; b < nb; b++) {
    for (let j = 0; j < kp; j += 4) {
      for (let c = 0; c < 8; c++) {
        const o = (b << 3) + c;
        for (let t = 0; t < 4; t++) {
          const k = j + t;
          store<i8>(d++, o < cout && k < cin ? load<i8>(w + <usize>o * <usize>cin + <usize>k) : 0);
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function storeBytes(p: usize, q: v128, n: i32): void {
  if (n & 4) { v128.store32_lane(p, q, 0); q = i64x2.shr_u(q, 32); p += 4; }
  if (n & 2) { v128.store16_lane(p, q, 0); q = i64x2.shr_u(q, 16); p += 2; }
  if (n & 1) v128.store8_lane(p, q, 0);
}

// @ts-ignore: decorator
@inline
function storeFloats(p: usize, r0: v128, r1: v128, n: i32): void {
  if (n & 4) { v128.store(p, r0); r0 = r1; p += 16; }
  if (n & 2) { v128.store64_lane(p, r0, 0); r0 = i32x4.shuffle(r0, r0, 2, 3, 2, 3); p += 8; }
  if (n & 1) v128.store32_lane(p, r0, 0);
}

/** lo - 128*hi */
// @ts-ignore: decorator
@inline
function combine(lo: v128, hi: v128): v128 {
  return i32x4.sub(lo, i32x4.shl(hi, 7));
}

// @ts-ignore: decorator
@inline
function out8(F32: bool, a0: v128, a1: v128, s0: v128, s1: v128, y: usize, n: i32, zp: v128, qmin: v128, qmax: v128): void {
  if (F32) {
    const r0 = f32x4.mul(f32x4.convert_i32x4_s(a0), s0);
    const r1 = f32x4.mul(f32x4.convert_i32x4_s(a1), s1);
    if (n >= 8) { v128.store(y, r0); v128.store(y, r1, 16); } else storeFloats(y, r0, r1, n);
  } else {
    const h = i16x8.narrow_i32x4_s(requant4(a0, s0, zp), requant4(a1, s1, zp));
    const q = i8x16.min_s(i8x16.max_s(i8x16.narrow_i16x8_s(h, h), qmin), qmax);
    if (n >= 8) v128.store64_lane(y, q, 0); else storeBytes(y, q, n);
  }
}

// @ts-ignore: decorator
@inline
function out4(F32: bool, a0: v128, s0: v128, y: usize, n: i32, zp: v128, qmin: v128, qmax: v128): void {
  if (F32) {
    const r0 = f32x4.mul(f32x4.convert_i32x4_s(a0), s0);
    if (n >= 4) v128.store(y, r0); else storeFloats(y, r0, r0, n);
  } else {
    const r = requant4(a0, s0, zp);
    const h = i16x8.narrow_i32x4_s(r, r);
    const q = i8x16.min_s(i8x16.max_s(i8x16.narrow_i16x8_s(h, h), qmin), qmax);
    if (n >= 4) v128.store32_lane(y, q, 0); else storeBytes(y, q, n);
  }
}

/** M pixels x 8 channels; scratch chunk layout per pixel: lo at +0, hi at +16 (32 bytes per pixel). */
// @ts-ignore: decorator
@inline
function tile8(M: i32, F32: bool, s: usize, kp: i32, wp: usize, bias: usize, scale: usize,
  y: usize, ys: usize, n: i32, zp: v128, qmin: v128, qmax: v128): void {
  const z = i32x4.splat(0);
  let l00 = v128.load(bias), l01 = v128.load(bias, 16), h00 = z, h01 = z;
  let l10 = l00, l11 = l01, h10 = z, h11 = z;
  let l20 = l00, l21 = l01, h20 = z, h21 = z;
  for (let k = 0; k < kp; k += 16) {
    let w0 = v128.load(wp), w1 = v128.load(wp, 16);
    let v = v128.load32_splat(s);
    l00 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, l00); l01 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, l01);
    v = v128.load32_splat(s, 16);
    h00 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, h00); h01 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, h01);
    if (M > 1) {
      v = v128.load32_splat(s, 32);
      l10 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, l10); l11 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, l11);
      v = v128.load32_splat(s, 48);
      h10 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, h10); h11 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, h11);
    }
    if (M > 2) {
      v = v128.load32_splat(s, 64);
      l20 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, l20); l21 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, l21);
      v = v128.load32_splat(s, 80);
      h20 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, h20); h21 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, h21);
    }
    w0 = v128.load(wp, 32); w1 = v128.load(wp, 48);
    v = v128.load32_splat(s, 4);
    l00 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, l00); l01 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, l01);
    v = v128.load32_splat(s, 20);
    h00 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, h00); h01 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, h01);
    if (M > 1) {
      v = v128.load32_splat(s, 36);
      l10 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, l10); l11 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, l11);
      v = v128.load32_splat(s, 52);
      h10 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, h10); h11 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, h11);
    }
    if (M > 2) {
      v = v128.load32_splat(s, 68);
      l20 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, l20); l21 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, l21);
      v = v128.load32_splat(s, 84);
      h20 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, h20); h21 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, h21);
    }
    w0 = v128.load(wp, 64); w1 = v128.load(wp, 80);
    v = v128.load32_splat(s, 8);
    l00 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, l00); l01 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, l01);
    v = v128.load32_splat(s, 24);
    h00 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, h00); h01 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, h01);
    if (M > 1) {
      v = v128.load32_splat(s, 40);
      l10 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, l10); l11 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, l11);
      v = v128.load32_splat(s, 56);
      h10 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, h10); h11 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, h11);
    }
    if (M > 2) {
      v = v128.load32_splat(s, 72);
      l20 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, l20); l21 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, l21);
      v = v128.load32_splat(s, 88);
      h20 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, h20); h21 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, h21);
    }
    w0 = v128.load(wp, 96); w1 = v128.load(wp, 112);
    v = v128.load32_splat(s, 12);
    l00 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, l00); l01 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, l01);
    v = v128.load32_splat(s, 28);
    h00 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, h00); h01 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, h01);
    if (M > 1) {
      v = v128.load32_splat(s, 44);
      l10 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, l10); l11 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, l11);
      v = v128.load32_splat(s, 60);
      h10 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, h10); h11 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, h11);
    }
    if (M > 2) {
      v = v128.load32_splat(s, 76);
      l20 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, l20); l21 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, l21);
      v = v128.load32_splat(s, 92);
      h20 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, h20); h21 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, h21);
    }
    wp += 128;
    s += <usize>(M << 5);
  }
  const s0 = v128.load(scale), s1 = v128.load(scale, 16);
  out8(F32, combine(l00, h00), combine(l01, h01), s0, s1, y, n, zp, qmin, qmax);
  if (M > 1) out8(F32, combine(l10, h10), combine(l11, h11), s0, s1, y + ys, n, zp, qmin, qmax);
  if (M > 2) out8(F32, combine(l20, h20), combine(l21, h21), s0, s1, y + 2 * ys, n, zp, qmin, qmax);
}

/** M pixels x 4 channels (first half of the last block, when it has ≤ 4 channels). */
// @ts-ignore: decorator
@inline
function tile4(M: i32, F32: bool, s: usize, kp: i32, wp: usize, bias: usize, scale: usize,
  y: usize, ys: usize, n: i32, zp: v128, qmin: v128, qmax: v128): void {
  const z = i32x4.splat(0);
  let l0 = v128.load(bias), h0 = z, l1 = l0, h1 = z, l2 = l0, h2 = z;
  for (let k = 0; k < kp; k += 16) {
    let w = v128.load(wp);
    l0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s), l0);
    h0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 16), h0);
    if (M > 1) {
      l1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 32), l1);
      h1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 48), h1);
    }
    if (M > 2) {
      l2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 64), l2);
      h2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 80), h2);
    }
    w = v128.load(wp, 32);
    l0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 4), l0);
    h0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 20), h0);
    if (M > 1) {
      l1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 36), l1);
      h1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 52), h1);
    }
    if (M > 2) {
      l2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 68), l2);
      h2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 84), h2);
    }
    w = v128.load(wp, 64);
    l0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 8), l0);
    h0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 24), h0);
    if (M > 1) {
      l1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 40), l1);
      h1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 56), h1);
    }
    if (M > 2) {
      l2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 72), l2);
      h2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 88), h2);
    }
    w = v128.load(wp, 96);
    l0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 12), l0);
    h0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 28), h0);
    if (M > 1) {
      l1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 44), l1);
      h1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 60), h1);
    }
    if (M > 2) {
      l2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 76), l2);
      h2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, v128.load32_splat(s, 92), h2);
    }
    wp += 128;
    s += <usize>(M << 5);
  }
  const s0 = v128.load(scale);
  out4(F32, combine(l0, h0), s0, y, n, zp, qmin, qmax);
  if (M > 1) out4(F32, combine(l1, h1), s0, y + ys, n, zp, qmin, qmax);
  if (M > 2) out4(F32, combine(l2, h2), s0, y + 2 * ys, n, zp, qmin, qmax);
}

// @ts-ignore: decorator
@inline
function blocks(M: i32, F32: bool, kp: i32, packed: usize, bias: usize, scale: usize, cout: i32,
  y: usize, ys: usize, zp: v128, qmin: v128, qmax: v128): void {
  const blockBytes = <usize>kp << 3;
  const eb: usize = F32 ? 4 : 1;
  let wp = packed;
  let o = 0;
  for (; o + 8 <= cout; o += 8) {
    tile8(M, F32, SCRATCH, kp, wp, bias + (<usize>o << 2), scale + (<usize>o << 2), y + <usize>o * eb, ys, 8, zp, qmin, qmax);
    wp += blockBytes;
  }
  const n = cout - o;
  if (n > 4) {
    tile8(M, F32, SCRATCH, kp, wp, bias + (<usize>o << 2), scale + (<usize>o << 2), y + <usize>o * eb, ys, n, zp, qmin, qmax);
  } else if (n > 0) {
    tile4(M, F32, SCRATCH, kp, wp, bias + (<usize>o << 2), scale + (<usize>o << 2), y + <usize>o * eb, ys, n, zp, qmin, qmax);
  }
}

function blocks3(F32: bool, kp: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, zp: v128, qmin: v128, qmax: v128): void {
  if (F32) blocks(3, true, kp, packed, bias, scale, cout, y, ys, zp, qmin, qmax);
  else blocks(3, false, kp, packed, bias, scale, cout, y, ys, zp, qmin, qmax);
}
function blocks2(F32: bool, kp: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, zp: v128, qmin: v128, qmax: v128): void {
  if (F32) blocks(2, true, kp, packed, bias, scale, cout, y, ys, zp, qmin, qmax);
  else blocks(2, false, kp, packed, bias, scale, cout, y, ys, zp, qmin, qmax);
}
function blocks1(F32: bool, kp: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, zp: v128, qmin: v128, qmax: v128): void {
  if (F32) blocks(1, true, kp, packed, bias, scale, cout, y, ys, zp, qmin, qmax);
  else blocks(1, false, kp, packed, bias, scale, cout, y, ys, zp, qmin, qmax);
}

/** Splits m activation rows (kp bytes each) into SCRATCH as [k/16][m][lo 16 B, hi 16 B]. */
// @ts-ignore: decorator
@inline
function split(x: usize, xStride: i32, m: i32, kp: i32): void {
  const step = <usize>(m << 5);
  const mask = i8x16.splat(0x7f);
  for (let i = 0; i < m; i++) {
    let src = x + <usize>i * <usize>xStride;
    let dst = SCRATCH + (<usize>i << 5);
    const end = src + <usize>kp;
    while (src < end) {
      const v = v128.load(src);
      v128.store(dst, v128.and(v, mask));
      v128.store(dst, i8x16.shr_u(v, 7), 16);
      src += 16;
      dst += step;
    }
  }
}

function slowPath(F32: bool, x: usize, pixels: i32, cin: i32, xStride: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32): void {
  const kp = (cin + 15) & ~15;
  for (let p = 0; p < pixels; p++) {
    const xp = x + <usize>p * <usize>xStride;
    for (let o = 0; o < cout; o++) {
      const wo = packed + <usize>(o >> 3) * (<usize>kp << 3) + (<usize>(o & 7) << 2);
      let acc = load<i32>(bias + (<usize>o << 2));
      for (let k = 0; k < cin; k++) {
        acc += <i32>load<i8>(wo + (<usize>(k >> 2) << 5) + <usize>(k & 3)) * <i32>load<i8>(xp + <usize>k);
      }
      const sc = load<f32>(scale + (<usize>o << 2));
      if (F32) {
        store<f32>(y + ((<usize>p * <usize>yStride + <usize>o) << 2), <f32>acc * sc);
      } else {
        let q = i32x4.extract_lane(requant4(i32x4.splat(acc), f32x4.splat(sc), i32x4.splat(zpOut)), 0);
        q = q < qmin ? qmin : q;
        store<i8>(y + <usize>p * <usize>yStride + <usize>o, <i8>(q > qmax ? qmax : q));
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function run(F32: bool, x: usize, pixels: i32, cin: i32, xStride: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32): void {
  const kp = (cin + 15) & ~15;
  if (kp > KMAX) {
    slowPath(F32, x, pixels, cin, xStride, packed, bias, scale, cout, y, yStride, zpOut, qmin, qmax);
    return;
  }
  const zp = i32x4.splat(zpOut);
  const vmin = i8x16.splat(<i8>qmin), vmax = i8x16.splat(<i8>qmax);
  const ys: usize = F32 ? <usize>yStride << 2 : <usize>yStride;
  const xs = <usize>xStride;
  let p = 0;
  while (p + MR <= pixels) {
    split(x, xStride, MR, kp);
    blocks3(F32, kp, packed, bias, scale, cout, y, ys, zp, vmin, vmax);
    x += xs * MR;
    y += ys * MR;
    p += MR;
  }
  const m = pixels - p;
  if (m > 0) {
    split(x, xStride, m, kp);
    if (m == 2) blocks2(F32, kp, packed, bias, scale, cout, y, ys, zp, vmin, vmax);
    else blocks1(F32, kp, packed, bias, scale, cout, y, ys, zp, vmin, vmax);
  }
}

export function pointwise(
  x: usize, pixels: i32, cin: i32, xStride: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  run(false, x, pixels, cin, xStride, packed, bias, scale, cout, y, yStride, zpOut, qmin, qmax);
}

export function pointwise_f32(
  x: usize, pixels: i32, cin: i32, xStride: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, yStride: i32,
): void {
  run(true, x, pixels, cin, xStride, packed, bias, scale, cout, y, yStride, 0, -128, 127);
}
