// Depthwise k×k convolution, NHWC int8 — WASM SIMD128, bit-exact with reference.ts.
//
// Vectorized over channels, 8 per step (16 in the pointer paths' main loop). Two taps are processed
// together: their int8 inputs, sign-extended to i16, are interleaved per channel, so one
// i32x4.dot_i16x8_s yields w[c][t]·x_t + w[c][u]·x_u in exact i32 for four channels.
// |w| ≤ 127 and |x| ≤ 128, so no product or pair sum can overflow.
//
// The input zero point is folded into the bias at call time (biasʹ = bias − zpIn·Σ_t w[c][t], wrapping
// i32, so exact mod 2^32 like the reference). Padding taps then read zpIn (the static ZP row, or zpIn
// entries of a row buffer): they contribute w·zpIn, which cancels the fold exactly, i.e. they act as
// x = zpIn as the contract says. So interior and border pixels run the same code.
//
// Paths (depthwiseChunk):
//   3×3, W ≤ MAXW   dw3x3Rows: per 8 channels, input rows are expanded into a ring of three row buffers
//                   of interleaved i16 column pairs; each pixel is then 6 loads + 6 dots per 4 channels
//                   with loop-invariant weights and no border tests. (Stride 2: only the even entries
//                   are built.) This is the fastest path; 3×3 is ~73% of GhostNet's depthwise MACs.
//   3×3, wider      dw3x3: nine tap pointers per pixel (ZP for padding taps), load8x8_s + shuffles.
//   1×5, 5×1 (s1)   dwLine5: five tap pointers along the kernel's axis.
//   other ≤ MAXT    dwGeneral: per-pixel table of tap pointers, pair loop (5×5 s2 runs here).
//   larger          dwHuge: scalar loops over the packed weights (correct, not fast).
//
// Packed layout (depthwise_pack), C channels → G = ceil(C/8) groups, P weight pairs per channel
// (3×3: 6 pairs within rows — (kx 0, 1), (kx 2, –) for each ky; other shapes: ceil(kh·kw/2) pairs of
// consecutive taps in (ky, kx) order):
//   [ G·8 × i32 ]         Σ_t w[c][t] per channel (0 past C)
//   [ G × P × 32 bytes ]  group g, pair k: two v128 of i16, channels 8g..8g+3 then 8g+4..8g+7, each as
//                         (w[c][first tap], w[c][second tap]); 0 for a missing tap and past C.
//
// Scratch (static memory): the ZP row and biasʹ row (MAXC channels; larger C runs in chunks of MAXC),
// the row buffers and the general path's tap table. Not reentrant (one thread, as the engine runs).
import { narrow8, narrow16, requant, requant4, rqLo, rqHi, rqBias } from '../../requant';
import { storeTail } from '../../store';

const MAXC: i32 = 4096;
const MAXT: i32 = 128;
const ZP: usize = memory.data(MAXC + 64, 16);
const BIASP: usize = memory.data(MAXC * 4 + 64, 16);
const TAPS: usize = memory.data((MAXT + 2) * 4, 16);
// Row buffers of the 3×3 row path: 3 rows × MAXW + 2 columns × 32 bytes (8 channels as i16 column pairs).
const MAXW: i32 = 254;
const PITCH: i32 = 8192; // (MAXW + 2) * 32
const ROWS: usize = memory.data(3 * PITCH + 64, 16);

/** Weight pairs per channel: 3×3 pairs taps within rows ((kx 0, 1), (kx 2, –) per row); others pair taps in (ky, kx) order. */
// @ts-ignore: decorator
@inline function pairCount(kh: i32, kw: i32): i32 {
  return kh == 3 && kw == 3 ? 6 : (kh * kw + 1) >> 1;
}

