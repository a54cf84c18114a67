// Depthwise 1×5 and 5×1, pad 2, stride 1 (the DFC attention) — the AVX-VNNI form of the relaxed build
// (variants depthwise_1x5s1_4x1_vnni_relaxed, depthwise_5x1s1_4x1_vnni_relaxed). Runs only where the relaxed
// dot lowers to one vpdpbusd (lowering.ts relaxedDotIsVnni), for calls with C % 4 == 0 and lines of
// L ≤ VMAXL5 pixels (one quad line of (⌈L/2⌉ + 1)·64 bytes fits the ring) but L = 3 (line5.ts dwLine3 is
// faster there); the dispatcher (simd128.ts) sends everything else to line5.ts / general.ts.
//
// Lines as in line5.ts: 1×5 along rows, 5×1 along columns (pixel step W·C bytes). Per line and block of 16
// channels a "quad line" of ⌈L/2⌉ + 1 entries, one per two outputs: entry k, per group of four channels, 16
// bytes = per channel E[2k] = (x[2k−2], x[2k−1], x[2k], x[2k+1]) ^ 0x80 (outside the line zpIn ^ 0x80).
// Outputs 2k and 2k + 1 of four channels are four relaxed dot-adds on E[2k] and E[2k+2] (pass5), from the
// start value biasʹ − 128·Σw (exact under vpdpbusd, as in vnni3x3.ts). A block's lines are built into the
// ring BATCHB bytes at a time, then each group runs them all with its weights and constants in registers.
// Measured and not kept: an entry per output (E[j], tap 4 from E[j + 4]·(w4, 0, 0, 0)), and the whole
// map's quad lines at once (28²: 0.6×, out of L1); see docs/KERNELS.md.
import { BIASP, K, K_MAGIC, K_SHIFT, PITCH, loadFloor, modeOf, store1, store2 } from './common';
import { RQ_GENERAL, RQ_LEAN_FULL, RQ_LEAN_RELU } from '../../requant';

import { emitQuads, loadTail, X80 } from './quads';
import { RING } from './rows3x3';

/** Bytes of quad lines a batch may take (the SIMD128 ring). */
const QBYTES: i32 = 4 * PITCH;
/** Bytes of quad lines built before the groups run them (kept in L1 with the input and output they touch). */
const BATCHB: i32 = 8192;
/** Longest line: one quad line of (⌈L/2⌉ + 1)·64 bytes fills the ring. */
export const VMAXL5: i32 = 2 * (QBYTES / 64 - 1);

/** Quad line of L pixels from p (pixel step xp), n channels: entries E[2k] = (x[2k−2], x[2k−1], x[2k], x[2k+1]), k = 0 .. ⌈L/2⌉, 64 bytes each at b. */
// @ts-ignore: decorator
@inline function quadLine(b: usize, p: usize, L: i32, xp: usize, pad: v128, n: i32): void {
  const f = v128.load(X80);
  let A = pad, B = pad;
  let e = b;
  const full = b + (<usize>(L >> 1) << 6);
  for (; e < full; e += 64) {
    const Cv = v128.xor(loadTail(p, n), f);
    const D = v128.xor(loadTail(p + xp, n), f);
    emitQuads(e, A, B, Cv, D);
    A = Cv; B = D;
    p += xp << 1;
  }
  if (L & 1) {
    const Cv = v128.xor(loadTail(p, n), f);
    emitQuads(e, A, B, Cv, pad);
    A = Cv; B = pad;
    e += 64;
  }
  emitQuads(e, A, B, pad, pad);
}

/** One group over nl quad lines (pitch qp) of L pixels: outputs at out (pixel step yp, line step yl). Outputs 2k, 2k + 1 from E[2k], E[2k + 2]:
 *  y[2k] = E[2k]·(w0, w1, w2, w3) + E[2k+2]·(0, 0, w4, 0), y[2k+1] = E[2k]·(0, w0, w1, w2) + E[2k+2]·(0, 0, w3, w4). */
