// Pillow's 8-bit resampling passes — WASM SIMD128, bit-exact with reference.ts.
//
// The products are formed with i32x4.dot_i16x8_s. A 22-bit weight does not fit in i16, so each is
// split as k = kh·2^11 + kl with kl = k & 2047 ∈ [0, 2048) and kh = k >> 11 ∈ [-1024, 2048]; pixels
// are 0..255. Then Σ p·k = (Σ p·kh << 11) + Σ p·kl, evaluated mod 2^32 — exact, because the true
// sum (and the reference's int32 accumulator) never leaves the int32 range (see resample.ts).
// Clipping is the saturating narrows i32 → i16 → u8, which equal clip8 on (s >> 22).
//
// Horizontal, C = 3: one v128 load is 4 RGBA pixels = 4 taps; a byte shuffle makes it
// [R0..R3 G0..G3 B0..B3 A0..A3], widened to two i16x8 and dotted with [kh0..kh3, kh0..kh3] →
// [R01 R23 G01 G23], [B01 B23 A01 A23] (alpha is computed and dropped, never stored).
// Horizontal, C = 1: 8 taps a step (load8x8_u), four output columns reduced together.
// Vertical: 16 output bytes a step, two tap rows interleaved byte-wise and dotted with [kh_a kh_b].
// Taps are padded to the group size with zero weights, so loads may run up to 12 (C = 3) or
// 7 (C = 1) bytes past the last tap; the caller's buffers have slack (arena.ts). Stores are exact.
import { storeTail } from '../../store';
import { HALF, PRECISION_BITS } from './reference';

// @ts-ignore: decorator
@inline function group(C: i32): i32 {
  return C == 1 ? 8 : 4;
}

/** Bytes of packed weights for nx columns of `ksize` taps. */
export function resample_h_packed_size_simd128(nx: i32, ksize: i32, C: i32): i32 {
  const g = group(C);
  return nx * ((ksize + g - 1) / g) * 32;
}

/**
 * Packs plain i32 weights k[nx][ksize] (count[j] of them used) for resample_h_simd128: per column,
 * ceil(ksize / g) groups of [kh × 8 lanes][kl × 8 lanes] (i16), zero past count[j]. For C = 3 a group is
 * 4 taps repeated twice (one per i16x8 half), for C = 1 8 taps.
 */
export function resample_h_pack_simd128(k: usize, count: usize, nx: i32, ksize: i32, C: i32, dst: usize): void {
  const g = group(C);
  const groups = (ksize + g - 1) / g;
  for (let j = 0; j < nx; j++) {
    const n = load<i32>(count + (<usize>j << 2));
    const kj = k + <usize>(j * ksize) * 4;
    const base = dst + <usize>(j * groups) * 32;
    for (let gi = 0; gi < groups; gi++) {
      const q = base + <usize>gi * 32;
      for (let l = 0; l < 8; l++) {
        const t = gi * g + (l & (g - 1));
        const w = t < n ? load<i32>(kj + (<usize>t << 2)) : 0;
        store<i16>(q + (<usize>l << 1), <i16>(w >> 11));
        store<i16>(q + 16 + (<usize>l << 1), <i16>(w & 2047));
      }
    }
  }
}

// @ts-ignore: decorator
@inline function combine(h: v128, l: v128): v128 {
  return i32x4.add(i32x4.shl(h, 11), l);
}

