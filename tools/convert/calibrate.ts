/**
 * Activation ranges for int8: run the float reference over calibration images, keep each tensor's
 * exact min/max and a bounded random sample of its values, then pick a clipping range.
 * Memory stays bounded whatever the number of images: `perImage` values per tensor per image.
 */
import { mulberry32 } from '../lib/rng.ts';
import type { Feature, FloatGhostNetV2 } from './float-forward.ts';

export type RangeMethod = 'minmax' | 'percentile' | 'mse';
export const RANGE_METHODS: RangeMethod[] = ['minmax', 'percentile', 'mse'];

export interface TensorStats {
  min: number;
  max: number;
  samples: Float32Array[];
}

export interface QParams {
  scale: number;
  zero_point: number;
}

export function collectStats(net: FloatGhostNetV2, inputs: Iterable<Feature>, perImage = 4096, seed = 1, onImage?: () => void): Map<string, TensorStats> {
  const stats = new Map<string, TensorStats>();
  const rand = mulberry32(seed); // calibration is reproducible
  for (const x of inputs) {
    net.forward(x, (name, t) => {
      let s = stats.get(name);
      if (!s) stats.set(name, (s = { min: Infinity, max: -Infinity, samples: [] }));
      const d = t.data;
      for (let i = 0; i < d.length; i++) {
        if (d[i] < s.min) s.min = d[i];
        if (d[i] > s.max) s.max = d[i];
      }
      if (d.length <= perImage) s.samples.push(d.slice());
      else {
        const pick = new Float32Array(perImage);
        for (let i = 0; i < perImage; i++) pick[i] = d[Math.floor(rand() * d.length)];
        s.samples.push(pick);
      }
    });
    onImage?.();
  }
  return stats;
}

/** Asymmetric int8 parameters for [lo, hi], widened to hold 0 exactly (zero padding must be exact). */
export function qparams(lo: number, hi: number): QParams {
  lo = Math.min(lo, 0);
  hi = Math.max(hi, 0);
  const scale = Math.max((hi - lo) / 255, 1e-8);
  const zero_point = Math.min(127, Math.max(-128, Math.round(-128 - lo / scale)));
  return { scale, zero_point };
}

function flatten(s: TensorStats): Float32Array {
  const n = s.samples.reduce((a, b) => a + b.length, 0);
  const out = new Float32Array(n);
  let o = 0;
  for (const x of s.samples) out.set(x, o), (o += x.length);
  return out;
}

function quantError(values: Float32Array, q: QParams): number {
  let e = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.min(127, Math.max(-128, Math.round(values[i] / q.scale) + q.zero_point));
    const d = (v - q.zero_point) * q.scale - values[i];
    e += d * d;
  }
  return e;
}

/**
 * minmax: the observed range. percentile: the 0.01% / 99.99% quantiles of the samples (tails clipped).
 * mse: shrink the observed range (both ends by the same factor) to the one that minimizes the
 * quantize-dequantize squared error over the samples, trading clipped outliers for resolution.
 */
export function chooseRange(s: TensorStats, method: RangeMethod): QParams {
  if (method === 'minmax' || !(s.max > s.min)) return qparams(s.min, s.max);
  const values = flatten(s);
  if (method === 'percentile') {
    const sorted = values.slice().sort();
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(p * (sorted.length - 1))))];
    return qparams(Math.max(s.min, at(0.0001)), Math.min(s.max, at(0.9999)));
  }
  let best = qparams(s.min, s.max);
  let bestErr = quantError(values, best);
  for (let a = 0.98; a >= 0.3; a -= 0.02) {
    const q = qparams(s.min * a, s.max * a);
    const err = quantError(values, q);
    if (err < bestErr) (best = q), (bestErr = err);
  }
  return best;
}
