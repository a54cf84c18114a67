/**
 * Depthwise tester (XNNPACK style): random shapes through the build's `depthwise` (packed weights)
 * and through `depthwise_reference` (plain weights) in the same build; outputs must be byte-identical
 * and bytes outside the output slice must keep their poison. Environment-agnostic (Node and workerd).
 * Every case has its own seed: a failure names it, and `depthwiseCase(h, seed)` replays it.
 */
import { depthwiseLayers } from '../../tools/bench/layers.ts';
import { firstDifference, type Harness } from '../../tools/lib/harness.ts';
import { Rng } from '../../tools/lib/rng.ts';
import { GHOSTNET_CHANNELS } from './shapes.ts';

export interface DepthwiseShape {
  H: number;
  W: number;
  C: number;
  kh: number;
  kw: number;
  stride: number;
  xStride?: number;
  yStride?: number;
  xOff?: number; // channel offset of the input slice inside its buffer
  yOff?: number; // channel offset of the output slice inside its buffer
  /** requantization scales log-uniform in [lo, hi] (default 1e-4 .. 1e-1) */
  scales?: [number, number];
  /** biases uniform in ±2^biasBits (default random 4..20) */
  biasBits?: number;
  /**
   * Products at the edge of the SIMD kernels' lean requantization (common.ts setup: taken when every
   * |f32(acc)·scale| of a call is provably ≤ 2^22): `window` gives one channel bias −2^30 and scale
   * 2^−6 (or bias −2^15 and scale 2^9), so its products lie (mostly) in (−3·2^23, −1.5·2^23), where dropping the i32 floor wraps (the call
   * must take the general store); `bound` gives every channel bias ±2^20 and scale 1, so the
   * lean stores run with products near ±2^21 (the narrows must saturate them).
   */
  edge?: 'window' | 'bound';
  /** pickQuant's mode (0 full range, 1 fused ReLU, 2 random sub-range); random if unset */
  quant?: number;
}

export function depthwiseOutSize(H: number, W: number, kh: number, kw: number, stride: number): [number, number] {
  const ph = kh >> 1,
    pw = kw >> 1;
  return [Math.floor((H + 2 * ph - kh) / stride) + 1, Math.floor((W + 2 * pw - kw) / stride) + 1];
}

/** Independent JS definition (exact integer accumulation, then the contract's requantization). */
export function depthwiseJs(
  x: Int8Array,
  H: number,
  W: number,
  C: number,
  xStride: number,
  w: Int8Array,
  bias: Int32Array,
  scale: Float32Array,
  kh: number,
  kw: number,
  stride: number,
  zpIn: number,
  zpOut: number,
  qmin: number,
  qmax: number,
): Int8Array {
  const [OH, OW] = depthwiseOutSize(H, W, kh, kw, stride);
  const ph = kh >> 1,
    pw = kw >> 1;
  const y = new Int8Array(OH * OW * C);
  for (let oy = 0; oy < OH; oy++)
    for (let ox = 0; ox < OW; ox++)
      for (let c = 0; c < C; c++) {
        let acc = bias[c];
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const iy = oy * stride - ph + ky,
              ix = ox * stride - pw + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            acc = (acc + w[(c * kh + ky) * kw + kx] * (x[(iy * W + ix) * xStride + c] - zpIn)) | 0;
          }
        y[(oy * OW + ox) * C + c] = requantJs(acc, scale[c], zpOut, qmin, qmax);
      }
  return y;
}

function randomShape(rng: Rng): DepthwiseShape {
  const kind = rng.int(0, 9);
  let kh = 3,
    kw = 3,
    stride = 1;
  if (kind === 3) stride = 2;
  else if (kind === 4) {
    kh = 5;
    kw = 5;
    stride = 2;
  } else if (kind === 5) {
    kh = 1;
    kw = 5;
  } else if (kind === 6) {
    kh = 5;
    kw = 1;
  } else if (kind === 7) {
    kh = rng.int(1, 7);
    kw = rng.int(1, 7);
    stride = rng.int(1, 3);
  } // general
  else if (kind === 8) {
    kh = 5;
    kw = 5;
    stride = rng.int(1, 2);
  }
  const small = rng.next() < 0.5;
  const H = small ? rng.int(1, 9) : rng.int(1, 60);
  const W = small ? rng.int(1, 9) : rng.int(1, 60);
  const C = rng.next() < 0.6 ? rng.pick(GHOSTNET_CHANNELS) : rng.int(1, 70);
  return { H, W, C, kh, kw, stride };
}