/** 4 RGBA pixels as [R0..R3 G0..G3 B0..B3 A0..A3]. */
// @ts-ignore: decorator
@inline function planar4(p: usize): v128 {
  const v = v128.load(p);
  return i8x16.shuffle(v, v, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
}

/**
 * One RGB output column: [R G B A] sums (without the rounding term) over `groups` (≥ 1: the pack
 * writes at least one, zero-weighted past count) groups of 4 taps. The first group starts the
 * accumulators (most columns of a ≤ 2× downscale have one group: no adds to zero).
 */
// @ts-ignore: decorator
@inline function columnRgb(p: usize, kp: usize, groups: i32): v128 {
  let t = planar4(p);
  let lo = i16x8.extend_low_i8x16_u(t),
    hi = i16x8.extend_high_i8x16_u(t);
  let kh = v128.load(kp),
    kl = v128.load(kp, 16);
  let lh = i32x4.dot_i16x8_s(lo, kh),
    ll = i32x4.dot_i16x8_s(lo, kl),
    hh = i32x4.dot_i16x8_s(hi, kh),
    hl = i32x4.dot_i16x8_s(hi, kl);
  for (let g = 1; g < groups; g++) {
    p += 16;
    kp += 32;
    t = planar4(p);
    lo = i16x8.extend_low_i8x16_u(t);
    hi = i16x8.extend_high_i8x16_u(t);
    kh = v128.load(kp);
    kl = v128.load(kp, 16);
    lh = i32x4.add(lh, i32x4.dot_i16x8_s(lo, kh));
    ll = i32x4.add(ll, i32x4.dot_i16x8_s(lo, kl));
    hh = i32x4.add(hh, i32x4.dot_i16x8_s(hi, kh));
    hl = i32x4.add(hl, i32x4.dot_i16x8_s(hi, kl));
  }
  const a = combine(lh, ll); // [R01 R23 G01 G23]
  const b = combine(hh, hl); // [B01 B23 A01 A23]
  return i32x4.add(v128.shuffle<i32>(a, b, 0, 2, 4, 6), v128.shuffle<i32>(a, b, 1, 3, 5, 7));
}

/** One gray output column: four partial sums (without the rounding term) over `groups` (≥ 1) groups of 8 taps. */
// @ts-ignore: decorator
@inline function columnGray(p: usize, kp: usize, groups: i32): v128 {
  let v = v128.load8x8_u(p);
  let h = i32x4.dot_i16x8_s(v, v128.load(kp)),
    l = i32x4.dot_i16x8_s(v, v128.load(kp, 16));
  for (let g = 1; g < groups; g++) {
    p += 8;
    kp += 32;
    v = v128.load8x8_u(p);
    h = i32x4.add(h, i32x4.dot_i16x8_s(v, v128.load(kp)));
    l = i32x4.add(l, i32x4.dot_i16x8_s(v, v128.load(kp, 16)));
  }
  return combine(h, l);
}

// @ts-ignore: decorator
@inline function round22(s: v128, half: v128): v128 {
  return i32x4.shr_s(i32x4.add(s, half), PRECISION_BITS);
}

export function resample_h_simd128(
  src: usize, srcStride: i32, rows: i32, start: usize, count: usize, packed: usize, ksize: i32, nx: i32, C: i32,
  dst: usize, dstStride: i32,
): void {
  const half = i32x4.splat(HALF);
  const g = group(C);
  const colBytes = <usize>((ksize + g - 1) / g) * 32;
  const nx4 = nx & ~3;
  for (let r = 0; r < rows; r++) {
    const row = src + <usize>(r * srcStride);
    const out = dst + <usize>(r * dstStride);
    let kp = packed;
    let j = 0;
    if (C == 1) {
      for (; j < nx4; j += 4) {
        const js = start + (<usize>j << 2), jc = count + (<usize>j << 2);
        const c0 = columnGray(row + <usize>load<i32>(js), kp, (load<i32>(jc) + 7) >> 3);
        const c1 = columnGray(row + <usize>load<i32>(js, 4), kp + colBytes, (load<i32>(jc, 4) + 7) >> 3);
        const c2 = columnGray(row + <usize>load<i32>(js, 8), kp + 2 * colBytes, (load<i32>(jc, 8) + 7) >> 3);
        const c3 = columnGray(row + <usize>load<i32>(js, 12), kp + 3 * colBytes, (load<i32>(jc, 12) + 7) >> 3);
        // Transpose-reduce: [Σc0 Σc1 Σc2 Σc3].
        const s01 = i32x4.add(v128.shuffle<i32>(c0, c1, 0, 1, 4, 5), v128.shuffle<i32>(c0, c1, 2, 3, 6, 7));
        const s23 = i32x4.add(v128.shuffle<i32>(c2, c3, 0, 1, 4, 5), v128.shuffle<i32>(c2, c3, 2, 3, 6, 7));
        const s = i32x4.add(v128.shuffle<i32>(s01, s23, 0, 2, 4, 6), v128.shuffle<i32>(s01, s23, 1, 3, 5, 7));
        const n16 = i16x8.narrow_i32x4_s(round22(s, half), half);
        v128.store32_lane(out + <usize>j, i8x16.narrow_i16x8_u(n16, n16), 0);
        kp += 4 * colBytes;
      }
      for (; j < nx; j++) {
        const c = columnGray(row + <usize>load<i32>(start + (<usize>j << 2)), kp, (load<i32>(count + (<usize>j << 2)) + 7) >> 3);
        const s = i32x4.extract_lane(c, 0) + i32x4.extract_lane(c, 1) + i32x4.extract_lane(c, 2) + i32x4.extract_lane(c, 3) + HALF;
        const v = s >> PRECISION_BITS;
        store<u8>(out + <usize>j, <u8>(v < 0 ? 0 : v > 255 ? 255 : v));
        kp += colBytes;
      }
    } else {
      for (; j < nx4; j += 4) {
        const js = start + (<usize>j << 2), jc = count + (<usize>j << 2);
        const c0 = round22(columnRgb(row + (<usize>load<i32>(js) << 2), kp, (load<i32>(jc) + 3) >> 2), half);
        const c1 = round22(columnRgb(row + (<usize>load<i32>(js, 4) << 2), kp + colBytes, (load<i32>(jc, 4) + 3) >> 2), half);
        const c2 = round22(columnRgb(row + (<usize>load<i32>(js, 8) << 2), kp + 2 * colBytes, (load<i32>(jc, 8) + 3) >> 2), half);
        const c3 = round22(columnRgb(row + (<usize>load<i32>(js, 12) << 2), kp + 3 * colBytes, (load<i32>(jc, 12) + 3) >> 2), half);
        const b = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(c0, c1), i16x8.narrow_i32x4_s(c2, c3));
        // [R0 G0 B0 A0 R1 ...] → 12 bytes of RGB.
        const rgb = i8x16.shuffle(b, b, 0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0, 0, 0, 0);
        const o = out + <usize>(j * 3);
        v128.store64_lane(o, rgb, 0);
        v128.store32_lane(o, rgb, 2, 8);
        kp += 4 * colBytes;
      }
      for (; j < nx; j++) {
        const c = round22(columnRgb(row + (<usize>load<i32>(start + (<usize>j << 2)) << 2), kp, (load<i32>(count + (<usize>j << 2)) + 3) >> 2), half);
        const n16 = i16x8.narrow_i32x4_s(c, c);
        const b = i8x16.narrow_i16x8_u(n16, n16);
        const o = out + <usize>(j * 3);
        v128.store16_lane(o, b, 0);
        v128.store8_lane(o, b, 2, 2);
        kp += colBytes;
      }
    }
  }
}

