// pointwise — relaxed-SIMD variant (relaxed build only; bit-exact with reference.ts).
//
// i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, c) = c + Σ_{j<4} a[4i+j] * b[4i+j] per i32 lane, and it is
// deterministic only when every b lane is in [0, 127]. Operand roles, chosen so the result is exact
// for ANY int8 activations and weights:
//   a = weights (int8, any value), b = one bit plane of the activations, always in [0, 127]:
//   x = lo - 128*hi with lo = x & 0x7f in [0, 127] and hi = x >>> 7 in {0, 1} (1 iff x < 0), so
//   Σ w*x = Σ w*lo - 128 * Σ w*hi.
// (This is the two's-complement form of the x_u = x ^ 0x80 split; no Σw correction term is needed.)
// The pair sums inside any lowering are at most 2*128*127 = 32512, so pmaddubsw never saturates and
// vpdpbusd / sdot give the same exact value. Two accumulators per output vector (lo and hi planes),
// combined once at the end: acc = lo_acc - (hi_acc << 7), wrapping int32 like the reference.
//
// Packed weights ("c4x8"): blocks of 8 output channels, K zero-padded to kp = round_up(cin, 16);
// block b holds kp/4 k-quads of 32 bytes: packed[b*kp*8 + j*32 + 4*c + t] = w[8b + c][4j + t]
// (c < 8, t < 4): v128.load at +0 / +16 is channels 0-3 / 4-7 of the quad. Same size as int8 weights.
// Activations: a tile of M = 2 pixels is split once into a scratch of 16-byte rows [lo0, hi0, lo1, hi1]
// per k-quad (4 bytes each) and reused for every channel block; per quad one load + 4 shuffles
// broadcast the plane quads.
// Register tile: 2 pixels x 8 channels x 2 planes = 8 accumulators (+ the temporaries the
// pmaddubsw/pmaddwd lowering needs without VNNI). One k-quad per loop iteration (see simd128.ts).
// Requantization: the same output stage as simd128.ts (output.ts).
// Where the relaxed dot is AVX-VNNI (lowering.ts), calls of >= 4 pixels take the one-dot form below
// ("AVX-VNNI form") instead of these bit-plane tiles.
import { requant } from '../../requant';
import { OUT, O_FLOOR, O_MAGIC, O_SHIFT, setOutput, clampMaxPass, out8, out8x2, out4, storeBytes, storeFloats } from './output';
import { relaxedDotIsVnni } from '../../lowering';
import { VK, VK_X80 } from '../../vconst';

/** Pixels per register tile. */
const MR = 2;
const KMAX = 4096;
const SCRATCH: usize = memory.data(KMAX * 4, 16); // kp/4 rows of 16 bytes

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

/** The inverse of pointwise_pack: the plain [cout][cin] int8 weights back from the c4x8 layout (the padding dropped). */
export function pointwise_unpack(packed: usize, cin: i32, cout: i32, w: usize): void {
  const kp = (cin + 15) & ~15;
  for (let o = 0; o < cout; o++) {
    const blk = packed + <usize>(o >> 3) * <usize>(kp << 3) + <usize>((o & 7) << 2);
    for (let k = 0; k < cin; k++) {
      store<i8>(w + <usize>o * <usize>cin + <usize>k, load<i8>(blk + <usize>((k >> 2) << 5) + <usize>(k & 3)));
    }
  }
}

/** lo - 128*hi */
// @ts-ignore: decorator
@inline
function combine(lo: v128, hi: v128): v128 {
  return i32x4.sub(lo, i32x4.shl(hi, 7));
}

// ---- register tiles (M is a literal at every call site) ----

/**
 * M (≤ 2) pixels x 8 channels. s: split tile ([quad][pixel][lo, hi]: one 16-byte row per k-quad),
 * wp: the block's weights (two 16-byte loads per quad). The row's four 32-bit plane quads are
 * broadcast with shuffles (one load instead of four load32_splat: see simd128.ts on bounds checks).
 */
