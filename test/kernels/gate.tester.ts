/**
 * Gate tester (XNNPACK style): `lut_u8`, `gate_upsample_mul` and `channel_scale` of a build against
 * their `_reference` in the same build, byte for byte, with poison checks. Environment-agnostic.
 * A failure names its seed; the `...Case(h, seed)` functions replay it.
 */
import { firstDifference, type Harness } from '../../tools/lib/harness.ts';
import { Rng } from '../../tools/lib/rng.ts';
import { GHOSTNET_CHANNELS } from './shapes.ts';
import { POISON, checkPoison, extremeScale, pickQuant, requantJs } from './depthwise.tester.ts';

function i8(v: number): number {
  return (v << 24) >> 24;
}

/** A sigmoid-like gate table (u8 grid g/255) or a random one. */
function pickLut(rng: Rng): Uint8Array {
  const lut = new Uint8Array(256);
  if (rng.next() < 0.5) {
    const s = 0.01 + rng.next() * 0.1,
      z = rng.int(-128, 127);
    for (let i = 0; i < 256; i++) lut[i] = Math.round(255 / (1 + Math.exp(-s * (i - 128 - z))));
  } else for (let i = 0; i < 256; i++) lut[i] = rng.int(0, 255);
  return lut;
}

function gateScale(rng: Rng): number {
  if (rng.next() < 0.15) return extremeScale(rng);
  return Math.fround(Math.pow(10, rng.next() * 1.4 - 0.7) / 255); // s_x / (255 s_y)
}

/** The f32 next to v (dir +1 up, −1 down), v > 0. */
export function f32Step(v: number, dir: 1 | -1): number {
  const f = new Float32Array([v]);
  const i = new Int32Array(f.buffer);
  i[0] += dir;
  return f[0];
}

/**
 * The SIMD multiply's lean requantization (simd128.ts gateLean: taken when 65025·|scale| ≤ 2^21):
 * 'inside' the largest f32 scale that passes (products of ±255·255 land on ±2^21, which the narrows
 * must saturate), 'outside' the next f32 (the general path), 'window' scale 320 with zpX = 127, where
 * products (x − 127)·g < −39322 fall in (−3·2^23, −1.5·2^23) and the lean form would wrap to 127.
 */
export type GateEdge = 'inside' | 'outside' | 'window';

function edgeScale(edge: GateEdge, limit: number): number {
  let s = Math.fround(2 ** 21 / limit);
  while (limit * s > 2 ** 21) s = f32Step(s, -1);
  return edge === 'inside' ? s : f32Step(s, 1);
}

/** Gate values: mostly a sigmoid-ish spread, sometimes the extremes 0 and 255. */
function gates(rng: Rng, n: number, forceExtremes = false): Uint8Array {
  const g = new Uint8Array(n);
  const extremes = forceExtremes || rng.next() < 0.2;
  for (let i = 0; i < n; i++) g[i] = extremes ? rng.pick([0, 255, 128]) : rng.int(0, 255);
  return g;
}

/** zpX and scale of an edge case: zpX at an end (|x − zpX| reaches 255), 127 for the window. */
function edgeQuant(rng: Rng, edge: GateEdge): [number, number] {
  if (edge === 'window') return [127, 320];
  return [rng.pick([127, -128]), edgeScale(edge, 65025)];
}

export function lutCase(h: Harness, seed: number, given?: number): void {
  const rng = new Rng(seed);
  const n = given ?? (rng.next() < 0.5 ? rng.int(1, 40) : rng.int(1, 20000));
  const tag = `lut_u8 seed=${seed} n=${n}`;
  h.scoped(() => {
    const x = h.put(rng.i8(n));
    const lut = h.put(pickLut(rng));
    const y1 = h.out(n, POISON),
      y2 = h.out(n, POISON);
    h.fn('lut_u8')(x, n, lut, y1);
    h.fn('lut_u8_reference')(x, n, lut, y2);
    const a = h.bytes(y1, n + 32),
      b = h.bytes(y2, n + 32);
    const d = firstDifference(a, b);
    if (d >= 0) throw new Error(`${tag}: byte ${d} is ${a[d]}, reference ${b[d]}`);
    checkPoison(a, 1, n, n, 0, tag);
  });
}

export interface UpsampleShape {
  H: number;
  W: number;
  C: number;
  gh: number;
  gw: number;
}