/** Byte offset of tap t's i16 weight within a group's pair block, channel lane l (0..7). */
// @ts-ignore: decorator
@inline function tapOffset(kh: i32, kw: i32, t: i32, l: i32): i32 {
  let pair = t >> 1, slot = t & 1;
  if (kh == 3 && kw == 3) {
    const kx = t % 3;
    pair = 2 * (t / 3) + (kx >> 1);
    slot = kx & 1;
  }
  return pair * 32 + (l >> 2) * 16 + (l & 3) * 4 + slot * 2;
}

export function depthwise_packed_size_simd128(C: i32, kh: i32, kw: i32): i32 {
  const G = (C + 7) >> 3;
  return 32 * G * (pairCount(kh, kw) + 1);
}

export function depthwise_pack_simd128(w: usize, C: i32, kh: i32, kw: i32, dst: usize): void {
  const T = kh * kw;
  const G = (C + 7) >> 3;
  const P = pairCount(kh, kw);
  memory.fill(dst, 0, <usize>depthwise_packed_size_simd128(C, kh, kw));
  const wts = dst + <usize>(32 * G);
  for (let c = 0; c < C; c++) {
    let sum = 0;
    const gp = wts + <usize>((c >> 3) * 32 * P);
    for (let t = 0; t < T; t++) {
      const v = <i32>load<i8>(w + <usize>(c * T + t));
      sum += v;
      store<i16>(gp + <usize>tapOffset(kh, kw, t, c & 7), <i16>v);
    }
    store<i32>(dst + (<usize>c << 2), sum);
  }
}

// acc (4 channels) += dot(interleave(a, b) of lanes 0..3, weights w[0..15])
// @ts-ignore: decorator
@inline function dotLo(acc: v128, a: v128, b: v128, w: usize): v128 {
  return i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11), v128.load(w)));
}
// acc (4 channels) += dot(interleave(a, b) of lanes 4..7, weights w[16..31])
// @ts-ignore: decorator
@inline function dotHi(acc: v128, a: v128, b: v128, w: usize): v128 {
  return i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15), v128.load(w, 16)));
}


/** Requantizes 8 channels (acc lo/hi) and stores r of them (r = 8: all) at out. */
// @ts-ignore: decorator
@inline function finish8(a0: v128, a1: v128, scale: usize, lo: v128, hi: v128, rb: v128, out: usize, r: i32): void {
  const q0 = requant4(a0, v128.load(scale), lo, hi, rb);
  const q1 = requant4(a1, v128.load(scale, 16), lo, hi, rb);
  const q = narrow8(q0, q1);
  if (r == 8) v128.store64_lane(out, q, 0);
  else storeTail(out, q, r);
}

/** Requantizes 16 channels (four accumulators) to 16 int8 lanes. */
// @ts-ignore: decorator
@inline function finish16(a0: v128, a1: v128, a2: v128, a3: v128, scale: usize, lo: v128, hi: v128, rb: v128): v128 {
  return narrow16(
    requant4(a0, v128.load(scale), lo, hi, rb), requant4(a1, v128.load(scale, 16), lo, hi, rb),
    requant4(a2, v128.load(scale, 32), lo, hi, rb), requant4(a3, v128.load(scale, 48), lo, hi, rb));
}

export function depthwise_simd128(
  x: usize, H: i32, W: i32, C: i32, xStride: i32, packed: usize, bias: usize, scale: usize,
  kh: i32, kw: i32, stride: i32, zpIn: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  const G = (C + 7) >> 3;
  const P = pairCount(kh, kw);
  const wts = packed + <usize>(32 * G);
  for (let c0 = 0; c0 < C; c0 += MAXC) {
    const n = min(MAXC, C - c0);
    const off = <usize>c0;
    depthwiseChunk(x + off, H, W, n, xStride, packed + (off << 2), wts + <usize>((c0 >> 3) * 32 * P), bias + (off << 2),
      scale + (off << 2), kh, kw, stride, zpIn, y + off, yStride, zpOut, qmin, qmax);
  }
}