/** Runs one case. The shape is drawn from `seed` unless given. */
export function depthwiseCase(h: Harness, seed: number, given?: DepthwiseShape): void {
  const rng = new Rng(seed);
  const s = given ?? randomShape(rng);
  const { H, W, C, kh, kw, stride } = s;
  const strided = rng.next() < 0.5;
  const xOff = s.xOff ?? (strided ? rng.int(0, 5) : 0);
  const yOff = s.yOff ?? (strided ? rng.int(0, 5) : 0);
  const xStride = s.xStride ?? (strided ? C + xOff + rng.int(0, 20) : C + xOff);
  const yStride = s.yStride ?? (strided ? C + yOff + rng.int(0, 20) : C + yOff);
  const [OH, OW] = depthwiseOutSize(H, W, kh, kw, stride);
  const q = pickQuant(rng, s.quant);
  // Realistic conv scales (1e-3..1e-1), widened down to 1e-4 so that random full-range data is not all saturated.
  const scale = pickScales(rng, C, ...(s.scales ?? [1e-4, 1e-1]));
  const tag = `depthwise seed=${seed} H=${H} W=${W} C=${C} k=${kh}x${kw} s=${stride} xStride=${xStride}+${xOff} yStride=${yStride}+${yOff} zpIn=${q.zpIn} zpOut=${q.zpOut} q=[${q.qmin},${q.qmax}]`;
  h.scoped(() => {
    const xBytes = H * W * xStride;
    const x = h.put(rng.i8(xBytes)) + xOff;
    const w = rng.i8(C * kh * kw, -127, 127);
    const bb = s.biasBits ?? rng.int(4, 20);
    const bias = rng.i32(C, -(2 ** bb), 2 ** bb - 1);
    if (s.edge === 'window') {
      // the last channel half the time (the gate's tail lanes); a large bias or a large scale
      const c = rng.next() < 0.5 ? C - 1 : rng.int(0, C - 1);
      const big = rng.next() < 0.5;
      bias[c] = big ? -(2 ** 30) : -(2 ** 15);
      scale[c] = big ? 2 ** -6 : 2 ** 9;
    } else if (s.edge === 'bound') {
      for (let c = 0; c < C; c++) {
        bias[c] = (rng.next() < 0.5 ? -1 : 1) * (2 ** 21 - 2 ** 20);
        scale[c] = 1;
      }
    }
    const wp = h.put(w);
    const bp = h.put(bias);
    const sp = h.put(scale);
    const packedSize = h.fn('depthwise_packed_size')(C, kh, kw) as number;
    const packed = h.out(packedSize);
    h.fn('depthwise_pack')(wp, C, kh, kw, packed);
    const yBytes = OH * OW * yStride;
    const y1 = h.out(yBytes, POISON);
    const y2 = h.out(yBytes, POISON);
    h.fn('depthwise')(x, H, W, C, xStride, packed, bp, sp, kh, kw, stride, q.zpIn, y1 + yOff, yStride, q.zpOut, q.qmin, q.qmax);
    h.fn('depthwise_reference')(x, H, W, C, xStride, wp, bp, sp, kh, kw, stride, q.zpIn, y2 + yOff, yStride, q.zpOut, q.qmin, q.qmax);
    const a = h.bytes(y1, yBytes + 32);
    const b = h.bytes(y2, yBytes + 32);
    const d = firstDifference(a, b);
    if (d >= 0) {
      const p = Math.floor((d - yOff) / yStride),
        c = (d - yOff) % yStride;
      throw new Error(`${tag}: byte ${d} (pixel ${p}, channel ${c}) is ${(a[d] << 24) >> 24}, reference ${(b[d] << 24) >> 24}`);
    }
    checkPoison(a, OH * OW, C, yStride, yOff, tag);
  });
}

/**
 * The Ghost cheap-op layout: input channels [0, C) and output channels [C, 2C) of one concat buffer
 * (stride 2C). Output stores past their slice would corrupt later input pixels.
 */
