/**
 * Input-quantization tester (XNNPACK style): `quantize_chw` of a build against
 * `quantize_chw_reference` in the same build, byte for byte, and the reference against a plain JS
 * definition. Environment-agnostic. `inputCase(h, seed)` replays a failure.
 */
import { firstDifference, type Harness } from '../../tools/lib/harness.ts';
import { Rng } from '../../tools/lib/rng.ts';
import { POISON, nearestEven } from './depthwise.tester.ts';

/** The contract in JS (doubles): clamp(round_half_even(x * inv) + zp, -128, 127); NaN → zp. */
export function quantizeInputJs(x: number, inv: number, zp: number): number {
  const v = x * inv;
  if (Number.isNaN(v)) return zp;
  return Math.min(127, Math.max(-128, nearestEven(v) + zp));
}

/** Random planes with ties (k + 0.5)·scale, out-of-range values, ±0, ±Infinity and NaN mixed in. */
function planes(rng: Rng, n: number, scale: number): Float32Array {
  const x = new Float32Array(3 * n);
  for (let i = 0; i < x.length; i++) {
    const r = rng.next();
    if (r < 0.6) x[i] = (rng.next() * 2 - 1) * 140 * scale;
    else if (r < 0.85)
      x[i] = (rng.int(-140, 140) + 0.5) * scale; // ties after the multiply (when exact)
    else if (r < 0.95) x[i] = (rng.next() * 2 - 1) * 1e6;
    else x[i] = rng.pick([0, -0, Infinity, -Infinity, NaN, 3.4e38, -3.4e38]);
  }
  return x;
}

/**
 * One call on random planes. `given.inv` forces the multiplier: 0, or one so large that no f32 lim has
 * lim·inv in [1024, 4096] (the SIMD variant then takes the reference's loop), or a subnormal scale's.
 */
export function inputCase(h: Harness, seed: number, given?: { n: number; inv?: number }): void {
  const rng = new Rng(seed);
  const n = given?.n ?? (rng.next() < 0.5 ? rng.int(1, 40) : rng.int(1, 80) * rng.int(1, 80));
  const scale = given?.inv !== undefined ? (given.inv > 0 && given.inv < Infinity ? 1 / given.inv : 1) : rng.pick([1 / 64, 0.0173, 0.5, 2 ** -7, Math.pow(10, rng.next() * 3 - 3)]);
  const inv = given?.inv ?? 1 / Math.fround(scale);
  const zp = rng.next() < 0.3 ? 0 : rng.int(-128, 127);
  const tag = `quantize_chw seed=${seed} n=${n} scale=${scale} zp=${zp}`;
  h.scoped(() => {
    const x = h.put(planes(rng, n, scale));
    const y1 = h.out(3 * n, POISON),
      y2 = h.out(3 * n, POISON);
    h.fn('quantize_chw')(x, n, inv, zp, y1);
    h.fn('quantize_chw_reference')(x, n, inv, zp, y2);
    expectSameInt8(h, y1, y2, 3 * n, tag);
  });
}

/** `n` int8 outputs at `got` equal the reference's at `want`, and the 32 poisoned bytes after `got` are untouched. */
export function expectSameInt8(h: Harness, got: number, want: number, n: number, tag: string): void {
  const a = h.bytes(got, n + 32),
    b = h.bytes(want, n + 32);
  const d = firstDifference(a, b);
  if (d >= 0) throw new Error(`${tag}: byte ${d} is ${(a[d] << 24) >> 24}, reference ${(b[d] << 24) >> 24}`);
  for (let i = n; i < n + 32; i++) if (a[i] !== POISON) throw new Error(`${tag}: wrote past the end (byte ${i})`);
}

export function inputCases(h: Harness, rng: Rng, count: number): void {
  for (const n of [1, 15, 16, 17, 31, 32, 33, 64 * 64, 224 * 224, 256 * 256 + 7]) inputCase(h, rng.int(0, 0x7fffffff), { n });
  for (let i = 0; i < count; i++) inputCase(h, rng.int(0, 0x7fffffff));
}

/** `quantize_chw_reference` against the JS definition. */
export function inputReferenceChecks(h: Harness, rng: Rng, count: number): void {
  for (let i = 0; i < count; i++) {
    const seed = rng.int(0, 0x7fffffff);
    const r = new Rng(seed);
    const n = r.int(1, 500);
    const scale = Math.fround(Math.pow(10, r.next() * 3 - 3));
    const inv = 1 / scale;
    const zp = r.int(-128, 127);
    const x = planes(r, n, scale);
    const want = new Int8Array(3 * n);
    for (let c = 0; c < 3; c++) for (let p = 0; p < n; p++) want[p * 3 + c] = quantizeInputJs(x[c * n + p], inv, zp);
    h.scoped(() => {
      const y = h.out(3 * n);
      h.fn('quantize_chw_reference')(h.put(x), n, inv, zp, y);
      const d = firstDifference(h.bytes(y, 3 * n), new Uint8Array(want.buffer));
      if (d >= 0) throw new Error(`quantize_chw_reference vs JS seed=${seed} n=${n}: byte ${d}`);
    });
  }
}