function depthwiseChunk(
  x: usize, H: i32, W: i32, C: i32, xStride: i32, sumw: usize, wts: usize, bias: usize, scale: usize,
  kh: i32, kw: i32, stride: i32, zpIn: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  // The zero-point row that padding taps read, and biasʹ = bias − zpIn·Σw.
  const zp8 = i8x16.splat(<i8>zpIn);
  for (let c = 0; c < C + 16; c += 16) v128.store(ZP + <usize>c, zp8);
  const zp32 = i32x4.splat(zpIn);
  for (let c = 0; c < C; c += 4) {
    const o = <usize>c << 2;
    v128.store(BIASP + o, i32x4.sub(v128.load(bias + o), i32x4.mul(zp32, v128.load(sumw + o))));
  }
  if (kh == 3 && kw == 3) {
    if (W <= MAXW) dw3x3Rows(x, H, W, C, xStride, wts, scale, stride, y, yStride, zpOut, qmin, qmax, zpIn);
    else dw3x3(x, H, W, C, xStride, wts, scale, stride, y, yStride, zpOut, qmin, qmax);
  } else if (stride == 1 && ((kh == 1 && kw == 5) || (kh == 5 && kw == 1))) {
    dwLine5(x, H, W, C, xStride, wts, scale, kh == 5, y, yStride, zpOut, qmin, qmax);
  } else if (kh * kw <= MAXT) {
    dwGeneral(x, H, W, C, xStride, wts, scale, kh, kw, stride, y, yStride, zpOut, qmin, qmax);
  } else {
    dwHuge(x, H, W, C, xStride, wts, scale, kh, kw, stride, zpIn, y, yStride, zpOut, qmin, qmax);
  }
}

