/**
 * pointwise tester (XNNPACK style), shared by the Node tests and the workerd run.
 * Environment-agnostic: it only needs an engine build's exports through a Harness.
 *
 * Every case packs the plain weights with `pointwise_pack` (the build's own layout), runs the build's
 * `pointwise` (or `pointwise_f32`) and the plain-layout `*_reference` on the same inputs into two
 * identically poisoned buffers, and requires the two buffers to be byte-for-byte equal — the outputs,
 * the gaps between strided output rows, the bytes before the slice and 32 poison bytes after it.
 * The inputs (activations, packed weights, bias, scale) must come back unchanged.
 * A failure throws an Error naming the case seed; `pointwiseCase(h, seed)` replays it.
 */
import { pointwiseLayers } from '../../tools/bench/layers.ts';
import { firstDifference, type Harness } from '../../tools/lib/harness.ts';
import { Rng } from '../../tools/lib/rng.ts';
import { GHOSTNET_CHANNELS } from './shapes.ts';
import { requantJs } from './depthwise.tester.ts'; // the JS model of the shared requantization

export interface PointwiseShape {
  cin: number;
  cout: number;
  pixels: number;
  /** activation row stride in bytes (≥ cin); default cin */
  xStride?: number;
  /** output row stride in elements (≥ cout); default cout */
  yStride?: number;
  /** byte offset of the activations from a 16-byte aligned block (unaligned slices) */
  xOffset?: number;
  /** element offset of the output from a 16-byte aligned block (concat slices) */
  yOffset?: number;
  zp?: number;
  qmin?: number;
  qmax?: number;
  /** test pointwise_f32 instead of pointwise */
  f32?: boolean;
  /** value distribution: 'random' (default), 'extreme' (only ±127/-128), 'small' (|v| ≤ 3) */
  data?: 'random' | 'extreme' | 'small';
  /** every channel's scale (default: random, see scales()) */
  scale?: number;
  /** biases uniform in ±biasRange (default: random range, see biases()) */
  biasRange?: number;
  /** smallest weight (default -127, the contract's symmetric range; -128 checks full int8 exactness) */
  wmin?: number;
}

const POISON = 0xa5;

function describe(s: Required<PointwiseShape>): string {
  return (
    `${s.f32 ? 'pointwise_f32' : 'pointwise'} cin=${s.cin} cout=${s.cout} pixels=${s.pixels} xStride=${s.xStride} ` +
    `yStride=${s.yStride} xOffset=${s.xOffset} yOffset=${s.yOffset} zp=${s.zp} qmin=${s.qmin} qmax=${s.qmax} data=${s.data}` +
    (Number.isNaN(s.scale) ? '' : ` scale=${s.scale}`) +
    (Number.isNaN(s.biasRange) ? '' : ` biasRange=${s.biasRange}`) +
    (s.wmin === -127 ? '' : ` wmin=${s.wmin}`)
  );
}

function complete(rng: Rng, s: PointwiseShape): Required<PointwiseShape> {
  const zp = s.zp ?? rng.int(-128, 127);
  let qmin = s.qmin,
    qmax = s.qmax;
  if (qmin === undefined || qmax === undefined) {
    const mode = rng.int(0, 3);
    if (mode === 0) {
      qmin = -128;
      qmax = 127;
    } // no activation
    else if (mode === 1) {
      qmin = Math.max(-128, zp);
      qmax = 127;
    } // fused ReLU
    else {
      const a = rng.int(-128, 127),
        b = rng.int(-128, 127);
      qmin = Math.min(a, b);
      qmax = Math.max(a, b);
    }
  }
  return {
    cin: s.cin,
    cout: s.cout,
    pixels: s.pixels,
    xStride: s.xStride ?? s.cin,
    yStride: s.yStride ?? s.cout,
    xOffset: s.xOffset ?? 0,
    yOffset: s.yOffset ?? 0,
    zp,
    qmin,
    qmax,
    f32: s.f32 ?? false,
    data: s.data ?? 'random',
    scale: s.scale ?? NaN,
    biasRange: s.biasRange ?? NaN,
    wmin: s.wmin ?? -127,
  };
}

function values(rng: Rng, n: number, lo: number, hi: number, data: string): Int8Array {
  if (data === 'extreme') {
    const a = new Int8Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.next() < 0.5 ? lo : hi;
    return a;
  }
  if (data === 'small') return rng.i8(n, -3, 3);
  return rng.i8(n, lo, hi);
}

