// Depthwise, any kernel shape and stride — the fallback paths (see simd128.ts).
//   dwGeneral: per output pixel a table of tap pointers (the ZP row for padding taps), then all
//              channels eight at a time (no GhostNetV2 layer since the k×5 map and the 3-pixel
//              lines took the 5×5 s2 on 14² and the 1×5 / 5×1 on 3×3).
//   dwHuge:    kernels with more than MAXT taps (the table would not fit): scalar loops.
import { requant } from '../../requant';
import { BIASP, K, K_FLOOR, K_MAGIC, K_MIN, K_SHIFT, ZP, modeOf, pairCount, store1 } from './common';
import { RQ_GENERAL, RQ_LEAN_FULL, RQ_LEAN_RELU } from '../../requant';

/** Largest tap count of dwGeneral. */
export const MAXT: i32 = 128;
/** Tap pointers of one output pixel, in pair order: A0, B0, A1, B1, ... (B = A for a one-tap pair). */
const TAPS: usize = memory.data(MAXT * 8 + 16, 16);

/**
 * One output pixel, all channels: per block of eight channels (two groups of four), each weight pair
 * is two sign-extending loads of eight channels, two interleaves (channels 0-3, 4-7) and two dots.
 * The pair loop stays a loop: unrolled, TurboFan would hoist all of its loads and spill them.
 */
// @ts-ignore: decorator
@inline function pixel(M: i32, P: i32, C: i32, wts: usize, scale: usize, out: usize, magic: v128, floor: v128, shift: v128): void {
  const gb = <usize>(16 * P); // bytes of one group's pairs
  for (let c = 0; c < C; c += 8) {
    const o = <usize>c;
    const two = C - c > 4;
    let a0 = v128.load(BIASP + (o << 2));
    let a1 = v128.load(BIASP + (o << 2), 16);
    let t = TAPS;
    let w = wts + <usize>(c >> 2) * gb;
    const end = t + (<usize>P << 3);
    if (two) {
      do {
        const xa = v128.load8x8_s(load<usize>(t) + o);
        const xb = v128.load8x8_s(load<usize>(t, 4) + o);
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.shuffle(xa, xb, 0, 8, 1, 9, 2, 10, 3, 11), v128.load(w)));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.shuffle(xa, xb, 4, 12, 5, 13, 6, 14, 7, 15), v128.load(w + gb)));
        t += 8;
        w += 16;
      } while (t < end);
    } else {
      // the last block has one group (the packed weights end there)
      do {
        const xa = v128.load8x8_s(load<usize>(t) + o);
        const xb = v128.load8x8_s(load<usize>(t, 4) + o);
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.shuffle(xa, xb, 0, 8, 1, 9, 2, 10, 3, 11), v128.load(w)));
        t += 8;
        w += 16;
      } while (t < end);
    }
    const rr = C - c;
    store1(M, a0, v128.load(scale + (o << 2)), magic, floor, shift, out + o, min(rr, 4));
    if (two) store1(M, a1, v128.load(scale + (o << 2), 16), magic, floor, shift, out + o + 4, min(rr - 4, 4));
  }
}

function pixelLeanFull(P: i32, C: i32, wts: usize, scale: usize, out: usize, magic: v128, floor: v128, shift: v128): void {
  pixel(RQ_LEAN_FULL, P, C, wts, scale, out, magic, floor, shift);
}
function pixelLeanRelu(P: i32, C: i32, wts: usize, scale: usize, out: usize, magic: v128, floor: v128, shift: v128): void {
  pixel(RQ_LEAN_RELU, P, C, wts, scale, out, magic, floor, shift);
}
function pixelGeneral(P: i32, C: i32, wts: usize, scale: usize, out: usize, magic: v128, floor: v128, shift: v128): void {
  pixel(RQ_GENERAL, P, C, wts, scale, out, magic, floor, shift);
}

/** Any kh×kw with kh·kw ≤ MAXT, any stride. BIASP, ZP and K are set. */
export function dwGeneral(x: usize, H: i32, W: i32, C: i32, xStride: i32, wts: usize, scale: usize, kh: i32, kw: i32, stride: i32,
  y: usize, yStride: i32, qmax: i32): void {
  const ph = kh >> 1, pw = kw >> 1;
  const OH = (H + 2 * ph - kh) / stride + 1;
  const OW = (W + 2 * pw - kw) / stride + 1;
  const P = pairCount(kh, kw);
  // every group full (C a multiple of four): the chunk's store mode (common.ts), else the general one
  const m = (C & 3) == 0 ? modeOf(4) : RQ_GENERAL;
  const magic = v128.load(K, K_MAGIC), floor = v128.load(K + <usize>(m == RQ_LEAN_RELU ? K_MIN : K_FLOOR)), shift = v128.load(K, K_SHIFT);
  let out = y;
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      // Tap pointers in pair order (common.ts): down the column for kw = 1, else along each row.
      let t = TAPS;
      for (let p = 0; p < P; p++) {
        for (let s = 0; s < 2; s++) {
          let ky: i32, kx: i32;
          if (kw == 1) { ky = 2 * p + s; kx = 0; if (ky >= kh) ky = 2 * p; }
          else { const pr = (kw + 1) >> 1; ky = p / pr; kx = 2 * (p % pr) + s; if (kx >= kw) kx = kx - 1; }
          const iy = oy * stride - ph + ky, ix = ox * stride - pw + kx;
          store<usize>(t, select<usize>(x + <usize>((iy * W + ix) * xStride), ZP, iy >= 0 && iy < H && ix >= 0 && ix < W));
          t += 4;
        }
      }
      if (m == RQ_LEAN_FULL) pixelLeanFull(P, C, wts, scale, out, magic, floor, shift);
      else if (m == RQ_LEAN_RELU) pixelLeanRelu(P, C, wts, scale, out, magic, floor, shift);
      else pixelGeneral(P, C, wts, scale, out, magic, floor, shift);
      out += <usize>yStride;
    }
  }
}

/** Kernels with more than MAXT taps: plain scalar loops over the packed weights (correct, not fast). */
export function dwHuge(x: usize, H: i32, W: i32, C: i32, xStride: i32, wts: usize, scale: usize, kh: i32, kw: i32, stride: i32,
  zpIn: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32): void {
  const ph = kh >> 1, pw = kw >> 1;
  const OH = (H + 2 * ph - kh) / stride + 1;
  const OW = (W + 2 * pw - kw) / stride + 1;
  const P = pairCount(kh, kw);
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      const out = y + <usize>((oy * OW + ox) * yStride);
      for (let c = 0; c < C; c++) {
        const wc = wts + <usize>((c >> 2) * 16 * P + (c & 3) * 4);
        let acc = load<i32>(BIASP + (<usize>c << 2));
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * stride - ph + ky;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * stride - pw + kx;
            const pair = kw == 1 ? ky >> 1 : ky * ((kw + 1) >> 1) + (kx >> 1);
            const slot = kw == 1 ? ky & 1 : kx & 1;
            const xv = iy >= 0 && iy < H && ix >= 0 && ix < W ? <i32>load<i8>(x + <usize>((iy * W + ix) * xStride + c)) : zpIn;
            acc += <i32>load<i16>(wc + <usize>(pair * 16 + slot * 2)) * xv;
          }
        }
        store<i8>(out + <usize>c, <i8>requant(acc, load<f32>(scale + (<usize>c << 2)), zpOut, qmin, qmax));
      }
    }
  }
}