/** 3×3, any stride, pad 1 (any width). Nine tap pointers per pixel (ZP for padding taps), six row pairs. */
function dw3x3(
  x: usize, H: i32, W: i32, C: i32, xStride: i32, wts: usize, scale: usize, stride: i32,
  y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  const OH = (H - 1) / stride + 1;
  const OW = (W - 1) / stride + 1;
  const lo = rqLo(zpOut, qmin);
  const hi = rqHi(zpOut, qmax);
  const rb = rqBias(zpOut);
  const xs = <usize>xStride;
  const rs = <usize>(W * xStride);
  const full16 = C & ~15;
  const zpRow = ZP;
  let out = y;
  for (let oy = 0; oy < OH; oy++) {
    const iy = oy * stride - 1;
    const v0 = iy >= 0;
    const v2 = iy + 2 < H;
    const rowIn = v0 && v2;
    const row = x + <usize>(iy * W * xStride); // row iy (not dereferenced when invalid)
    for (let ox = 0; ox < OW; ox++) {
      const ix = ox * stride - 1;
      const p = row + <usize>(ix * xStride);
      let p00: usize, p01: usize, p02: usize, p10: usize, p11: usize, p12: usize, p20: usize, p21: usize, p22: usize;
      if (rowIn && ix >= 0 && ix + 2 < W) {
        p00 = p; p01 = p + xs; p02 = p + 2 * xs;
        p10 = p + rs; p11 = p10 + xs; p12 = p10 + 2 * xs;
        p20 = p + 2 * rs; p21 = p20 + xs; p22 = p20 + 2 * xs;
      } else {
        const c0 = ix >= 0;
        const c2 = ix + 2 < W;
        const v1 = iy + 1 < H; // iy + 1 >= 0 always
        const c1 = ix + 1 < W;
        p00 = select<usize>(p, zpRow, v0 && c0);
        p01 = select<usize>(p + xs, zpRow, v0 && c1);
        p02 = select<usize>(p + 2 * xs, zpRow, v0 && c2);
        p10 = select<usize>(p + rs, zpRow, v1 && c0);
        p11 = select<usize>(p + rs + xs, zpRow, v1 && c1);
        p12 = select<usize>(p + rs + 2 * xs, zpRow, v1 && c2);
        p20 = select<usize>(p + 2 * rs, zpRow, v2 && c0);
        p21 = select<usize>(p + 2 * rs + xs, zpRow, v2 && c1);
        p22 = select<usize>(p + 2 * rs + 2 * xs, zpRow, v2 && c2);
      }
      let w = wts;
      let c = 0;
      for (; c < full16; c += 16) {
        const o = <usize>c;
        let a0 = v128.load(BIASP + (o << 2));
        let a1 = v128.load(BIASP + (o << 2), 16);
        let a2 = v128.load(BIASP + (o << 2), 32);
        let a3 = v128.load(BIASP + (o << 2), 48);
        let xa: v128, xb: v128;
        xa = v128.load8x8_s(p00 + o);
        xb = v128.load8x8_s(p01 + o);
        a0 = dotLo(a0, xa, xb, w + 0); a1 = dotHi(a1, xa, xb, w + 0);
        xa = v128.load8x8_s(p00 + o, 8);
        xb = v128.load8x8_s(p01 + o, 8);
        a2 = dotLo(a2, xa, xb, w + 192); a3 = dotHi(a3, xa, xb, w + 192);
        xa = v128.load8x8_s(p02 + o);
        xb = xa; // partner weight is 0
        a0 = dotLo(a0, xa, xb, w + 32); a1 = dotHi(a1, xa, xb, w + 32);
        xa = v128.load8x8_s(p02 + o, 8);
        xb = xa; // partner weight is 0
        a2 = dotLo(a2, xa, xb, w + 224); a3 = dotHi(a3, xa, xb, w + 224);
        xa = v128.load8x8_s(p10 + o);
        xb = v128.load8x8_s(p11 + o);
        a0 = dotLo(a0, xa, xb, w + 64); a1 = dotHi(a1, xa, xb, w + 64);
        xa = v128.load8x8_s(p10 + o, 8);
        xb = v128.load8x8_s(p11 + o, 8);
        a2 = dotLo(a2, xa, xb, w + 256); a3 = dotHi(a3, xa, xb, w + 256);
        xa = v128.load8x8_s(p12 + o);
        xb = xa; // partner weight is 0
        a0 = dotLo(a0, xa, xb, w + 96); a1 = dotHi(a1, xa, xb, w + 96);
        xa = v128.load8x8_s(p12 + o, 8);
        xb = xa; // partner weight is 0
        a2 = dotLo(a2, xa, xb, w + 288); a3 = dotHi(a3, xa, xb, w + 288);
        xa = v128.load8x8_s(p20 + o);
        xb = v128.load8x8_s(p21 + o);
        a0 = dotLo(a0, xa, xb, w + 128); a1 = dotHi(a1, xa, xb, w + 128);
        xa = v128.load8x8_s(p20 + o, 8);
        xb = v128.load8x8_s(p21 + o, 8);
        a2 = dotLo(a2, xa, xb, w + 320); a3 = dotHi(a3, xa, xb, w + 320);
        xa = v128.load8x8_s(p22 + o);
        xb = xa; // partner weight is 0
        a0 = dotLo(a0, xa, xb, w + 160); a1 = dotHi(a1, xa, xb, w + 160);
        xa = v128.load8x8_s(p22 + o, 8);
        xb = xa; // partner weight is 0
        a2 = dotLo(a2, xa, xb, w + 352); a3 = dotHi(a3, xa, xb, w + 352);
        v128.store(out + o, finish16(a0, a1, a2, a3, scale + (o << 2), lo, hi, rb));
        w += 384;
      }
      // The last 8-channel groups, the final one partial (its loads read past C within the arena slack).
      for (; c < C; c += 8) {
        const o = <usize>c;
        let a0 = v128.load(BIASP + (o << 2));
        let a1 = v128.load(BIASP + (o << 2), 16);
        let xa: v128, xb: v128;
        xa = v128.load8x8_s(p00 + o);
        xb = v128.load8x8_s(p01 + o);
        a0 = dotLo(a0, xa, xb, w + 0); a1 = dotHi(a1, xa, xb, w + 0);
        xa = v128.load8x8_s(p02 + o);
        xb = xa; // partner weight is 0
        a0 = dotLo(a0, xa, xb, w + 32); a1 = dotHi(a1, xa, xb, w + 32);
        xa = v128.load8x8_s(p10 + o);
        xb = v128.load8x8_s(p11 + o);
        a0 = dotLo(a0, xa, xb, w + 64); a1 = dotHi(a1, xa, xb, w + 64);
        xa = v128.load8x8_s(p12 + o);
        xb = xa; // partner weight is 0
        a0 = dotLo(a0, xa, xb, w + 96); a1 = dotHi(a1, xa, xb, w + 96);
        xa = v128.load8x8_s(p20 + o);
        xb = v128.load8x8_s(p21 + o);
        a0 = dotLo(a0, xa, xb, w + 128); a1 = dotHi(a1, xa, xb, w + 128);
        xa = v128.load8x8_s(p22 + o);
        xb = xa; // partner weight is 0
        a0 = dotLo(a0, xa, xb, w + 160); a1 = dotHi(a1, xa, xb, w + 160);
        finish8(a0, a1, scale + (o << 2), lo, hi, rb, out + o, min(8, C - c));
        w += 192;
      }
      out += <usize>yStride;
    }
  }
}