/** `dense` forces xStride = yStride = C (the network's case, the SIMD build's row-stream path) or a strided layout. */
export function gateUpsampleCase(h: Harness, seed: number, given?: UpsampleShape, dense?: boolean, edge?: GateEdge, quant?: number): void {
  const rng = new Rng(seed);
  let s = given;
  if (!s) {
    const small = rng.next() < 0.5;
    const H = rng.int(1, small ? 9 : 60),
      W = rng.int(1, small ? 9 : 60);
    const pooled = rng.next() < 0.7;
    s = { H, W, C: rng.next() < 0.6 ? rng.pick(GHOSTNET_CHANNELS) : rng.int(1, 70), gh: pooled ? Math.max(1, H >> 1) : rng.int(1, H), gw: pooled ? Math.max(1, W >> 1) : rng.int(1, W) };
  }
  const { H, W, C, gh, gw } = s;
  const strided = dense === undefined ? rng.next() < 0.5 : !dense;
  const xOff = strided ? rng.int(0, 5) : 0,
    yOff = strided ? rng.int(0, 5) : 0;
  const xStride = C + xOff + (strided ? rng.int(0, 20) : 0);
  const yStride = C + yOff + (strided ? rng.int(0, 20) : 0);
  const q = pickQuant(rng, quant);
  let scale = gateScale(rng);
  if (edge) [q.zpIn, scale] = edgeQuant(rng, edge);
  const tag = `gate_upsample_mul seed=${seed} H=${H} W=${W} C=${C} g=${gh}x${gw} xStride=${xStride}+${xOff} yStride=${yStride}+${yOff} zpX=${q.zpIn} zpOut=${q.zpOut} scale=${scale} q=[${q.qmin},${q.qmax}]`;
  h.scoped(() => {
    const x = h.put(rng.i8(H * W * xStride)) + xOff;
    const g = h.put(gates(rng, gh * gw * C, edge !== undefined));
    const yBytes = H * W * yStride;
    const y1 = h.out(yBytes, POISON),
      y2 = h.out(yBytes, POISON);
    h.fn('gate_upsample_mul')(x, H, W, C, xStride, q.zpIn, g, gh, gw, scale, y1 + yOff, yStride, q.zpOut, q.qmin, q.qmax);
    h.fn('gate_upsample_mul_reference')(x, H, W, C, xStride, q.zpIn, g, gh, gw, scale, y2 + yOff, yStride, q.zpOut, q.qmin, q.qmax);
    const a = h.bytes(y1, yBytes + 32),
      b = h.bytes(y2, yBytes + 32);
    const d = firstDifference(a, b);
    if (d >= 0) throw new Error(`${tag}: byte ${d} is ${i8(a[d])}, reference ${i8(b[d])}`);
    checkPoison(a, H * W, C, yStride, yOff, tag);
  });
}

export function channelScaleCase(h: Harness, seed: number, given?: { pixels: number; C: number; edge?: GateEdge; quant?: number }): void {
  const rng = new Rng(seed);
  const pixels = given?.pixels ?? rng.pick([1, 3, 9, 49, 196, 784, rng.int(1, 400)]);
  const C = given?.C ?? (rng.next() < 0.6 ? rng.pick(GHOSTNET_CHANNELS) : rng.int(1, 70));
  const strided = rng.next() < 0.5;
  const xOff = strided ? rng.int(0, 5) : 0,
    yOff = strided ? rng.int(0, 5) : 0;
  const xStride = C + xOff + (strided ? rng.int(0, 20) : 0);
  const yStride = C + yOff + (strided ? rng.int(0, 20) : 0);
  const q = pickQuant(rng, given?.quant);
  let scale = gateScale(rng);
  if (given?.edge) [q.zpIn, scale] = edgeQuant(rng, given.edge);
  const tag = `channel_scale seed=${seed} pixels=${pixels} C=${C} xStride=${xStride}+${xOff} yStride=${yStride}+${yOff} zpX=${q.zpIn} zpOut=${q.zpOut} scale=${scale}`;
  h.scoped(() => {
    const x = h.put(rng.i8(pixels * xStride)) + xOff;
    const g = h.put(gates(rng, C, given?.edge !== undefined));
    const yBytes = pixels * yStride;
    const y1 = h.out(yBytes, POISON),
      y2 = h.out(yBytes, POISON);
    h.fn('channel_scale')(x, pixels, C, xStride, q.zpIn, g, scale, y1 + yOff, yStride, q.zpOut, q.qmin, q.qmax);
    h.fn('channel_scale_reference')(x, pixels, C, xStride, q.zpIn, g, scale, y2 + yOff, yStride, q.zpOut, q.qmin, q.qmax);
    const a = h.bytes(y1, yBytes + 32),
      b = h.bytes(y2, yBytes + 32);
    const d = firstDifference(a, b);
    if (d >= 0) throw new Error(`${tag}: byte ${d} is ${i8(a[d])}, reference ${i8(b[d])}`);
    checkPoison(a, pixels, C, yStride, yOff, tag);
  });
}