// @ts-ignore: decorator
@inline
function tile8(M: i32, F32: bool, s: usize, kp: i32, wp: usize, bias: usize, scale: usize,
  y: usize, ys: usize, n: i32, c: usize): void {
  const z = i32x4.splat(0);
  let l00 = v128.load(bias), l01 = v128.load(bias, 16), h00 = z, h01 = z;
  let l10 = l00, l11 = l01, h10 = z, h11 = z;
  const end = wp + (<usize>kp << 3);
  do {
    const w0 = v128.load(wp), w1 = v128.load(wp, 16);
    const xv = v128.load(s);
    let v = i32x4.shuffle(xv, xv, 0, 0, 0, 0);
    l00 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, l00); l01 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, l01);
    v = i32x4.shuffle(xv, xv, 1, 1, 1, 1);
    h00 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, h00); h01 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, h01);
    if (M > 1) {
      v = i32x4.shuffle(xv, xv, 2, 2, 2, 2);
      l10 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, l10); l11 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, l11);
      v = i32x4.shuffle(xv, xv, 3, 3, 3, 3);
      h10 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, h10); h11 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, h11);
    }
    wp += 32;
    s += 16;
  } while (wp < end);
  const s0 = v128.load(scale), s1 = v128.load(scale, 16);
  const magic = v128.load(c, O_MAGIC), floor = v128.load(c, O_FLOOR), shift = v128.load(c, O_SHIFT);
  out8(F32, combine(l00, h00), combine(l01, h01), s0, s1, y, n, c, magic, floor, shift);
  if (M > 1) out8(F32, combine(l10, h10), combine(l11, h11), s0, s1, y + ys, n, c, magic, floor, shift);
}

/** M pixels x 4 channels (first half of the last block, when it has ≤ 4 channels). */
// @ts-ignore: decorator
@inline
function tile4(M: i32, F32: bool, s: usize, kp: i32, wp: usize, bias: usize, scale: usize,
  y: usize, ys: usize, n: i32, c: usize): void {
  const z = i32x4.splat(0);
  let l0 = v128.load(bias), h0 = z, l1 = l0, h1 = z;
  const end = wp + (<usize>kp << 3);
  do {
    const w = v128.load(wp);
    const xv = v128.load(s);
    l0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, i32x4.shuffle(xv, xv, 0, 0, 0, 0), l0);
    h0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, i32x4.shuffle(xv, xv, 1, 1, 1, 1), h0);
    if (M > 1) {
      l1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, i32x4.shuffle(xv, xv, 2, 2, 2, 2), l1);
      h1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, i32x4.shuffle(xv, xv, 3, 3, 3, 3), h1);
    }
    wp += 32;
    s += 16;
  } while (wp < end);
  const s0 = v128.load(scale);
  const magic = v128.load(c, O_MAGIC), floor = v128.load(c, O_FLOOR), shift = v128.load(c, O_SHIFT);
  out4(F32, combine(l0, h0), s0, y, n, c, magic, floor, shift);
  if (M > 1) out4(F32, combine(l1, h1), s0, y + ys, n, c, magic, floor, shift);
}

/**
 * Splits M (≤ 2) activation rows (kp bytes, a multiple of 16) into SCRATCH as 16-byte rows
 * [lo0, hi0, lo1, hi1] per k-quad (a 4x4 transpose of 32-bit lanes; for M = 1 the pixel-1 half of each
 * row is left as is and never read).
 */