/**
 * 3×3, any stride, W ≤ MAXW: per group of 8 channels, input rows are expanded into row buffers of
 * i16 column pairs, B[j] = (col j-1, col j) per channel (padding columns and rows are zpIn), kept in a
 * ring of three so each input row is expanded once (stride 1) or at most twice (stride 2) rather than
 * three times. Each output pixel is then six dot products on consecutive buffer entries (B[ox·s] with
 * (w0, w1), B[ox·s + 2] with (w2, 0), per row): no shuffles, no borders in the pixel loop, and the
 * group's twelve weight vectors stay loop-invariant over the whole plane.
 */
/**
 * Row buffer of the 3×3 path, stride ≠ 2: B[j] = (pc[j], pc[j+1]) as i16 pairs per channel, j = 0..W+1,
 * where pc[j] is image column j - 1 of the row, or zpIn outside the image (all zpIn when !valid).
 */
// @ts-ignore: decorator
@inline function buildRowS1(b: usize, p: usize, valid: bool, W: i32, xs: usize, zp16: v128): void {
  if (!valid) {
    for (let j = 0; j <= W + 1; j++) {
      v128.store(b, zp16);
      v128.store(b, zp16, 16);
      b += 32;
    }
    return;
  }
  let prev = zp16;
  for (let j = 0; j < W; j++) {
    const cur = v128.load8x8_s(p);
    v128.store(b, i16x8.shuffle(prev, cur, 0, 8, 1, 9, 2, 10, 3, 11));
    v128.store(b, i16x8.shuffle(prev, cur, 4, 12, 5, 13, 6, 14, 7, 15), 16);
    prev = cur;
    p += xs;
    b += 32;
  }
  v128.store(b, i16x8.shuffle(prev, zp16, 0, 8, 1, 9, 2, 10, 3, 11));
  v128.store(b, i16x8.shuffle(prev, zp16, 4, 12, 5, 13, 6, 14, 7, 15), 16);
  v128.store(b, zp16, 32);
  v128.store(b, zp16, 48);
}