// @ts-ignore: decorator
@inline function pass5(M: i32, q: usize, nl: i32, L: i32, qp: usize, out: usize, yp: usize, yl: usize,
  wg: usize, bp: usize, swp: usize, sp: usize): void {
  // wg: the group's three SIMD128 weight pairs (w0, w1), (w2, w3), (w4, 0) as i16 per channel
  const p0 = v128.load(wg), p1 = v128.load(wg, 16), p2 = v128.load(wg, 32);
  const wa = i8x16.shuffle(p0, p1, 0, 2, 16, 18, 4, 6, 20, 22, 8, 10, 24, 26, 12, 14, 28, 30); // (w0, w1, w2, w3)
  const wb = i8x16.shuffle(p2, p2, 2, 2, 0, 2, 6, 6, 4, 6, 10, 10, 8, 10, 14, 14, 12, 14); // (0, 0, w4, 0): p2's bytes 4l + 2 are 0
  const wc = i32x4.shl(wa, 8); // (0, w0, w1, w2)
  const wd = i8x16.shuffle(p1, p2, 18, 18, 2, 16, 18, 18, 6, 20, 18, 18, 10, 24, 18, 18, 14, 28); // (0, 0, w3, w4)
  const start = i32x4.sub(v128.load(bp), i32x4.shl(v128.load(swp), 7)), sc = v128.load(sp);
  const magic = v128.load(K, K_MAGIC), floor = loadFloor(M), shift = v128.load(K, K_SHIFT);
  const pairs = <usize>(L >> 1) << 6;
  const yp2 = yp << 1;
  let n = nl;
  do {
    let e = q, o = out;
    const end = q + pairs;
    let E0 = v128.load(e);
    while (e < end) {
      const E1 = v128.load(e, 64);
      const a0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(wb, E1, i32x4.relaxed_dot_i8x16_i7x16_add_s(wa, E0, start));
      const a1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(wd, E1, i32x4.relaxed_dot_i8x16_i7x16_add_s(wc, E0, start));
      store2(M, a0, a1, sc, magic, floor, shift, o, o + yp, 4);
      E0 = E1;
      e += 64;
      o += yp2;
    }
    if (L & 1) {
      const a0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(wb, v128.load(e, 64), i32x4.relaxed_dot_i8x16_i7x16_add_s(wa, E0, start));
      store1(M, a0, sc, magic, floor, shift, o, 4);
    }
    q += qp;
    out += yl;
  } while (--n);
}

function v5General(q: usize, nl: i32, L: i32, qp: usize, out: usize, yp: usize, yl: usize, wg: usize, bp: usize, swp: usize, sp: usize): void {
  pass5(RQ_GENERAL, q, nl, L, qp, out, yp, yl, wg, bp, swp, sp);
}
function v5LeanFull(q: usize, nl: i32, L: i32, qp: usize, out: usize, yp: usize, yl: usize, wg: usize, bp: usize, swp: usize, sp: usize): void {
  pass5(RQ_LEAN_FULL, q, nl, L, qp, out, yp, yl, wg, bp, swp, sp);
}
function v5LeanRelu(q: usize, nl: i32, L: i32, qp: usize, out: usize, yp: usize, yl: usize, wg: usize, bp: usize, swp: usize, sp: usize): void {
  pass5(RQ_LEAN_RELU, q, nl, L, qp, out, yp, yl, wg, bp, swp, sp);
}

/** 1×5 (vertical = false) or 5×1 (vertical = true) s1 pad 2, C % 4 == 0, line ≤ VMAXL5. wts: the chunk's pairs (3 per group); sumw: its Σw; BIASP and K set. */
// @ts-ignore: decorator
@inline export function dw5Vnni(x: usize, H: i32, W: i32, C: i32, xStride: i32, wts: usize, sumw: usize, scale: usize, vertical: bool,
  y: usize, yStride: i32, zpIn: i32): void {
  const pad = i8x16.splat(<i8>(zpIn ^ 0x80));
  const xs = <usize>xStride, ys = <usize>yStride;
  const N = vertical ? W : H, L = vertical ? H : W;
  const xp = vertical ? <usize>W * xs : xs, xl = vertical ? xs : <usize>W * xs;
  const yp = vertical ? <usize>W * ys : ys, yl = vertical ? ys : <usize>W * ys;
  const qp = <usize>(((L + 1) >> 1) + 1) << 6;
  const batch = min(N, max(1, BATCHB / <i32>qp));
  for (let c = 0; c < C; c += 16) {
    const groups = min(4, (C - c) >> 2);
    const xc = x + <usize>c;
    const full = C - c >= 16;
    for (let k0 = 0; k0 < N; k0 += batch) {
      const nl = min(batch, N - k0);
      let b = RING, p = xc + <usize>k0 * xl;
      for (let k = 0; k < nl; k++) {
        if (full) quadLine(b, p, L, xp, pad, 16);
        else quadLine(b, p, L, xp, pad, C - c);
        b += qp;
        p += xl;
      }
      for (let h = 0; h < groups; h++) {
        const g = c + 4 * h;
        const o = <usize>g;
        const wg = wts + o * 12, bp = BIASP + (o << 2), swp = sumw + (o << 2), sp = scale + (o << 2);
        const m = modeOf(C - g);
        const q = RING + <usize>(h << 4), out = y + o + <usize>k0 * yl;
        if (m == RQ_LEAN_FULL) v5LeanFull(q, nl, L, qp, out, yp, yl, wg, bp, swp, sp);
        else if (m == RQ_LEAN_RELU) v5LeanRelu(q, nl, L, qp, out, yp, yl, wg, bp, swp, sp);
        else v5General(q, nl, L, qp, out, yp, yl, wg, bp, swp, sp);
      }
    }
  }
}