// @ts-ignore: decorator
@inline
function split(M: i32, x: usize, xs: usize, kp: i32): void {
  const mask = i8x16.splat(0x7f);
  let d = SCRATCH;
  for (let k: usize = 0; k < <usize>kp; k += 16) {
    const v0 = v128.load(x + k);
    const lo0 = v128.and(v0, mask), hi0 = i8x16.shr_u(v0, 7);
    const t0 = i32x4.shuffle(lo0, hi0, 0, 4, 1, 5), t2 = i32x4.shuffle(lo0, hi0, 2, 6, 3, 7);
    if (M > 1) {
      const v1 = v128.load(x + xs + k);
      const lo1 = v128.and(v1, mask), hi1 = i8x16.shr_u(v1, 7);
      const t1 = i32x4.shuffle(lo1, hi1, 0, 4, 1, 5), t3 = i32x4.shuffle(lo1, hi1, 2, 6, 3, 7);
      v128.store(d, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
      v128.store(d, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 16);
      v128.store(d, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 32);
      v128.store(d, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 48);
    } else {
      v128.store64_lane(d, t0, 0);
      v128.store64_lane(d, t0, 1, 16);
      v128.store64_lane(d, t2, 0, 32);
      v128.store64_lane(d, t2, 1, 48);
    }
    d += 64;
  }
}

// @ts-ignore: decorator
@inline
function rowTile(M: i32, F32: bool, x: usize, xs: usize, kp: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, ys: usize, c: usize): void {
  split(M, x, xs, kp);
  const blockBytes = <usize>kp << 3;
  const eb: usize = F32 ? 4 : 1;
  let wp = packed;
  let o = 0;
  for (; o + 8 <= cout; o += 8) {
    tile8(M, F32, SCRATCH, kp, wp, bias + (<usize>o << 2), scale + (<usize>o << 2), y + <usize>o * eb, ys, 8, c);
    wp += blockBytes;
  }
  const n = cout - o;
  if (n > 4) {
    tile8(M, F32, SCRATCH, kp, wp, bias + (<usize>o << 2), scale + (<usize>o << 2), y + <usize>o * eb, ys, n, c);
  } else if (n > 0) {
    tile4(M, F32, SCRATCH, kp, wp, bias + (<usize>o << 2), scale + (<usize>o << 2), y + <usize>o * eb, ys, n, c);
  }
}

function rows2(x: usize, xs: usize, kp: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  rowTile(2, false, x, xs, kp, packed, bias, scale, cout, y, ys, c);
}
function rows1(x: usize, xs: usize, kp: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  rowTile(1, false, x, xs, kp, packed, bias, scale, cout, y, ys, c);
}
function rows2f(x: usize, xs: usize, kp: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  rowTile(2, true, x, xs, kp, packed, bias, scale, cout, y, ys, c);
}
function rows1f(x: usize, xs: usize, kp: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  rowTile(1, true, x, xs, kp, packed, bias, scale, cout, y, ys, c);
}

/** Scalar path over the packed layout for kp > KMAX (never hit by GhostNet; kept for completeness). */
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
        store<i8>(y + <usize>p * <usize>yStride + <usize>o, <i8>requant(acc, sc, zpOut, qmin, qmax));
      }
    }
  }
}


// ---- AVX-VNNI form: one relaxed dot per k-quad (runs only where relaxed_dot_lowering() is VNNI) ----
//
// Where V8 lowers relaxed_dot_i8x16_i7x16_add_s(a, b, c) to one vpdpbusd (x86 AVX-VNNI: b's bytes
// taken unsigned, a's signed, exact int32 sums, no saturation), b may hold any byte 0..255. Then
//   Σ w*x = Σ w*(x + 128) - 128 * Σ w,   with x + 128 = x ^ 0x80 in [0, 255] as b, weights as a:
// ONE dot per k-quad per 4 channels (16 MACs) instead of the planes' two. The -128·Σw term is computed
// per call from the packed weights (one dot per k-quad per 4 channels with b = bytes 0x80, the work of
// one pixel) into INIT = bias - 128·Σw, so the packed layout stays c4x8 and files packed by the relaxed
// build load on any CPU. This form is wrong under any other lowering (pmaddubsw saturates, vpdpbssd
// reads b signed), so run() takes it only when lowering.ts relaxedDotIsVnni() says so; the bit-plane
// tiles above stay the form for every other CPU and for calls of 2 or 3 pixels (1-pixel calls: vgemv below).
// Register tile: 4 pixels x 8 channels = 8 accumulators; per k-quad 2 weight loads, 1 activation load
// (the 4 pixels' quads, transposed once per tile by vsplit) and 4 shuffles for 8 dots (128 MACs).

/** Pixels per VNNI register tile. */
const VMR = 4;
/** Fewest pixels for the VNNI form (its per-call Σw pass costs as much as one pixel). */
const VNNI_MINPX = 4;
/** Most output channels for the VNNI form (INIT holds one i32 per channel, cout rounded up to 8). */
const VNNI_CMAX = 4096;
const INIT: usize = memory.data(VNNI_CMAX * 4, 16);

