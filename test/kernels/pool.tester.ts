/**
 * Pool tester (XNNPACK style): `avgpool2x2` and `global_avgpool` of a build against their
 * `_reference` in the same build, byte for byte, with poison checks after the output slices.
 * Environment-agnostic. A failure names its seed; `avgpool2x2Case(h, seed)` / `globalAvgpoolCase(h, seed)` replay it.
 */
import { firstDifference, type Harness } from '../../tools/lib/harness.ts';
import { Rng } from '../../tools/lib/rng.ts';
import { GHOSTNET_CHANNELS } from './shapes.ts';
import { POISON, checkPoison, extremeScale, pickQuant, requantJs } from './depthwise.tester.ts';

export interface PoolShape {
  H: number;
  W: number;
  C: number;
}

function i8(v: number): number {
  return (v << 24) >> 24;
}

export function avgpool2x2Case(h: Harness, seed: number, given?: PoolShape): void {
  const rng = new Rng(seed);
  const small = rng.next() < 0.5;
  const s = given ?? { H: rng.int(1, small ? 9 : 60), W: rng.int(1, small ? 9 : 60), C: rng.next() < 0.6 ? rng.pick(GHOSTNET_CHANNELS) : rng.int(1, 70) };
  const { H, W, C } = s;
  const strided = rng.next() < 0.5;
  const xOff = strided ? rng.int(0, 5) : 0,
    yOff = strided ? rng.int(0, 5) : 0;
  const xStride = C + xOff + (strided ? rng.int(0, 20) : 0);
  const yStride = C + yOff + (strided ? rng.int(0, 20) : 0);
  const q = pickQuant(rng);
  const scale = rng.next() < 0.1 ? extremeScale(rng) : Math.fround(rng.next() < 0.3 ? 0.25 : 0.25 * Math.pow(4, rng.next() * 2 - 1)); // 1/4 · s_in/s_out
  const OH = H >> 1,
    OW = W >> 1;
  const tag = `avgpool2x2 seed=${seed} H=${H} W=${W} C=${C} xStride=${xStride}+${xOff} yStride=${yStride}+${yOff} zpIn=${q.zpIn} zpOut=${q.zpOut} scale=${scale} q=[${q.qmin},${q.qmax}]`;
  h.scoped(() => {
    const x = h.put(rng.i8(H * W * xStride)) + xOff;
    const yBytes = OH * OW * yStride;
    const y1 = h.out(yBytes, POISON),
      y2 = h.out(yBytes, POISON);
    h.fn('avgpool2x2')(x, H, W, C, xStride, q.zpIn, scale, y1 + yOff, yStride, q.zpOut, q.qmin, q.qmax);
    h.fn('avgpool2x2_reference')(x, H, W, C, xStride, q.zpIn, scale, y2 + yOff, yStride, q.zpOut, q.qmin, q.qmax);
    const a = h.bytes(y1, yBytes + 32),
      b = h.bytes(y2, yBytes + 32);
    const d = firstDifference(a, b);
    if (d >= 0) throw new Error(`${tag}: byte ${d} is ${i8(a[d])}, reference ${i8(b[d])}`);
    checkPoison(a, OH * OW, C, yStride, yOff, tag);
  });
}

export function globalAvgpoolCase(h: Harness, seed: number, given?: { pixels: number; C: number }): void {
  const rng = new Rng(seed);
  const pixels = given?.pixels ?? (rng.next() < 0.7 ? rng.pick([1, 2, 9, 49, 196, 255, 256, 257, 784, 3136]) : rng.int(1, 1000));
  const C = given?.C ?? (rng.next() < 0.6 ? rng.pick(GHOSTNET_CHANNELS) : rng.int(1, 70));
  const strided = rng.next() < 0.5;
  const xOff = strided ? rng.int(0, 5) : 0;
  const xStride = C + xOff + (strided ? rng.int(0, 20) : 0);
  const q = pickQuant(rng);
  const scale = rng.next() < 0.1 ? extremeScale(rng) : Math.fround((1 / pixels) * Math.pow(4, rng.next() * 2 - 1));
  const tag = `global_avgpool seed=${seed} pixels=${pixels} C=${C} xStride=${xStride}+${xOff} zpIn=${q.zpIn} zpOut=${q.zpOut} scale=${scale}`;
  h.scoped(() => {
    // Mostly values near zpIn plus an offset, so the mean is not always saturated.
    const xs = new Int8Array(pixels * xStride);
    const bias = rng.int(-60, 60);
    for (let i = 0; i < xs.length; i++) xs[i] = Math.max(-128, Math.min(127, q.zpIn + bias + rng.int(-70, 70)));
    if (rng.next() < 0.3) for (let i = 0; i < xs.length; i++) xs[i] = rng.pick([-128, 127]);
    const x = h.put(xs) + xOff;
    const y1 = h.out(C, POISON),
      y2 = h.out(C, POISON);
    h.fn('global_avgpool')(x, pixels, C, xStride, q.zpIn, scale, y1, q.zpOut);
    h.fn('global_avgpool_reference')(x, pixels, C, xStride, q.zpIn, scale, y2, q.zpOut);
    const a = h.bytes(y1, C + 32),
      b = h.bytes(y2, C + 32);
    const d = firstDifference(a, b);
    if (d >= 0) throw new Error(`${tag}: byte ${d} is ${i8(a[d])}, reference ${i8(b[d])}`);
    checkPoison(a, 1, C, C, 0, tag);
  });
}