export function depthwiseConcatCase(h: Harness, seed: number): void {
  const rng = new Rng(seed);
  const C = rng.pick([8, 12, 20, 36, 60, 92, 100, 120, 240, 336, 3, 27]);
  const H = rng.int(1, 30),
    W = rng.int(1, 30);
  const kh = 3,
    kw = 3;
  const stride = 1;
  const q = pickQuant(rng);
  const tag = `depthwise concat seed=${seed} H=${H} W=${W} C=${C}`;
  h.scoped(() => {
    const n = H * W * 2 * C;
    const buf = rng.i8(n);
    const w = rng.i8(C * 9, -127, 127);
    const bias = rng.i32(C, -5000, 5000);
    const scale = pickScales(rng, C, 3e-4, 3e-2);
    const b1 = h.put(buf);
    const b2 = h.put(buf);
    const wp = h.put(w),
      bp = h.put(bias),
      sp = h.put(scale);
    const packed = h.out(h.fn('depthwise_packed_size')(C, kh, kw) as number);
    h.fn('depthwise_pack')(wp, C, kh, kw, packed);
    h.fn('depthwise')(b1, H, W, C, 2 * C, packed, bp, sp, kh, kw, stride, q.zpIn, b1 + C, 2 * C, q.zpOut, q.qmin, q.qmax);
    h.fn('depthwise_reference')(b2, H, W, C, 2 * C, wp, bp, sp, kh, kw, stride, q.zpIn, b2 + C, 2 * C, q.zpOut, q.qmin, q.qmax);
    const a = h.bytes(b1, n),
      b = h.bytes(b2, n);
    const d = firstDifference(a, b);
    if (d >= 0) throw new Error(`${tag}: byte ${d} differs (${(a[d] << 24) >> 24} vs reference ${(b[d] << 24) >> 24})`);
    for (let i = 0; i < n; i++) {
      if (i % (2 * C) < C && a[i] !== (buf[i] & 255)) throw new Error(`${tag}: input channel byte ${i} was overwritten`);
    }
  });
}