/** INIT[o] = bias[o] - 128·Σ_k w[o][k] for every channel of every block (cout rounded up to 8). */
function vnniInit(kp: i32, packed: usize, bias: usize, cout: i32): void {
  const h = v128.load(VK, VK_X80); // bytes 0x80 (from memory: vconst.ts)
  const nb = (cout + 7) >> 3;
  let wp = packed;
  for (let b = 0; b < nb; b++) {
    let s0 = i32x4.splat(0), s1 = s0;
    const end = wp + (<usize>kp << 3);
    do {
      s0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wp), h, s0);
      s1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wp, 16), h, s1);
      wp += 32;
    } while (wp < end);
    const o = <usize>b << 5;
    v128.store(INIT + o, i32x4.sub(v128.load(bias + o), s0));
    v128.store(INIT + o, i32x4.sub(v128.load(bias + o, 16), s1), 16);
  }
}

/**
 * M (≤ 4) activation rows (kp bytes) into SCRATCH as x ^ 0x80 in 16-byte rows [quad][pixel 0..3]
 * (a 4x4 transpose of 32-bit lanes). For M < 4 the missing pixels repeat the last row (never stored).
 */
// @ts-ignore: decorator
@inline
function vsplit(M: i32, x: usize, xs: usize, kp: i32): void {
  const f = v128.load(VK, VK_X80); // bytes 0x80 (from memory: vconst.ts)
  const x1 = M > 1 ? x + xs : x, x2 = M > 2 ? x + xs * 2 : x1, x3 = M > 3 ? x + xs * 3 : x2;
  let d = SCRATCH;
  for (let k: usize = 0; k < <usize>kp; k += 16) {
    const v0 = v128.xor(v128.load(x + k), f), v1 = v128.xor(v128.load(x1 + k), f);
    const v2 = v128.xor(v128.load(x2 + k), f), v3 = v128.xor(v128.load(x3 + k), f);
    const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5), t1 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
    const t2 = i32x4.shuffle(v2, v3, 0, 4, 1, 5), t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
    v128.store(d, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
    v128.store(d, i32x4.shuffle(t0, t2, 2, 3, 6, 7), 16);
    v128.store(d, i32x4.shuffle(t1, t3, 0, 1, 4, 5), 32);
    v128.store(d, i32x4.shuffle(t1, t3, 2, 3, 6, 7), 48);
    d += 64;
  }
}

/** M (≤ 4) pixels x 8 channels, one dot per k-quad per 4 channels; init: the block's INIT. */
// @ts-ignore: decorator
@inline
function vtile8(M: i32, F32: bool, s: usize, kp: i32, wp: usize, init: usize, scale: usize,
  y: usize, ys: usize, n: i32, c: usize): void {
  let a0 = v128.load(init), a1 = v128.load(init, 16);
  let b0 = a0, b1 = a1, c0 = a0, c1 = a1, d0 = a0, d1 = a1;
  const end = wp + (<usize>kp << 3);
  do {
    const w0 = v128.load(wp), w1 = v128.load(wp, 16);
    const xv = v128.load(s);
    let v = i32x4.shuffle(xv, xv, 0, 0, 0, 0);
    a0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, a0); a1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, a1);
    if (M > 1) {
      v = i32x4.shuffle(xv, xv, 1, 1, 1, 1);
      b0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, b0); b1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, b1);
    }
    if (M > 2) {
      v = i32x4.shuffle(xv, xv, 2, 2, 2, 2);
      c0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, c0); c1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, c1);
    }
    if (M > 3) {
      v = i32x4.shuffle(xv, xv, 3, 3, 3, 3);
      d0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, v, d0); d1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, v, d1);
    }
    wp += 32;
    s += 16;
  } while (wp < end);
  const s0 = v128.load(scale), s1 = v128.load(scale, 16);
  const magic = v128.load(c, O_MAGIC), floor = v128.load(c, O_FLOOR), shift = v128.load(c, O_SHIFT);
  if (n >= 8 && M > 1) {
    out8x2(F32, a0, a1, b0, b1, s0, s1, y, ys, c, magic, floor, shift);
    if (M > 3) out8x2(F32, c0, c1, d0, d1, s0, s1, y + ys * 2, ys, c, magic, floor, shift);
    else if (M > 2) out8(F32, c0, c1, s0, s1, y + ys * 2, n, c, magic, floor, shift);
  } else {
    out8(F32, a0, a1, s0, s1, y, n, c, magic, floor, shift);
    if (M > 1) out8(F32, b0, b1, s0, s1, y + ys, n, c, magic, floor, shift);
    if (M > 2) out8(F32, c0, c1, s0, s1, y + ys * 2, n, c, magic, floor, shift);
    if (M > 3) out8(F32, d0, d1, s0, s1, y + ys * 3, n, c, magic, floor, shift);
  }
}