export function poolCases(h: Harness, rng: Rng, count: number): void {
  // Odd sizes: 7x7 → 3x3, 3x3 → 1x1, H or W = 1 (empty output), GhostNet DFC inputs (56², 28², 14², 7²).
  const fixed: PoolShape[] = [
    { H: 7, W: 7, C: 160 },
    { H: 3, W: 3, C: 960 },
    { H: 1, W: 1, C: 8 },
    { H: 1, W: 9, C: 20 },
    { H: 9, W: 1, C: 20 },
    { H: 2, W: 2, C: 1 },
    { H: 56, W: 56, C: 24 },
    { H: 28, W: 28, C: 40 },
    { H: 14, W: 14, C: 80 },
    { H: 7, W: 7, C: 112 },
    { H: 5, W: 8, C: 17 },
    { H: 8, W: 5, C: 15 },
  ];
  for (const s of fixed) avgpool2x2Case(h, rng.int(0, 0x7fffffff), s);
  for (const [pixels, C] of [
    [49, 960],
    [784, 72],
    [196, 120],
    [196, 480],
    [49, 672],
    [1, 1],
    [12544, 16],
    [3, 1280],
  ]) {
    globalAvgpoolCase(h, rng.int(0, 0x7fffffff), { pixels, C });
  }
  for (let i = 0; i < count; i++) {
    avgpool2x2Case(h, rng.int(0, 0x7fffffff));
    globalAvgpoolCase(h, rng.int(0, 0x7fffffff));
  }
}

/** The references against independent JS computations. */
export function poolReferenceChecks(h: Harness, rng: Rng, count: number): void {
  for (let i = 0; i < count; i++) {
    const seed = rng.int(0, 0x7fffffff);
    const r = new Rng(seed);
    const H = r.int(1, 9),
      W = r.int(1, 9),
      C = r.int(1, 30),
      xStride = C + r.int(0, 3);
    const q = pickQuant(r);
    const scale = Math.fround(0.25 * Math.pow(4, r.next() * 2 - 1));
    const x = r.i8(H * W * xStride);
    const OH = H >> 1,
      OW = W >> 1;
    const want = new Int8Array(OH * OW * C);
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++)
        for (let c = 0; c < C; c++) {
          let acc = 0;
          for (const [dy, dx] of [
            [0, 0],
            [0, 1],
            [1, 0],
            [1, 1],
          ])
            acc += x[((2 * oy + dy) * W + 2 * ox + dx) * xStride + c] - q.zpIn;
          want[(oy * OW + ox) * C + c] = requantJs(acc, scale, q.zpOut, q.qmin, q.qmax);
        }
    const pixels = H * W;
    const gScale = Math.fround(1 / pixels);
    const gWant = new Int8Array(C);
    for (let c = 0; c < C; c++) {
      let acc = 0;
      for (let p = 0; p < pixels; p++) acc += x[p * xStride + c] - q.zpIn;
      gWant[c] = requantJs(acc, gScale, q.zpOut, -128, 127);
    }
    h.scoped(() => {
      const xp = h.put(x);
      const y = h.out(Math.max(1, OH * OW * C));
      h.fn('avgpool2x2_reference')(xp, H, W, C, xStride, q.zpIn, scale, y, C, q.zpOut, q.qmin, q.qmax);
      const got = h.bytes(y, OH * OW * C);
      let d = firstDifference(got, new Uint8Array(want.buffer));
      if (d >= 0) throw new Error(`avgpool2x2_reference vs JS seed=${seed} H=${H} W=${W} C=${C}: byte ${d}`);
      const g = h.out(C);
      h.fn('global_avgpool_reference')(xp, pixels, C, xStride, q.zpIn, gScale, g, q.zpOut);
      d = firstDifference(h.bytes(g, C), new Uint8Array(gWant.buffer));
      if (d >= 0) throw new Error(`global_avgpool_reference vs JS seed=${seed} pixels=${pixels} C=${C}: byte ${d}`);
    });
  }
}