export function resample_v_simd128(
  ring: usize, ringRows: i32, ringStride: i32, width: i32, start: usize, count: usize, k: usize, ksize: i32, ny: i32,
  dst: usize, dstStride: i32,
): void {
  const half = i32x4.splat(HALF);
  const R = <u32>ringRows;
  const rs = <usize>ringStride;
  for (let i = 0; i < ny; i++) {
    const n = load<i32>(count + (<usize>i << 2));
    const r0 = <u32>load<i32>(start + (<usize>i << 2)) % R;
    const kb = k + <usize>(i * ksize) * 4;
    const out = dst + <usize>(i * dstStride);
    for (let x = 0; x < width; x += 16) {
      const col = ring + <usize>x;
      let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      let b0 = a0, b1 = a0, b2 = a0, b3 = a0;
      let r = r0;
      for (let t = 0; t < n; t += 2) {
        const wa = load<i32>(kb + (<usize>t << 2));
        const pa = col + <usize>r * rs;
        if (++r == R) r = 0;
        let wb = 0;
        let pb = pa;
        if (t + 1 < n) {
          wb = load<i32>(kb + (<usize>t << 2), 4);
          pb = col + <usize>r * rs;
          if (++r == R) r = 0;
        }
        const kh = i32x4.splat(((wa >> 11) & 0xffff) | ((wb >> 11) << 16));
        const kl = i32x4.splat((wa & 2047) | ((wb & 2047) << 16));
        const va = v128.load(pa);
        const vb = v128.load(pb);
        const lo = i8x16.shuffle(va, vb, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const hi = i8x16.shuffle(va, vb, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const e0 = i16x8.extend_low_i8x16_u(lo);
        const e1 = i16x8.extend_high_i8x16_u(lo);
        const e2 = i16x8.extend_low_i8x16_u(hi);
        const e3 = i16x8.extend_high_i8x16_u(hi);
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(e0, kh));
        b0 = i32x4.add(b0, i32x4.dot_i16x8_s(e0, kl));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(e1, kh));
        b1 = i32x4.add(b1, i32x4.dot_i16x8_s(e1, kl));
        a2 = i32x4.add(a2, i32x4.dot_i16x8_s(e2, kh));
        b2 = i32x4.add(b2, i32x4.dot_i16x8_s(e2, kl));
        a3 = i32x4.add(a3, i32x4.dot_i16x8_s(e3, kh));
        b3 = i32x4.add(b3, i32x4.dot_i16x8_s(e3, kl));
      }
      const s0 = round22(combine(a0, b0), half);
      const s1 = round22(combine(a1, b1), half);
      const s2 = round22(combine(a2, b2), half);
      const s3 = round22(combine(a3, b3), half);
      const res = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(s0, s1), i16x8.narrow_i32x4_s(s2, s3));
      if (x + 16 <= width) v128.store(out + <usize>x, res);
      else storeTail(out + <usize>x, res, width - x);
    }
  }
}

