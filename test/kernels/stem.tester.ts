/**
 * stem tester (XNNPACK style), shared by the Node tests and the workerd run. Environment-agnostic.
 * Every case packs the plain [cout][27] (ky, kx, c) weights with `pointwise_pack` (cin 27: the build's
 * own pointwise layout, which is what the stem op hands the kernel), runs the build's `stem_3x3s2`
 * and the plain-weight `stem_3x3s2_reference` on the same image into two identically poisoned
 * buffers, and requires byte equality of the whole output block — the channels, the gaps between
 * strided output pixels, the bytes before the slice and 32 poison bytes after it. The inputs must come
 * back unchanged. Failures name the seed; `stemCase(h, seed)` replays one.
 */
import { firstDifference, type Harness } from '../../tools/lib/harness.ts';
import { Rng } from '../../tools/lib/rng.ts';
import { requantJs } from './depthwise.tester.ts';

const POISON = 0xa5;

export interface StemShape {
  H: number;
  W: number;
  cout: number;
  /** output pixel stride in bytes (≥ cout); default cout */
  yStride?: number;
  /** byte offset of the image / the output from a 16-byte aligned block */
  xOffset?: number;
  yOffset?: number;
  zpIn?: number;
  zpOut?: number;
  qmin?: number;
  qmax?: number;
  /** 'random' (default), 'extreme' (only -128/127 inputs, ±127 weights), 'bound' (biases ±2^30, scales near 1: saturating) */
  data?: 'random' | 'extreme' | 'bound';
}

function complete(rng: Rng, s: StemShape): Required<StemShape> {
  const zpOut = s.zpOut ?? rng.int(-128, 127);
  let { qmin, qmax } = s;
  if (qmin === undefined || qmax === undefined) {
    const mode = rng.int(0, 3);
    if (mode === 0) [qmin, qmax] = [-128, 127];
    else if (mode === 1)
      [qmin, qmax] = [Math.max(-128, zpOut), 127]; // fused ReLU, as the network
    else {
      const a = rng.int(-128, 127),
        b = rng.int(-128, 127);
      [qmin, qmax] = [Math.min(a, b), Math.max(a, b)];
    }
  }
  return {
    H: s.H,
    W: s.W,
    cout: s.cout,
    yStride: s.yStride ?? s.cout,
    xOffset: s.xOffset ?? 0,
    yOffset: s.yOffset ?? 0,
    zpIn: s.zpIn ?? rng.int(-128, 127),
    zpOut,
    qmin,
    qmax,
    data: s.data ?? 'random',
  };
}

const describe = (s: Required<StemShape>) =>
  `stem_3x3s2 H=${s.H} W=${s.W} cout=${s.cout} yStride=${s.yStride} xOffset=${s.xOffset} yOffset=${s.yOffset} zpIn=${s.zpIn} zpOut=${s.zpOut} qmin=${s.qmin} qmax=${s.qmax} data=${s.data}`;

interface Data {
  x: Int8Array;
  w: Int8Array;
  bias: Int32Array;
  scale: Float32Array;
}

function data(rng: Rng, s: Required<StemShape>): Data {
  const n = s.xOffset + s.H * s.W * 3;
  if (s.data === 'extreme') {
    const x = new Int8Array(n).map(() => (rng.next() < 0.5 ? -128 : 127));
    const w = new Int8Array(s.cout * 27).map(() => (rng.next() < 0.5 ? -127 : 127));
    return { x, w, bias: rng.i32(s.cout, -2000, 2000), scale: Float32Array.from({ length: s.cout }, () => Math.pow(10, -4 + 2 * rng.next())) };
  }
  const x = rng.i8(n);
  const w = rng.i8(s.cout * 27, -127, 127);
  if (s.data === 'bound') return { x, w, bias: rng.i32(s.cout, -(2 ** 30), 2 ** 30), scale: Float32Array.from({ length: s.cout }, () => (rng.next() < 0.5 ? -1 : 1) * (0.25 + rng.next())) };
  const mode = rng.int(0, 2);
  const bias = mode === 0 ? rng.i32(s.cout, -2000, 2000) : mode === 1 ? rng.i32(s.cout, -(1 << 20), 1 << 20) : rng.i32(s.cout, -(2 ** 30), 2 ** 30);
  const scale = Float32Array.from({ length: s.cout }, () => Math.pow(10, -4 + 3 * rng.next()));
  if (rng.next() < 0.15) scale[rng.int(0, s.cout - 1)] = rng.pick([0.5, -0.5, 3, -3, 100]);
  return { x, w, bias, scale };
}