/** Stride 2: only the even entries are used, stored compactly: E[m] = B[2m] = (pc[2m], pc[2m+1]), m = 0..OW. */
// @ts-ignore: decorator
@inline function buildRowS2(b: usize, p: usize, valid: bool, W: i32, OW: i32, xs: usize, zp16: v128): void {
  let m = 0;
  if (valid) {
    // m = 0: (pad, col 0)
    let cur = v128.load8x8_s(p);
    v128.store(b, i16x8.shuffle(zp16, cur, 0, 8, 1, 9, 2, 10, 3, 11));
    v128.store(b, i16x8.shuffle(zp16, cur, 4, 12, 5, 13, 6, 14, 7, 15), 16);
    b += 32;
    m = 1;
    p += xs; // column 2m - 1
    for (; 2 * m < W; m++) {
      const a = v128.load8x8_s(p);
      cur = v128.load8x8_s(p + xs);
      v128.store(b, i16x8.shuffle(a, cur, 0, 8, 1, 9, 2, 10, 3, 11));
      v128.store(b, i16x8.shuffle(a, cur, 4, 12, 5, 13, 6, 14, 7, 15), 16);
      p += 2 * xs;
      b += 32;
    }
    if (2 * m - 1 < W) {
      // (col W - 1, pad)
      const a = v128.load8x8_s(p);
      v128.store(b, i16x8.shuffle(a, zp16, 0, 8, 1, 9, 2, 10, 3, 11));
      v128.store(b, i16x8.shuffle(a, zp16, 4, 12, 5, 13, 6, 14, 7, 15), 16);
      b += 32;
      m++;
    }
  }
  for (; m <= OW; m++) {
    v128.store(b, zp16);
    v128.store(b, zp16, 16);
    b += 32;
  }
}

function dw3x3Rows(
  x: usize, H: i32, W: i32, C: i32, xStride: i32, wts: usize, scale: usize, stride: i32,
  y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32, zpIn: i32,
): void {
  const OH = (H - 1) / stride + 1;
  const OW = (W - 1) / stride + 1;
  const lo = rqLo(zpOut, qmin);
  const hi = rqHi(zpOut, qmax);
  const rb = rqBias(zpOut);
  const zp16 = i16x8.splat(<i16>zpIn);
  const xs = <usize>xStride;
  const ys = <usize>yStride;
  const rowBytes = W * xStride;
  for (let c = 0; c < C; c += 8) {
    const o = <usize>c;
    const w = wts + <usize>(c * 24); // 192 bytes per group of 8
    // Ring of three row buffers holding input rows oy·stride − 1 + (0, 1, 2). Going down one output
    // row, stride 1 rebuilds one row and stride 2 two (the third is the previous bottom row); other
    // strides rebuild all three.
    let r0 = ROWS, r1 = ROWS + <usize>PITCH, r2 = ROWS + <usize>(2 * PITCH);
    const b0 = v128.load(BIASP + (o << 2));
    const b1 = v128.load(BIASP + (o << 2), 16);
    const w0 = v128.load(w), w1 = v128.load(w, 16), w2 = v128.load(w, 32), w3 = v128.load(w, 48);
    const w4 = v128.load(w, 64), w5 = v128.load(w, 80), w6 = v128.load(w, 96), w7 = v128.load(w, 112);
    const w8 = v128.load(w, 128), w9 = v128.load(w, 144), w10 = v128.load(w, 160), w11 = v128.load(w, 176);
    const sc = scale + (o << 2);
    const rr = min(8, C - c);
    for (let oy = 0; oy < OH; oy++) {
      const iy0 = oy * stride - 1;
      let first = 0; // first ring slot to (re)build
      if (oy > 0 && stride == 1) {
        const t = r0; r0 = r1; r1 = r2; r2 = t;
        first = 2;
      } else if (oy > 0 && stride == 2) {
        const t = r0; r0 = r2; r2 = t;
        first = 1;
      }
      for (let k = first; k < 3; k++) {
        const iy = iy0 + k;
        const b = k == 0 ? r0 : k == 1 ? r1 : r2;
        const p = x + <usize>(iy * rowBytes + c);
        if (stride == 2) buildRowS2(b, p, iy >= 0 && iy < H, W, OW, xs, zp16);
        else buildRowS1(b, p, iy >= 0 && iy < H, W, xs, zp16);
      }
      let q0 = r0, q1 = r1, q2 = r2;
      let out = y + <usize>(oy * OW) * ys + o;
      if (stride == 2) {
        for (let ox = 0; ox < OW; ox++) {
          let a0 = i32x4.add(b0, i32x4.dot_i16x8_s(v128.load(q0), w0));
          let a1 = i32x4.add(b1, i32x4.dot_i16x8_s(v128.load(q0, 16), w1));
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load(q0, 32), w2));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v128.load(q0, 48), w3));
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load(q1), w4));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v128.load(q1, 16), w5));
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load(q1, 32), w6));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v128.load(q1, 48), w7));
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load(q2), w8));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v128.load(q2, 16), w9));
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load(q2, 32), w10));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v128.load(q2, 48), w11));
          finish8(a0, a1, sc, lo, hi, rb, out, rr);
          q0 += 32; q1 += 32; q2 += 32;
          out += ys;
        }
      } else {
        const step = <usize>(32 * stride);
        for (let ox = 0; ox < OW; ox++) {
          let a0 = i32x4.add(b0, i32x4.dot_i16x8_s(v128.load(q0), w0));
          let a1 = i32x4.add(b1, i32x4.dot_i16x8_s(v128.load(q0, 16), w1));
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load(q0, 64), w2));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v128.load(q0, 80), w3));
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load(q1), w4));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v128.load(q1, 16), w5));
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load(q1, 64), w6));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v128.load(q1, 80), w7));
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load(q2), w8));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v128.load(q2, 16), w9));
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load(q2, 64), w10));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v128.load(q2, 80), w11));
          finish8(a0, a1, sc, lo, hi, rb, out, rr);
          q0 += step; q1 += step; q2 += step;
          out += ys;
        }
      }
    }
  }
}