/**
 * Pillow's convert('L'): L = (R·19595 + G·38470 + B·7471 + 0x8000) >> 16. Per 4 pixels, the RGBA
 * bytes as i16 lanes [R | G<<8, B | A<<8] are split without widening: `lo` = v & 0x00ff00ff gives
 * [R, B], `hi` = v >> 8 (i16 lanes) gives [G, A]. 38470 does not fit an i16 weight, but
 * 38470 = 65536 − 27066 and G·65536 = hi << 16 as i32 lanes (A leaves the lane), so
 *   L = (dot(lo, [19595, 7471]) + dot(hi, [−27066, 0]) + (hi << 16) + 0x8000) >> 16
 * is the exact sum (non-negative, < 2^24: the unsigned shift is the floor). Per 4 pixels 9
 * operations, no widening, no shuffles (12 with them before).
 *
 * The four constants are loaded from memory once, not written as splats: V8 13.6+ (Node 24,
 * workerd) rematerializes every v128 constant at each use inside the loop (movq + vmovq +
 * vpunpcklqdq), which made this loop 1.6× slower there than in Node 20.
 */
const LUMA: usize = memory.data<i32>(
  [
    19595 | (7471 << 16), 19595 | (7471 << 16), 19595 | (7471 << 16), 19595 | (7471 << 16),
    -27066 & 0xffff, -27066 & 0xffff, -27066 & 0xffff, -27066 & 0xffff,
    0x8000, 0x8000, 0x8000, 0x8000,
    0x00ff00ff, 0x00ff00ff, 0x00ff00ff, 0x00ff00ff,
  ],
  16,
);

// @ts-ignore: decorator
@inline function luma4(v: v128, crb: v128, cg: v128, round: v128, m: v128): v128 {
  const lo = v128.and(v, m); // [R, B] per pixel
  const hi = i16x8.shr_u(v, 8); // [G, A] per pixel
  const s = i32x4.add(i32x4.add(i32x4.dot_i16x8_s(lo, crb), i32x4.dot_i16x8_s(hi, cg)), i32x4.add(i32x4.shl(hi, 16), round));
  return i32x4.shr_u(s, 16);
}

export function rgba_to_l_simd128(src: usize, n: i32, dst: usize): void {
  const crb = v128.load(LUMA);
  const cg = v128.load(LUMA, 16);
  const round = v128.load(LUMA, 32);
  const m = v128.load(LUMA, 48);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = src + (<usize>i << 2);
    const l0 = luma4(v128.load(p), crb, cg, round, m);
    const l1 = luma4(v128.load(p, 16), crb, cg, round, m);
    const l2 = luma4(v128.load(p, 32), crb, cg, round, m);
    const l3 = luma4(v128.load(p, 48), crb, cg, round, m);
    v128.store(dst + <usize>i, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(l0, l1), i16x8.narrow_i32x4_s(l2, l3)));
  }
  for (; i < n; i++) {
    const p = src + (<usize>i << 2);
    store<u8>(dst + <usize>i, <u8>((<u32>load<u8>(p) * 19595 + <u32>load<u8>(p, 1) * 38470 + <u32>load<u8>(p, 2) * 7471 + 0x8000) >> 16));
  }
}