/** `count` random cases plus fixed edge shapes (odd sizes, H or W = 1, every GhostNet kernel, tails). */
export function depthwiseCases(h: Harness, rng: Rng, count: number): void {
  const fixed: DepthwiseShape[] = [];
  for (const [kh, kw, stride] of [
    [3, 3, 1],
    [3, 3, 2],
    [5, 5, 2],
    [1, 5, 1],
    [5, 1, 1],
    [5, 5, 1],
    [3, 3, 3],
    [7, 7, 1],
    [13, 13, 1],
  ]) {
    for (const [H, W] of [
      [1, 1],
      [1, 7],
      [7, 1],
      [2, 2],
      [3, 3],
      [7, 7],
      [5, 6],
    ]) {
      fixed.push({ H, W, C: rng.pick([1, 7, 8, 9, 15, 16, 17, 20, 36, 92]), kh, kw, stride });
    }
  }
  // GhostNet shapes at reduced spatial size (full channel counts; every tail).
  for (const { C, H, W, kh, kw, stride } of depthwiseLayers()) fixed.push({ C, H: Math.min(H, 9), W: Math.min(W, 10), kh, kw, stride });
  // More channels than the SIMD variant's scratch (chunked path); rows wider than its 3x3 row buffers.
  fixed.push({ H: 3, W: 2, C: 4100, kh: 3, kw: 3, stride: 1 });
  fixed.push({ H: 3, W: 300, C: 20, kh: 3, kw: 3, stride: 1 }, { H: 4, W: 255, C: 9, kh: 3, kw: 3, stride: 2 });
  fixed.push({ H: 2, W: 254, C: 17, kh: 3, kw: 3, stride: 1 }, { H: 3, W: 257, C: 24, kh: 3, kw: 3, stride: 2 });
  fixed.push({ H: 2, W: 253, C: 9, kh: 5, kw: 5, stride: 2 }, { H: 6, W: 252, C: 20, kh: 5, kw: 5, stride: 1 });
  fixed.push({ H: 2, W: 260, C: 17, kh: 1, kw: 5, stride: 1 }, { H: 3, W: 252, C: 8, kh: 1, kw: 5, stride: 2 });
  fixed.push({ H: 5, W: 9, C: 20, kh: 1, kw: 5, stride: 2 }, { H: 9, W: 5, C: 20, kh: 5, kw: 1, stride: 2 });
  // Every channel tail (C mod 8 = 1..8) on every row path: 3x3 s1/s2 rows, 1x5 and 5x1 lines, the
  // k x 5 row pass (s1/s2; it needs 12+ output columns). `npm run test:mutants` found the row pass
  // never given C mod 8 = 5 or 6 (a skipped second half of such a group went unnoticed).
  for (const [kh, kw, stride, H, W] of [
    [3, 3, 1, 4, 14],
    [3, 3, 2, 5, 15],
    [1, 5, 1, 3, 13],
    [5, 1, 1, 13, 3],
    [5, 5, 1, 6, 14],
    [5, 5, 2, 6, 27],
    [3, 5, 1, 4, 14],
  ]) {
    for (let C = 9; C <= 16; C++) fixed.push({ H, W, C, kh, kw, stride });
  }
  // Requantization edges: products far beyond ±2^22 (the magic-number range) and up to ±Infinity
  // (finite scales near f32 max), tiny scales (everything rounds to zpOut), on every path.
  const edges: [number, number][] = [
    [1e3, 1e7],
    [1e30, 3e38],
    [1e-9, 1e-7],
    [0.4, 2],
  ];
  for (const [kh, kw, stride, H, W] of [
    [3, 3, 1, 6, 9],
    [3, 3, 2, 7, 8],
    [1, 5, 1, 5, 7],
    [5, 1, 1, 7, 5],
    [5, 5, 2, 9, 30],
    [5, 5, 2, 9, 9],
    [7, 7, 1, 4, 4],
  ]) {
    for (const scales of edges) fixed.push({ H, W, C: rng.pick([8, 12, 20, 7]), kh, kw, stride, scales, biasBits: 30 });
  }
  // The lean requantization's gate and bound (DepthwiseShape.edge) on every path, full range and ReLU,
  // C with and without a tail of one to three channels (the gate's scalar loop).
  for (const [kh, kw, stride, H, W] of [
    [3, 3, 1, 6, 9],
    [3, 3, 1, 14, 14],
    [3, 3, 1, 30, 17],
    [3, 3, 2, 7, 8],
    [3, 3, 2, 14, 14],
    [1, 5, 1, 5, 7],
    [5, 1, 1, 7, 5],
    [1, 5, 1, 3, 3],
    [5, 1, 1, 3, 3],
    [5, 5, 2, 9, 30],
    [5, 5, 2, 14, 14],
    [3, 3, 3, 5, 5],
  ]) {
    for (const edge of ['window', 'bound'] as const) {
      for (const quant of [0, 1]) fixed.push({ H, W, C: rng.pick([8, 12, 20, 24, 36]), kh, kw, stride, edge, quant }, { H, W, C: rng.pick([9, 14, 23]), kh, kw, stride, edge, quant });
    }
  }
  for (const s of fixed) depthwiseCase(h, rng.int(0, 0x7fffffff), s);
  for (let i = 0; i < 8; i++) depthwiseConcatCase(h, rng.int(0, 0x7fffffff));
  for (let i = 0; i < count; i++) depthwiseCase(h, rng.int(0, 0x7fffffff));
}

/** Checks `depthwise_reference` itself against the independent JS definition on small random shapes. */
export function depthwiseReferenceChecks(h: Harness, rng: Rng, count: number): void {
  for (let i = 0; i < count; i++) {
    const seed = rng.int(0, 0x7fffffff);
    const r = new Rng(seed);
    const [kh, kw, stride] = r.pick([
      [3, 3, 1],
      [3, 3, 2],
      [5, 5, 2],
      [1, 5, 1],
      [5, 1, 1],
      [2, 4, 2],
    ] as const);
    const H = r.int(1, 12),
      W = r.int(1, 12),
      C = r.int(1, 40);
    const xStride = C + r.int(0, 3);
    const q = pickQuant(r);
    const x = r.i8(H * W * xStride);
    const w = r.i8(C * kh * kw, -127, 127);
    const bias = r.i32(C, -20000, 20000);
    const scale = pickScales(r, C, 3e-4, 3e-2);
    const [OH, OW] = depthwiseOutSize(H, W, kh, kw, stride);
    const want = depthwiseJs(x, H, W, C, xStride, w, bias, scale, kh, kw, stride, q.zpIn, q.zpOut, q.qmin, q.qmax);
    h.scoped(() => {
      const y = h.out(OH * OW * C);
      h.fn('depthwise_reference')(h.put(x), H, W, C, xStride, h.put(w), h.put(bias), h.put(scale), kh, kw, stride, q.zpIn, y, C, q.zpOut, q.qmin, q.qmax);
      const got = h.bytes(y, OH * OW * C);
      const d = firstDifference(got, new Uint8Array(want.buffer));
      if (d >= 0) throw new Error(`depthwise_reference vs JS seed=${seed} H=${H} W=${W} C=${C} k=${kh}x${kw} s=${stride}: byte ${d}: ${(got[d] << 24) >> 24} vs ${want[d]}`);
    });
  }
}