/** M (≤ 4) pixels x 4 channels (the last block, when it has ≤ 4 channels). */
// @ts-ignore: decorator
@inline
function vtile4(M: i32, F32: bool, s: usize, kp: i32, wp: usize, init: usize, scale: usize,
  y: usize, ys: usize, n: i32, c: usize): void {
  let a0 = v128.load(init);
  let b0 = a0, c0 = a0, d0 = a0;
  const end = wp + (<usize>kp << 3);
  do {
    const w = v128.load(wp);
    const xv = v128.load(s);
    a0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, i32x4.shuffle(xv, xv, 0, 0, 0, 0), a0);
    if (M > 1) b0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, i32x4.shuffle(xv, xv, 1, 1, 1, 1), b0);
    if (M > 2) c0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, i32x4.shuffle(xv, xv, 2, 2, 2, 2), c0);
    if (M > 3) d0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w, i32x4.shuffle(xv, xv, 3, 3, 3, 3), d0);
    wp += 32;
    s += 16;
  } while (wp < end);
  const s0 = v128.load(scale);
  const magic = v128.load(c, O_MAGIC), floor = v128.load(c, O_FLOOR), shift = v128.load(c, O_SHIFT);
  out4(F32, a0, s0, y, n, c, magic, floor, shift);
  if (M > 1) out4(F32, b0, s0, y + ys, n, c, magic, floor, shift);
  if (M > 2) out4(F32, c0, s0, y + ys * 2, n, c, magic, floor, shift);
  if (M > 3) out4(F32, d0, s0, y + ys * 3, n, c, magic, floor, shift);
}

// @ts-ignore: decorator
@inline
function vrowTile(M: i32, F32: bool, x: usize, xs: usize, kp: i32, packed: usize, scale: usize,
  cout: i32, y: usize, ys: usize, c: usize): void {
  vsplit(M, x, xs, kp);
  const blockBytes = <usize>kp << 3;
  const eb: usize = F32 ? 4 : 1;
  let wp = packed;
  let o = 0;
  for (; o + 8 <= cout; o += 8) {
    vtile8(M, F32, SCRATCH, kp, wp, INIT + (<usize>o << 2), scale + (<usize>o << 2), y + <usize>o * eb, ys, 8, c);
    wp += blockBytes;
  }
  const n = cout - o;
  if (n > 4) {
    vtile8(M, F32, SCRATCH, kp, wp, INIT + (<usize>o << 2), scale + (<usize>o << 2), y + <usize>o * eb, ys, n, c);
  } else if (n > 0) {
    vtile4(M, F32, SCRATCH, kp, wp, INIT + (<usize>o << 2), scale + (<usize>o << 2), y + <usize>o * eb, ys, n, c);
  }
}