/**
 * Scales: mostly log-uniform in [1e-4, 1e-1] (the realistic requantization range); sometimes a few
 * large ones (0.4 .. 4, exactly 0.5, negative) so that saturating requantization and any
 * kernel path that depends on the scale range are exercised too.
 */
function scales(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.pow(10, -4 + 3 * rng.next());
  if (rng.next() < 0.12) {
    const k = rng.int(1, Math.min(n, 3));
    for (let j = 0; j < k; j++) a[rng.int(0, n - 1)] = rng.pick([0.5, -0.5, 0.4 + 3.6 * rng.next(), -(0.4 + 3.6 * rng.next()), 100]);
  }
  return a;
}

function biases(rng: Rng, n: number): Int32Array {
  const mode = rng.int(0, 2);
  if (mode === 0) return rng.i32(n, -2000, 2000);
  if (mode === 1) return rng.i32(n, -(1 << 20), 1 << 20);
  return rng.i32(n, -(2 ** 30), 2 ** 30); // saturating requantization
}

/** Runs one shape; the seed drives all data. Throws on the first difference. */
export function pointwiseShape(h: Harness, seed: number, shape: PointwiseShape): void {
  const rng = new Rng(seed);
  const s = complete(rng, shape);
  const { cin, cout, pixels, xStride, yStride, f32 } = s;
  if (xStride < cin || yStride < cout) throw new Error(`bad shape ${describe(s)}`);
  const eb = f32 ? 4 : 1;
  const xBytes = s.xOffset + (pixels - 1) * xStride + cin;
  const yBytes = (s.yOffset + (pixels - 1) * yStride + cout) * eb;
  const x = values(rng, xBytes, -128, 127, s.data);
  const w = values(rng, cin * cout, s.wmin, 127, s.data);
  const bias = Number.isNaN(s.biasRange) ? biases(rng, cout) : rng.i32(cout, -s.biasRange, s.biasRange);
  const scale = Number.isNaN(s.scale) ? scales(rng, cout) : new Float32Array(cout).fill(s.scale);
  h.scoped(() => {
    const pack = h.fn('pointwise_pack'),
      packedSize = h.fn('pointwise_packed_size');
    const kernel = h.fn(f32 ? 'pointwise_f32' : 'pointwise');
    const reference = h.fn(f32 ? 'pointwise_f32_reference' : 'pointwise_reference');
    const xp = h.put(x),
      wp = h.put(w),
      bp = h.put(bias),
      sp = h.put(scale);
    const nPacked = packedSize(cin, cout) as number;
    const pp = h.out(nPacked, 0);
    pack(wp, cin, cout, pp);
    const packed = h.bytes(pp, nPacked);
    const y1 = h.out(yBytes, POISON),
      y2 = h.out(yBytes, POISON);
    const xa = xp + s.xOffset,
      y1a = y1 + s.yOffset * eb,
      y2a = y2 + s.yOffset * eb;
    if (f32) {
      kernel(xa, pixels, cin, xStride, pp, bp, sp, cout, y1a, yStride);
      reference(xa, pixels, cin, xStride, wp, bp, sp, cout, y2a, yStride);
    } else {
      kernel(xa, pixels, cin, xStride, pp, bp, sp, cout, y1a, yStride, s.zp, s.qmin, s.qmax);
      reference(xa, pixels, cin, xStride, wp, bp, sp, cout, y2a, yStride, s.zp, s.qmin, s.qmax);
    }
    const got = h.bytes(y1, yBytes + 32),
      want = h.bytes(y2, yBytes + 32);
    const d = firstDifference(got, want);
    if (d >= 0) {
      let where = 'in the poison after the output';
      if (d < yBytes) {
        const e = Math.floor(d / eb) - s.yOffset;
        const p = Math.floor(e / yStride),
          o = e - p * yStride;
        where = o < cout && e >= 0 ? `at pixel ${p} channel ${o}` : `outside the slice (pixel ${p}, column ${o})`;
      }
      throw new Error(`pointwise mismatch (seed ${seed}) ${describe(s)}: byte ${d} ${where}: got ${got[d]} want ${want[d]}`);
    }
    if (firstDifference(h.bytes(xp, xBytes), new Uint8Array(x.buffer)) >= 0) throw new Error(`activations modified (seed ${seed}) ${describe(s)}`);
    if (firstDifference(h.bytes(pp, nPacked), packed) >= 0) throw new Error(`packed weights modified (seed ${seed}) ${describe(s)}`);
    if (firstDifference(h.bytes(bp, cout * 4), new Uint8Array(bias.buffer)) >= 0) throw new Error(`bias modified (seed ${seed}) ${describe(s)}`);
    if (firstDifference(h.bytes(sp, cout * 4), new Uint8Array(scale.buffer)) >= 0) throw new Error(`scale modified (seed ${seed}) ${describe(s)}`);
  });
}