/** 1×5 (vertical = false) or 5×1 (vertical = true), stride 1, pad 2 along the kernel's axis. */
function dwLine5(
  x: usize, H: i32, W: i32, C: i32, xStride: i32, wts: usize, scale: usize, vertical: bool,
  y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  const lo = rqLo(zpOut, qmin);
  const hi = rqHi(zpOut, qmax);
  const rb = rqBias(zpOut);
  const ts = <usize>(vertical ? W * xStride : xStride); // tap step
  const zpRow = ZP;
  let out = y;
  for (let oy = 0; oy < H; oy++) {
    for (let ox = 0; ox < W; ox++) {
      const u = vertical ? oy : ox; // position along the kernel axis
      const L = vertical ? H : W;
      const p2 = x + <usize>((oy * W + ox) * xStride);
      let p0: usize, p1: usize, p3: usize, p4: usize;
      if (u >= 2 && u + 2 < L) {
        p0 = p2 - 2 * ts; p1 = p2 - ts; p3 = p2 + ts; p4 = p2 + 2 * ts;
      } else {
        p0 = select<usize>(p2 - 2 * ts, zpRow, u >= 2);
        p1 = select<usize>(p2 - ts, zpRow, u >= 1);
        p3 = select<usize>(p2 + ts, zpRow, u + 1 < L);
        p4 = select<usize>(p2 + 2 * ts, zpRow, u + 2 < L);
      }
      let w = wts;
      for (let c = 0; c < C; c += 8) { // the last group may be partial (loads past C stay in the arena slack)
        const o = <usize>c;
        let a0 = v128.load(BIASP + (o << 2));
        let a1 = v128.load(BIASP + (o << 2), 16);
        let xa: v128, xb: v128;
        xa = v128.load8x8_s(p0 + o);
        xb = v128.load8x8_s(p1 + o);
        a0 = dotLo(a0, xa, xb, w + 0); a1 = dotHi(a1, xa, xb, w + 0);
        xa = v128.load8x8_s(p2 + o);
        xb = v128.load8x8_s(p3 + o);
        a0 = dotLo(a0, xa, xb, w + 32); a1 = dotHi(a1, xa, xb, w + 32);
        xa = v128.load8x8_s(p4 + o);
        xb = xa; // partner weight is 0
        a0 = dotLo(a0, xa, xb, w + 64); a1 = dotHi(a1, xa, xb, w + 64);
        finish8(a0, a1, scale + (o << 2), lo, hi, rb, out + o, min(8, C - c));
        w += 96;
      }
      out += <usize>yStride;
    }
  }
}

