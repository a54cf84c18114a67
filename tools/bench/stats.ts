/** Robust summaries of benchmark samples (milliseconds) and ratios between contenders. */
import { median, quantileSorted, sortedCopy } from '../lib/median.ts';
import { mulberry32 } from '../lib/rng.ts';

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  mean: number;
  p10: number;
  p90: number;
  p95: number;
  /** Median absolute deviation from the median, as a fraction of the median. */
  madRel: number;
}

export function summarize(xs: number[]): Summary {
  const s = sortedCopy(xs);
  const med = quantileSorted(s, 0.5);
  const dev = sortedCopy(xs.map((x) => Math.abs(x - med)));
  return {
    n: s.length,
    median: med,
    min: s.length ? s[0] : NaN,
    max: s.length ? s[s.length - 1] : NaN,
    mean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN,
    p10: quantileSorted(s, 0.1),
    p90: quantileSorted(s, 0.9),
    p95: quantileSorted(s, 0.95),
    madRel: quantileSorted(dev, 0.5) / med,
  };
}

function resampledMedian(xs: number[], rand: () => number, buf: Float64Array): number {
  for (let i = 0; i < xs.length; i++) buf[i] = xs[Math.floor(rand() * xs.length)];
  buf.sort();
  return quantileSorted(buf, 0.5);
}

export interface Ratio {
  /** median(a) / median(b): time of a per unit time of b; < 1 means a is faster. */
  ratio: number;
  /** 95% percentile-bootstrap interval of that ratio (each side resampled independently). */
  lo: number;
  hi: number;
}

/** Ratio of medians with a bootstrap 95% interval. */
export function ratioOfMedians(a: number[], b: number[], resamples = 2000, seed = 1): Ratio {
  const ratio = median(a) / median(b);
  if (a.length < 2 || b.length < 2) return { ratio, lo: NaN, hi: NaN };
  const rand = mulberry32(seed);
  const ba = new Float64Array(a.length);
  const bb = new Float64Array(b.length);
  const rs = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) rs[i] = resampledMedian(a, rand, ba) / resampledMedian(b, rand, bb);
  rs.sort();
  return { ratio, lo: quantileSorted(rs, 0.025), hi: quantileSorted(rs, 0.975) };
}

export function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}