/** A random shape for one seed (the distribution used by pointwiseCases). */
export function randomPointwiseShape(seed: number): PointwiseShape {
  const rng = new Rng(seed ^ 0x9e3779b9);
  const channels = (big: number): number => {
    const r = rng.next();
    if (r < 0.45) return rng.pick(GHOSTNET_CHANNELS);
    if (r < 0.8) return rng.int(1, 40);
    return rng.int(1, big);
  };
  const cin = channels(1300),
    cout = channels(1300);
  const r = rng.next();
  let pixels = r < 0.15 ? 1 : r < 0.3 ? rng.int(2, 9) : r < 0.9 ? rng.int(1, 300) : rng.int(300, 3000);
  // keep the scalar reference affordable
  while (pixels > 1 && pixels * cin * cout > 6e6) pixels = Math.max(1, pixels >> 1);
  return {
    cin,
    cout,
    pixels,
    xStride: rng.next() < 0.5 ? cin : cin + rng.int(1, 70),
    yStride: rng.next() < 0.5 ? cout : cout + rng.int(1, 70),
    xOffset: rng.next() < 0.5 ? 0 : rng.int(1, 15),
    yOffset: rng.next() < 0.5 ? 0 : rng.int(1, 15),
    f32: rng.next() < 0.15,
    data: rng.next() < 0.1 ? 'extreme' : 'random',
  };
}

/** Replays case `seed` of pointwiseCases. */
export function pointwiseCase(h: Harness, seed: number): void {
  pointwiseShape(h, seed, randomPointwiseShape(seed));
}

/** `count` random cases; the case seeds come from rng. */
export function pointwiseCases(h: Harness, rng: Rng, count: number): void {
  for (let i = 0; i < count; i++) pointwiseCase(h, rng.int(0, 0x7fffffff));
}

/** The GhostNet layer shapes (and the stem GEMM, the classifier as pointwise_f32), with random data. */
export function pointwiseGhostnetCases(h: Harness, rng: Rng): void {
  const distinct = new Map(
    pointwiseLayers()
      .filter((l) => !l.f32)
      .map(({ cin, cout, pixels }) => [`${cin},${cout},${pixels}`, { cin, cout, pixels }]),
  );
  for (const shape of distinct.values()) pointwiseShape(h, rng.int(0, 0x7fffffff), shape);
  pointwiseShape(h, rng.int(0, 0x7fffffff), { cin: 27, cout: 16, pixels: 12544, xStride: 32, qmin: -10, qmax: 127, zp: -10 }); // stem
  pointwiseShape(h, rng.int(0, 0x7fffffff), { cin: 1280, cout: 1000, pixels: 1, f32: true }); // classifier
  // Ghost concat: the primary conv writes the first half of a 2x wider buffer
  pointwiseShape(h, rng.int(0, 0x7fffffff), { cin: 80, cout: 92, pixels: 196, yStride: 184 });
  pointwiseShape(h, rng.int(0, 0x7fffffff), { cin: 16, cout: 8, pixels: 3000, yStride: 16, yOffset: 8 });
}