export function gateCases(h: Harness, rng: Rng, count: number): void {
  for (const n of [1, 15, 16, 17, 255, 256, 257, 28 * 28 * 72, 3 * 3 * 960]) lutCase(h, rng.int(0, 0x7fffffff), n);
  // GhostNet DFC gates: pooled maps upsampled back (28→56, 14→28, 7→14, 3→7 i.e. rows 0,0,0,1,1,2,2), and odd ones.
  const fixed: UpsampleShape[] = [
    { H: 56, W: 56, C: 72, gh: 28, gw: 28 },
    { H: 28, W: 28, C: 120, gh: 14, gw: 14 },
    { H: 14, W: 14, C: 200, gh: 7, gw: 7 },
    { H: 7, W: 7, C: 960, gh: 3, gw: 3 },
    { H: 7, W: 7, C: 20, gh: 3, gw: 3 },
    { H: 3, W: 3, C: 17, gh: 1, gw: 1 },
    { H: 1, W: 1, C: 8, gh: 1, gw: 1 },
    { H: 1, W: 7, C: 36, gh: 1, gw: 3 },
    { H: 5, W: 1, C: 92, gh: 2, gw: 1 },
    { H: 14, W: 14, C: 960, gh: 7, gw: 7 }, // a dense row longer than the SIMD row buffer
  ];
  for (const s of fixed) for (const dense of [true, false]) gateUpsampleCase(h, rng.int(0, 0x7fffffff), s, dense);
  for (const [pixels, C] of [
    [784, 72],
    [196, 120],
    [196, 480],
    [196, 672],
    [49, 672],
    [49, 960],
    [1, 3],
  ])
    channelScaleCase(h, rng.int(0, 0x7fffffff), { pixels, C });
  // The lean requantization's bound and window (GateEdge) on both multiply paths and the SE scale,
  // full range, fused ReLU and a sub-range.
  for (const edge of ['inside', 'outside', 'window'] as const)
    for (const quant of [0, 1, 2]) {
      for (const s of [fixed[0], fixed[3], fixed[5]]) for (const dense of [true, false]) gateUpsampleCase(h, rng.int(0, 0x7fffffff), s, dense, edge, quant);
      for (const [pixels, C] of [
        [49, 72],
        [3, 17],
      ])
        channelScaleCase(h, rng.int(0, 0x7fffffff), { pixels, C, edge, quant });
    }
  for (let i = 0; i < count; i++) {
    lutCase(h, rng.int(0, 0x7fffffff));
    gateUpsampleCase(h, rng.int(0, 0x7fffffff));
    channelScaleCase(h, rng.int(0, 0x7fffffff));
  }
}

/** The references against independent JS computations. */
export function gateReferenceChecks(h: Harness, rng: Rng, count: number): void {
  for (let i = 0; i < count; i++) {
    const seed = rng.int(0, 0x7fffffff);
    const r = new Rng(seed);
    const H = r.int(1, 9),
      W = r.int(1, 9),
      C = r.int(1, 30),
      gh = r.int(1, H),
      gw = r.int(1, W);
    const q = pickQuant(r);
    const scale = gateScale(r);
    const x = r.i8(H * W * C);
    const g = gates(r, gh * gw * C);
    const lut = pickLut(r);
    const want = new Int8Array(H * W * C),
      cWant = new Int8Array(H * W * C),
      lWant = new Uint8Array(H * W * C);
    // Nearest upsample as PyTorch computes it for these sizes: floor(o * in / out).
    for (let oy = 0; oy < H; oy++)
      for (let ox = 0; ox < W; ox++)
        for (let c = 0; c < C; c++) {
          const sy = Math.floor((oy * gh) / H),
            sx = Math.floor((ox * gw) / W);
          const k = (oy * W + ox) * C + c;
          want[k] = requantJs((x[k] - q.zpIn) * g[(sy * gw + sx) * C + c], scale, q.zpOut, q.qmin, q.qmax);
          cWant[k] = requantJs((x[k] - q.zpIn) * g[c], scale, q.zpOut, q.qmin, q.qmax);
          lWant[k] = lut[x[k] + 128];
        }
    h.scoped(() => {
      const n = H * W * C;
      const xp = h.put(x),
        gp = h.put(g);
      const y = h.out(n);
      h.fn('gate_upsample_mul_reference')(xp, H, W, C, C, q.zpIn, gp, gh, gw, scale, y, C, q.zpOut, q.qmin, q.qmax);
      let d = firstDifference(h.bytes(y, n), new Uint8Array(want.buffer));
      if (d >= 0) throw new Error(`gate_upsample_mul_reference vs JS seed=${seed}: byte ${d}`);
      h.fn('channel_scale_reference')(xp, H * W, C, C, q.zpIn, gp, scale, y, C, q.zpOut, q.qmin, q.qmax);
      d = firstDifference(h.bytes(y, n), new Uint8Array(cWant.buffer));
      if (d >= 0) throw new Error(`channel_scale_reference vs JS seed=${seed}: byte ${d}`);
      h.fn('lut_u8_reference')(xp, n, h.put(lut), y);
      d = firstDifference(h.bytes(y, n), lWant);
      if (d >= 0) throw new Error(`lut_u8_reference vs JS seed=${seed}: byte ${d}`);
    });
  }
}