function vrows4(x: usize, xs: usize, kp: i32, packed: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  vrowTile(4, false, x, xs, kp, packed, scale, cout, y, ys, c);
}
function vrows3(x: usize, xs: usize, kp: i32, packed: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  vrowTile(3, false, x, xs, kp, packed, scale, cout, y, ys, c);
}
function vrows2(x: usize, xs: usize, kp: i32, packed: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  vrowTile(2, false, x, xs, kp, packed, scale, cout, y, ys, c);
}
function vrows1(x: usize, xs: usize, kp: i32, packed: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  vrowTile(1, false, x, xs, kp, packed, scale, cout, y, ys, c);
}
function vrows4f(x: usize, xs: usize, kp: i32, packed: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  vrowTile(4, true, x, xs, kp, packed, scale, cout, y, ys, c);
}
function vrowsTailF(m: i32, x: usize, xs: usize, kp: i32, packed: usize, scale: usize, cout: i32, y: usize, ys: usize, c: usize): void {
  if (m == 3) vrowTile(3, true, x, xs, kp, packed, scale, cout, y, ys, c);
  else if (m == 2) vrowTile(2, true, x, xs, kp, packed, scale, cout, y, ys, c);
  else vrowTile(1, true, x, xs, kp, packed, scale, cout, y, ys, c);
}

// ---- AVX-VNNI one-pixel form (the GEMVs: SE FCs, conv_head, classifier) ----
//
// With the roles of the VNNI form swapped: a = the pixel's k-quad (signed, broadcast), b = the
// weights ^ 0x80 = w + 128 (unsigned 1..255), so Σ_k x·(w + 128) = Σ x·w + 128·Σx: the correction
// is the pixel's own Σx, one pass over its kp activation bytes (hot), instead of the Σw pass over
// the weights (which a GEMV reads only once: they come cold from memory). ONE dot per k-quad per 4
// channels, against four for the bit planes. The weight stream stays one sequential stream (the
// c4x8 blocks in order); each block's k loop takes two k-quads (one 64-byte line) a step into two
// accumulator pairs (even and odd quads), so each vpdpbusd chain gets one dot per line and the loop
// is not bound by the dot's latency. The padding of K (w = 0, so (w + 128)·x = 128·x) is exact too:
// Σx runs over the same kp bytes, copied once into SCRATCH so the dot loop reads exactly them.

/** One pixel × every channel, VNNI form (kp ≤ KMAX, a multiple of 16; output constants set). */
// @ts-ignore: decorator
@inline
function vgemv(F32: bool, x: usize, kp: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, c: usize): void {
  let sv = i32x4.splat(0);
  for (let k: usize = 0; k < <usize>kp; k += 16) {
    const v = v128.load(x + k);
    v128.store(SCRATCH + k, v);
    sv = i32x4.add(sv, i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(v)));
  }
  const t = i32x4.add(sv, i32x4.shuffle(sv, sv, 2, 3, 0, 1));
  const corr = i32x4.shl(i32x4.add(t, i32x4.shuffle(t, t, 1, 0, 3, 2)), 7); // 128·Σx in every lane
  const flip = v128.load(VK, VK_X80); // bytes 0x80 (from memory: vconst.ts)
  const z = i32x4.splat(0);
  const magic = v128.load(c, O_MAGIC), floor = v128.load(c, O_FLOOR), shift = v128.load(c, O_SHIFT);
  const eb: usize = F32 ? 4 : 1;
  let wp = packed;
  for (let o = 0; o < cout; o += 8) {
    const bo = bias + (<usize>o << 2);
    let a0 = i32x4.sub(v128.load(bo), corr), a1 = i32x4.sub(v128.load(bo, 16), corr);
    let b0 = z, b1 = z;
    let s = SCRATCH;
    const end = wp + (<usize>kp << 3);
    do {
      const xv = v128.load64_splat(s);
      const v0 = i32x4.shuffle(xv, xv, 0, 0, 0, 0), v1 = i32x4.shuffle(xv, xv, 1, 1, 1, 1);
      a0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v0, v128.xor(v128.load(wp), flip), a0);
      a1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v0, v128.xor(v128.load(wp, 16), flip), a1);
      b0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v1, v128.xor(v128.load(wp, 32), flip), b0);
      b1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v1, v128.xor(v128.load(wp, 48), flip), b1);
      wp += 64;
      s += 8;
    } while (wp < end);
    const so = scale + (<usize>o << 2);
    const n = cout - o;
    out8(F32, i32x4.add(a0, b0), i32x4.add(a1, b1), v128.load(so), v128.load(so, 16), y + <usize>o * eb, n < 8 ? n : 8, c, magic, floor, shift);
  }
}