/** Every tail combination: cin 1..40 around the 8/16 paddings, cout 1..20, pixels 1..11. */
export function pointwiseTailCases(h: Harness, rng: Rng): void {
  for (let cout = 1; cout <= 20; cout++) {
    for (const pixels of [1, 2, 3, 4, 5, 6, 7, 11]) {
      pointwiseShape(h, rng.int(0, 0x7fffffff), { cin: rng.int(1, 40), cout, pixels, xStride: rng.int(40, 48), yStride: cout + rng.int(0, 3), yOffset: rng.int(0, 3) });
    }
  }
  for (let cin = 1; cin <= 40; cin++) {
    pointwiseShape(h, rng.int(0, 0x7fffffff), { cin, cout: rng.int(1, 24), pixels: rng.int(1, 12) });
    pointwiseShape(h, rng.int(0, 0x7fffffff), { cin, cout: rng.int(1, 24), pixels: rng.int(1, 12), f32: true });
  }
  // requantization edge cases: ties, products far outside the int8 range (up to ~1e11: they must
  // saturate, never wrap), negative and tiny scales
  for (const scale of [0.5, 0.50000006, 0.75, 4, 100, -3, 1e-9]) {
    for (const zp of [-100, 0, 100]) {
      for (const [qmin, qmax] of [
        [-128, 127],
        [Math.max(-128, zp), 127],
      ]) {
        pointwiseShape(h, rng.int(0, 0x7fffffff), { cin: rng.int(1, 40), cout: rng.int(1, 20), pixels: rng.int(1, 7), zp, qmin, qmax, scale, biasRange: 2 ** 30 });
        pointwiseShape(h, rng.int(0, 0x7fffffff), { cin: rng.int(1, 40), cout: rng.int(1, 20), pixels: rng.int(1, 7), zp, qmin, qmax, scale, biasRange: 3000, data: 'small' });
      }
    }
  }
  // full int8 weight range (-128 included), extreme and random
  for (let i = 0; i < 6; i++) {
    pointwiseShape(h, rng.int(0, 0x7fffffff), { cin: rng.int(1, 70), cout: rng.int(1, 24), pixels: rng.int(1, 12), wmin: -128, data: i & 1 ? 'extreme' : 'random' });
  }
  // beyond the SIMD scratch (cin > 4096 takes the packed scalar path)
  pointwiseShape(h, rng.int(0, 0x7fffffff), { cin: 4100, cout: 9, pixels: 3 });
  pointwiseShape(h, rng.int(0, 0x7fffffff), { cin: 4100, cout: 5, pixels: 2, f32: true });
}

// ---- an independent check of the reference itself (plain JS, no engine code) ----

function f32mul(a: number, b: number): number {
  return Math.fround(Math.fround(a) * Math.fround(b)); // exact double product, one rounding
}

/** Compares pointwise_reference / pointwise_f32_reference with a JS evaluation of the contract. */
export function pointwiseReferenceChecks(h: Harness, rng: Rng, count: number): void {
  for (let i = 0; i < count; i++) {
    const seed = rng.int(0, 0x7fffffff);
    const r = new Rng(seed);
    const cin = r.int(1, 70),
      cout = r.int(1, 40),
      pixels = r.int(1, 20);
    const xStride = cin + r.int(0, 5),
      yStride = cout + r.int(0, 5);
    const f32 = r.next() < 0.3;
    const zp = r.int(-128, 127);
    const qmin = r.next() < 0.5 ? -128 : Math.max(-128, zp),
      qmax = 127;
    const x = r.i8((pixels - 1) * xStride + cin),
      w = r.i8(cin * cout, -127, 127);
    const bias = r.i32(cout, -(1 << 16), 1 << 16),
      scale = scales(r, cout);
    if (i % 7 === 0) {
      scale[0] = 0.5;
      bias[0] = 0;
    } // an exact .5 tie for round-half-even
    h.scoped(() => {
      const eb = f32 ? 4 : 1;
      const yBytes = ((pixels - 1) * yStride + cout) * eb;
      const xp = h.put(x),
        wp = h.put(w),
        bp = h.put(bias),
        sp = h.put(scale);
      const yp = h.out(yBytes, POISON);
      if (f32) h.fn('pointwise_f32_reference')(xp, pixels, cin, xStride, wp, bp, sp, cout, yp, yStride);
      else h.fn('pointwise_reference')(xp, pixels, cin, xStride, wp, bp, sp, cout, yp, yStride, zp, qmin, qmax);
      const want = new Uint8Array(yBytes + 32).fill(POISON);
      const wantF = new Float32Array(want.buffer, 0, (yBytes >> 2) * (f32 ? 1 : 0));
      const wantI = new Int8Array(want.buffer);
      for (let p = 0; p < pixels; p++) {
        for (let o = 0; o < cout; o++) {
          let acc = bias[o];
          for (let k = 0; k < cin; k++) acc += w[o * cin + k] * x[p * xStride + k];
          if (f32) wantF[p * yStride + o] = f32mul(acc, scale[o]);
          else wantI[p * yStride + o] = requantJs(acc, scale[o], zp, qmin, qmax);
        }
      }
      const got = h.bytes(yp, yBytes + 32);
      const d = firstDifference(got, want);
      if (d >= 0) {
        throw new Error(`pointwise reference differs from the JS contract (seed ${seed}, cin=${cin} cout=${cout} pixels=${pixels} f32=${f32}): byte ${d}`);
      }
    });
  }
}
