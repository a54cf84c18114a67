/**
 * Residual-add tester (XNNPACK style): `add` of a build against `add_reference` in the same build,
 * byte for byte, with poison checks. Environment-agnostic. `addCase(h, seed)` replays a failure.
 */
import { firstDifference, type Harness } from '../../tools/lib/harness.ts';
import { Rng } from '../../tools/lib/rng.ts';
import { GHOSTNET_CHANNELS } from './shapes.ts';
import { f32Step } from './gate.tester.ts';
import { POISON, checkPoison, extremeScale, pickQuant, quantizeJs } from './depthwise.tester.ts';

function i8(v: number): number {
  return (v << 24) >> 24;
}

/** The contract in JS: two f32 products, one f32 add, then round half to even, + zpOut, clamp. */
export function addJs(a: number, zpA: number, mA: number, b: number, zpB: number, mB: number, zpOut: number, qmin: number, qmax: number): number {
  const fa = Math.fround((a - zpA) * Math.fround(mA));
  const fb = Math.fround((b - zpB) * Math.fround(mB));
  return quantizeJs(Math.fround(fa + fb), zpOut, qmin, qmax);
}

/**
 * The SIMD add's lean requantization (simd128.ts addLean: taken when 255·(|mA| + |mB|) ≤ 2^21):
 * 'inside' |mA| = |mB| the largest f32 that passes (sums of ±255 on both land near ±2^21, which the
 * narrows must saturate), 'outside' mA one f32 step above it (the general path), 'window' mA = mB =
 * 2^16 with zpA = zpB = 127, where sums with a + b in (−130, 62) fall in (−3·2^23, −1.5·2^23) and the
 * lean form would wrap to 127.
 */
export type AddEdge = 'inside' | 'outside' | 'window';

export function addCase(h: Harness, seed: number, given?: { pixels: number; C: number; dense?: boolean; edge?: AddEdge; quant?: number }): void {
  const rng = new Rng(seed);
  const small = rng.next() < 0.5;
  const pixels = given?.pixels ?? (small ? rng.int(1, 20) : rng.int(1, 60) * rng.int(1, 60));
  const C = given?.C ?? (rng.next() < 0.6 ? rng.pick(GHOSTNET_CHANNELS) : rng.int(1, 70));
  const strided = given?.dense === undefined ? rng.next() < 0.5 : !given.dense;
  const aOff = strided ? rng.int(0, 5) : 0,
    bOff = strided ? rng.int(0, 5) : 0,
    yOff = strided ? rng.int(0, 5) : 0;
  const aStride = C + aOff + (strided ? rng.int(0, 20) : 0);
  const bStride = C + bOff + (strided ? rng.int(0, 20) : 0);
  const yStride = C + yOff + (strided ? rng.int(0, 20) : 0);
  const q = pickQuant(rng, given?.quant);
  let zpA = q.zpIn,
    zpB = rng.int(-128, 127);
  // Finite extremes only: two opposite infinities would add to NaN, outside the contract.
  let mA = rng.next() < 0.1 ? extremeScale(rng, true) : Math.fround(rng.next() < 0.2 ? 1 : Math.pow(10, rng.next() * 1.6 - 0.8));
  let mB = rng.next() < 0.1 ? extremeScale(rng, true) : Math.fround(rng.next() < 0.2 ? 0.5 : Math.pow(10, rng.next() * 1.6 - 0.8));
  const edge = given?.edge;
  if (edge === 'window') {
    zpA = zpB = 127;
    mA = mB = 65536;
  } else if (edge) {
    let m = Math.fround(2 ** 21 / 510);
    while (255 * 2 * m > 2 ** 21) m = f32Step(m, -1);
    zpA = rng.pick([127, -128]);
    zpB = rng.pick([127, -128]);
    mA = edge === 'inside' ? m : f32Step(m, 1);
    mB = rng.pick([m, -m]);
  }
  const tag = `add seed=${seed} pixels=${pixels} C=${C} strides=${aStride}+${aOff}/${bStride}+${bOff}/${yStride}+${yOff} zpA=${zpA} mA=${mA} zpB=${zpB} mB=${mB} zpOut=${q.zpOut} q=[${q.qmin},${q.qmax}]`;
  h.scoped(() => {
    const a = h.put(rng.i8(pixels * aStride)) + aOff;
    const b = h.put(rng.i8(pixels * bStride)) + bOff;
    const yBytes = pixels * yStride;
    const y1 = h.out(yBytes, POISON),
      y2 = h.out(yBytes, POISON);
    h.fn('add')(a, pixels, C, aStride, zpA, mA, b, bStride, zpB, mB, y1 + yOff, yStride, q.zpOut, q.qmin, q.qmax);
    h.fn('add_reference')(a, pixels, C, aStride, zpA, mA, b, bStride, zpB, mB, y2 + yOff, yStride, q.zpOut, q.qmin, q.qmax);
    const ya = h.bytes(y1, yBytes + 32),
      yb = h.bytes(y2, yBytes + 32);
    const d = firstDifference(ya, yb);
    if (d >= 0) throw new Error(`${tag}: byte ${d} is ${i8(ya[d])}, reference ${i8(yb[d])}`);
    checkPoison(ya, pixels, C, yStride, yOff, tag);
  });
}

export function addCases(h: Harness, rng: Rng, count: number): void {
  // GhostNet residual shapes at 224 (dense) plus tails and single pixels.
  for (const [pixels, C] of [
    [12544, 16],
    [3136, 24],
    [784, 40],
    [196, 80],
    [196, 112],
    [49, 160],
    [1, 1],
    [1, 15],
    [3, 17],
  ]) {
    addCase(h, rng.int(0, 0x7fffffff), { pixels, C, dense: true });
    addCase(h, rng.int(0, 0x7fffffff), { pixels: Math.min(pixels, 100), C, dense: false });
  }
  // The lean requantization's bound and window (AddEdge): full range, fused ReLU, a sub-range.
  for (const edge of ['inside', 'outside', 'window'] as const)
    for (const quant of [0, 1, 2])
      for (const [pixels, C, dense] of [
        [784, 40, true],
        [9, 17, false],
      ] as const)
        addCase(h, rng.int(0, 0x7fffffff), { pixels, C, dense, edge, quant });
  for (let i = 0; i < count; i++) addCase(h, rng.int(0, 0x7fffffff));
}

/** `add_reference` against the JS definition. */
export function addReferenceChecks(h: Harness, rng: Rng, count: number): void {
  for (let i = 0; i < count; i++) {
    const seed = rng.int(0, 0x7fffffff);
    const r = new Rng(seed);
    const n = r.int(1, 300);
    const q = pickQuant(r);
    const zpB = r.int(-128, 127);
    const mA = Math.fround(Math.pow(10, r.next() * 1.6 - 0.8)),
      mB = Math.fround(r.next() < 0.3 ? 0.5 : Math.pow(10, r.next() * 1.6 - 0.8));
    const a = r.i8(n),
      b = r.i8(n);
    const want = new Int8Array(n);
    for (let k = 0; k < n; k++) want[k] = addJs(a[k], q.zpIn, mA, b[k], zpB, mB, q.zpOut, q.qmin, q.qmax);
    h.scoped(() => {
      const y = h.out(n);
      h.fn('add_reference')(h.put(a), 1, n, n, q.zpIn, mA, h.put(b), n, zpB, mB, y, n, q.zpOut, q.qmin, q.qmax);
      const d = firstDifference(h.bytes(y, n), new Uint8Array(want.buffer));
      if (d >= 0) throw new Error(`add_reference vs JS seed=${seed} n=${n}: byte ${d}`);
    });
  }
}