// ---- Shared by the depthwise, pool, gate and add testers ----

/** Fill byte of output buffers; bytes outside the written slice must keep it. */
export const POISON = 0x5a;

/** f32.nearest: round half to even, on a value that is already an f32. */
export function nearestEven(v: number): number {
  if (!Number.isFinite(v)) return v;
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * The contract's requantization after the multiply, in plain JS (exact arithmetic, no wrapping):
 * clamp(round_half_even(v) + zp, qmin, qmax) for an f32 value v (±Infinity clamps too).
 */
export function quantizeJs(v: number, zp: number, qmin: number, qmax: number): number {
  return Math.min(qmax, Math.max(qmin, nearestEven(v) + zp));
}

/** The contract's requantization: quantizeJs(f32(acc) * scale) with the product rounded once to f32. */
export function requantJs(acc: number, scale: number, zp: number, qmin: number, qmax: number): number {
  const prod = Math.fround(Math.fround(acc) * Math.fround(scale)); // exact double product, rounded once to f32
  return quantizeJs(prod, zp, qmin, qmax);
}

export interface Quant {
  zpIn: number;
  zpOut: number;
  qmin: number;
  qmax: number;
}

/** Random zero points and output range: full, fused ReLU (qmin = max(-128, zpOut)), or a random sub-range. */
export function pickQuant(rng: Rng, forceMode?: number): Quant {
  const zp = () => (rng.next() < 0.15 ? rng.pick([-128, 0, 127]) : rng.int(-128, 127));
  const zpIn = zp(),
    zpOut = zp();
  const drawn = rng.int(0, 2);
  const mode = forceMode ?? drawn;
  let qmin = -128,
    qmax = 127;
  if (mode === 1) qmin = Math.max(-128, zpOut);
  else if (mode === 2) {
    qmin = rng.int(-128, 127);
    qmax = rng.int(qmin, 127);
  }
  return { zpIn, zpOut, qmin, qmax };
}

/** Per-channel scales, log-uniform in [lo, hi]; sometimes powers of two (so .5 ties occur). */
export function pickScales(rng: Rng, C: number, lo: number, hi: number): Float32Array {
  const a = new Float32Array(C);
  const pow2 = rng.next() < 0.2;
  for (let c = 0; c < C; c++) {
    const v = lo * Math.pow(hi / lo, rng.next());
    a[c] = pow2 ? Math.pow(2, Math.round(Math.log2(v))) : v;
  }
  return a;
}

/**
 * A requantization scale far from the realistic range, log-uniform in one of: [1e3, 1e7] (products far
 * beyond ±2^22, the SIMD magic-number range), [1e-9, 1e-7] (everything rounds to zp), and, unless
 * `finite`, [1e30, 3e38] (products overflow to ±Infinity, which must clamp like huge finite values).
 */
export function extremeScale(rng: Rng, finite = false): number {
  const ranges: [number, number][] = finite
    ? [
        [1e3, 1e7],
        [1e-9, 1e-7],
      ]
    : [
        [1e3, 1e7],
        [1e-9, 1e-7],
        [1e30, 3e38],
      ];
  const [lo, hi] = rng.pick(ranges);
  return Math.fround(lo * Math.pow(hi / lo, rng.next()));
}

/** Throws if a byte outside pixel p's slice [off + p·stride, off + p·stride + C) lost its poison. */
export function checkPoison(a: Uint8Array, pixels: number, C: number, stride: number, off: number, tag: string): void {
  for (let i = 0; i < a.length; i++) {
    const rel = i - off;
    const inside = rel >= 0 && rel % stride < C && Math.floor(rel / stride) < pixels;
    if (!inside && a[i] !== POISON) throw new Error(`${tag}: byte ${i} outside the output slice was written`);
  }
}