/** Runs one shape; the seed drives all data. Throws on the first difference. */
export function stemShape(h: Harness, seed: number, shape: StemShape): void {
  const rng = new Rng(seed);
  const s = complete(rng, shape);
  const { H, W, cout, yStride } = s;
  if (yStride < cout) throw new Error(`bad shape ${describe(s)}`);
  const OH = (H + 1) >> 1,
    OW = (W + 1) >> 1;
  const yBytes = s.yOffset + (OH * OW - 1) * yStride + cout;
  const { x, w, bias, scale } = data(rng, s);
  h.scoped(() => {
    const xp = h.put(x),
      wp = h.put(w),
      bp = h.put(bias),
      sp = h.put(scale);
    const nPacked = h.fn('pointwise_packed_size')(27, cout) as number;
    const pp = h.out(nPacked, 0);
    h.fn('pointwise_pack')(wp, 27, cout, pp);
    const packed = h.bytes(pp, nPacked);
    const scratch = h.out(h.fn('stem_3x3s2_scratch_size')(H, W, cout) as number, POISON);
    const y1 = h.out(yBytes, POISON),
      y2 = h.out(yBytes, POISON);
    const args = [s.zpOut, s.qmin, s.qmax, scratch] as const;
    h.fn('stem_3x3s2')(xp + s.xOffset, H, W, s.zpIn, pp, bp, sp, cout, y1 + s.yOffset, yStride, ...args);
    h.fn('stem_3x3s2_reference')(xp + s.xOffset, H, W, s.zpIn, wp, bp, sp, cout, y2 + s.yOffset, yStride, ...args);
    const got = h.bytes(y1, yBytes + 32),
      want = h.bytes(y2, yBytes + 32);
    const d = firstDifference(got, want);
    if (d >= 0) {
      const e = d - s.yOffset,
        p = Math.floor(e / yStride),
        o = e - p * yStride;
      const where =
        d >= yBytes ? 'in the poison after the output' : e >= 0 && o < cout ? `at pixel ${p} (oy ${Math.floor(p / OW)}, ox ${p % OW}) channel ${o}` : `outside the slice (pixel ${p}, byte ${o})`;
      throw new Error(`stem mismatch (seed ${seed}) ${describe(s)}: byte ${d} ${where}: got ${got[d]} want ${want[d]}`);
    }
    if (firstDifference(h.bytes(xp, x.length), new Uint8Array(x.buffer)) >= 0) throw new Error(`stem modified its input (seed ${seed}) ${describe(s)}`);
    if (firstDifference(h.bytes(pp, nPacked), packed) >= 0) throw new Error(`stem modified its packed weights (seed ${seed}) ${describe(s)}`);
    if (firstDifference(h.bytes(bp, cout * 4), new Uint8Array(bias.buffer)) >= 0 || firstDifference(h.bytes(sp, cout * 4), new Uint8Array(scale.buffer)) >= 0)
      throw new Error(`stem modified bias or scale (seed ${seed}) ${describe(s)}`);
  });
}

export function randomStemShape(seed: number): StemShape {
  const rng = new Rng(seed ^ 0x57e3);
  const r = rng.next();
  const side = () => (r < 0.15 ? rng.int(1, 4) : r < 0.9 ? rng.int(1, 40) : rng.int(40, 120));
  const cout = rng.next() < 0.5 ? rng.pick([4, 8, 12, 16, 20, 24, 32]) : rng.int(1, 40);
  const yStride = rng.next() < 0.7 ? cout : cout + rng.int(1, 9);
  const data = rng.pick(['random', 'random', 'random', 'extreme', 'bound'] as const);
  return { H: side(), W: side(), cout, yStride, data, xOffset: rng.next() < 0.5 ? 0 : rng.int(1, 15), yOffset: rng.next() < 0.5 ? 0 : rng.int(1, 15) };
}

export function stemCase(h: Harness, seed: number): void {
  stemShape(h, seed, randomStemShape(seed));
}

/** `count` random images and output shapes, plus the network's stems (224² and the 64² default, 16 and 8 channels). */
export function stemCases(h: Harness, rng: Rng, count: number): void {
  for (const s of [
    { H: 224, W: 224, cout: 16 },
    { H: 64, W: 64, cout: 16 },
    { H: 64, W: 64, cout: 4 },
    { H: 225, W: 223, cout: 16 },
    { H: 1, W: 1, cout: 16 },
    { H: 2, W: 3, cout: 8 },
  ])
    stemShape(h, rng.int(0, 0x7fffffff), s);
  for (let i = 0; i < count; i++) stemCase(h, rng.int(0, 0x7fffffff));
}

/** Compares stem_3x3s2_reference with a JS evaluation of the contract (docs/KERNELS.md). */
export function stemReferenceChecks(h: Harness, rng: Rng, count: number): void {
  for (let i = 0; i < count; i++) {
    const seed = rng.int(0, 0x7fffffff);
    const r = new Rng(seed);
    const s = complete(r, { H: r.int(1, 13), W: r.int(1, 13), cout: r.int(1, 20), data: r.pick(['random', 'extreme', 'bound'] as const) });
    const { H, W, cout } = s;
    const { x, w, bias, scale } = data(r, s);
    const OH = (H + 1) >> 1,
      OW = (W + 1) >> 1;
    const want = new Int8Array(OH * OW * cout + 32).fill((POISON << 24) >> 24);
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++)
        for (let o = 0; o < cout; o++) {
          let acc = bias[o];
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++)
              for (let c = 0; c < 3; c++) {
                const iy = 2 * oy - 1 + ky,
                  ix = 2 * ox - 1 + kx;
                const v = iy >= 0 && iy < H && ix >= 0 && ix < W ? x[(iy * W + ix) * 3 + c] : s.zpIn;
                acc = (acc + w[o * 27 + (ky * 3 + kx) * 3 + c] * v) | 0;
              }
          want[(oy * OW + ox) * cout + o] = requantJs(acc, scale[o], s.zpOut, s.qmin, s.qmax);
        }
    h.scoped(() => {
      const xp = h.put(x),
        wp = h.put(w),
        bp = h.put(bias),
        sp = h.put(scale);
      const yp = h.out(OH * OW * cout, POISON);
      h.fn('stem_3x3s2_reference')(xp, H, W, s.zpIn, wp, bp, sp, cout, yp, cout, s.zpOut, s.qmin, s.qmax, 0);
      const d = firstDifference(h.bytes(yp, want.length), new Uint8Array(want.buffer));
      if (d >= 0) throw new Error(`stem reference differs from the JS contract (seed ${seed}) ${describe(s)}: byte ${d}`);
    });
  }
}