/** Any kh×kw (≤ MAXT taps), any stride: a per-pixel table of tap pointers, pairs in a loop. */
function dwGeneral(
  x: usize, H: i32, W: i32, C: i32, xStride: i32, wts: usize, scale: usize, kh: i32, kw: i32, stride: i32,
  y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  const ph = kh >> 1;
  const pw = kw >> 1;
  const OH = (H + 2 * ph - kh) / stride + 1;
  const OW = (W + 2 * pw - kw) / stride + 1;
  const T = kh * kw;
  const P = (T + 1) >> 1;
  const lo = rqLo(zpOut, qmin);
  const hi = rqHi(zpOut, qmax);
  const rb = rqBias(zpOut);
  const zpRow = ZP;
  store<usize>(TAPS + (<usize>T << 2), zpRow); // partner of the last tap when T is odd (weight 0)
  let out = y;
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      let t = TAPS;
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * stride - ph + ky;
        const vy = iy >= 0 && iy < H;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * stride - pw + kx;
          store<usize>(t, select<usize>(x + <usize>((iy * W + ix) * xStride), zpRow, vy && ix >= 0 && ix < W));
          t += 4;
        }
      }
      let w = wts;
      for (let c = 0; c < C; c += 8) {
        const o = <usize>c;
        let a0 = v128.load(BIASP + (o << 2));
        let a1 = v128.load(BIASP + (o << 2), 16);
        let tp = TAPS;
        for (let k = 0; k < P; k++) {
          const xa = v128.load8x8_s(load<usize>(tp) + o);
          const xb = v128.load8x8_s(load<usize>(tp, 4) + o);
          a0 = dotLo(a0, xa, xb, w);
          a1 = dotHi(a1, xa, xb, w);
          tp += 8;
          w += 32;
        }
        finish8(a0, a1, scale + (o << 2), lo, hi, rb, out + o, min(8, C - c));
      }
      out += <usize>yStride;
    }
  }
}

/** Kernels with more than MAXT taps: plain scalar loops over the packed weights (correct, not fast). */
function dwHuge(
  x: usize, H: i32, W: i32, C: i32, xStride: i32, wts: usize, scale: usize, kh: i32, kw: i32, stride: i32,
  zpIn: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  const ph = kh >> 1;
  const pw = kw >> 1;
  const OH = (H + 2 * ph - kh) / stride + 1;
  const OW = (W + 2 * pw - kw) / stride + 1;
  const P = (kh * kw + 1) >> 1;
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      const out = y + <usize>((oy * OW + ox) * yStride);
      for (let c = 0; c < C; c++) {
        const wc = wts + <usize>((c >> 3) * 32 * P + ((c & 7) >> 2) * 16 + (c & 3) * 4);
        let acc = load<i32>(BIASP + (<usize>c << 2));
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * stride - ph + ky;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * stride - pw + kx;
            const t = ky * kw + kx;
            const xv = iy >= 0 && iy < H && ix >= 0 && ix < W ? <i32>load<i8>(x + <usize>((iy * W + ix) * xStride + c)) : zpIn;
            acc += <i32>load<i16>(wc + <usize>((t >> 1) * 32 + (t & 1) * 2)) * xv;
          }
        }
        store<i8>(out + <usize>c, <i8>requant(acc, load<f32>(scale + (<usize>c << 2)), zpOut, qmin, qmax));
      }
    }
  }
}