function vgemvI8(x: usize, kp: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, c: usize): void {
  vgemv(false, x, kp, packed, bias, scale, cout, y, c);
}
// @ts-ignore: decorator
@inline function vgemvF32(x: usize, kp: i32, packed: usize, bias: usize, scale: usize, cout: i32, y: usize, c: usize): void {
  vgemv(true, x, kp, packed, bias, scale, cout, y, c);
}

/** The VNNI form of run() (pixels ≥ VNNI_MINPX, kp ≤ KMAX, cout ≤ VNNI_CMAX; output constants set). */
function runVnni(F32: bool, x: usize, pixels: i32, kp: i32, xs: usize, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, ys: usize, c: usize): void {
  vnniInit(kp, packed, bias, cout);
  let p = 0;
  for (; p + VMR <= pixels; p += VMR) {
    if (F32) vrows4f(x, xs, kp, packed, scale, cout, y, ys, c);
    else vrows4(x, xs, kp, packed, scale, cout, y, ys, c);
    x += xs * VMR;
    y += ys * VMR;
  }
  const m = pixels - p;
  if (m == 0) return;
  if (F32) vrowsTailF(m, x, xs, kp, packed, scale, cout, y, ys, c);
  else if (m == 3) vrows3(x, xs, kp, packed, scale, cout, y, ys, c);
  else if (m == 2) vrows2(x, xs, kp, packed, scale, cout, y, ys, c);
  else vrows1(x, xs, kp, packed, scale, cout, y, ys, c);
}

// @ts-ignore: decorator
@inline
function run(F32: bool, x: usize, pixels: i32, cin: i32, xStride: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32): void {
  const kp = (cin + 15) & ~15;
  if (kp > KMAX || kp == 0) {
    slowPath(F32, x, pixels, cin, xStride, packed, bias, scale, cout, y, yStride, zpOut, qmin, qmax);
    return;
  }
  if (pixels <= 0 || cout <= 0) return;
  const c = OUT;
  if (!F32) {
    setOutput(c, zpOut, qmin, qmax);
  }
  const ys: usize = F32 ? <usize>yStride << 2 : <usize>yStride;
  const xs = <usize>xStride;
  const y0 = y;
  if (pixels == 1 && relaxedDotIsVnni()) {
    if (F32) vgemvF32(x, kp, packed, bias, scale, cout, y, c);
    else vgemvI8(x, kp, packed, bias, scale, cout, y, c);
    if (!F32 && qmax < 127) clampMaxPass(y0, pixels, cout, yStride, qmax);
    return;
  }
  if (pixels >= VNNI_MINPX && cout <= VNNI_CMAX && relaxedDotIsVnni()) {
    runVnni(F32, x, pixels, kp, xs, packed, bias, scale, cout, y, ys, c);
    if (!F32 && qmax < 127) clampMaxPass(y0, pixels, cout, yStride, qmax);
    return;
  }
  let p = 0;
  for (; p + MR <= pixels; p += MR) {
    if (F32) rows2f(x, xs, kp, packed, bias, scale, cout, y, ys, c);
    else rows2(x, xs, kp, packed, bias, scale, cout, y, ys, c);
    x += xs * MR;
    y += ys * MR;
  }
  if (p < pixels) {
    if (F32) rows1f(x, xs, kp, packed, bias, scale, cout, y, ys, c);
    else rows1(x, xs, kp, packed, bias, scale, cout, y, ys, c);
  }
  if (!F32 && qmax < 127) clampMaxPass(y0, pixels, cout, yStride, qmax);
}

// @ts-ignore: decorator
@inline export function pointwise(
  x: usize, pixels: i32, cin: i32, xStride: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  run(false, x, pixels, cin, xStride, packed, bias, scale, cout, y, yStride, zpOut, qmin, qmax);
}

// @ts-ignore: decorator
@inline export function pointwise_f32(
  x: usize, pixels: i32, cin: i32, xStride: i32, packed: usize, bias: usize, scale: usize,
  cout: i32, y: usize, yStride: i32,
): void {
  run(true, x, pixels, cin, xStride, packed, bias, scale, cout, y, yStride, 0, -128, 127);
}
