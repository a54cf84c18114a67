/** Robust summaries of benchmark samples (milliseconds) and ratios between contenders. */

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

/** Linear-interpolated quantile (numpy's default) of already sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

const sortNum = (xs: ArrayLike<number>) => Float64Array.from(xs).sort();

export function median(xs: ArrayLike<number>): number {
  return quantileSorted(sortNum(xs), 0.5);
}

export function summarize(xs: number[]): Summary {
  const s = sortNum(xs);
  const med = quantileSorted(s, 0.5);
  const dev = sortNum(xs.map((x) => Math.abs(x - med)));
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

/** Small deterministic PRNG (mulberry32), so a report's confidence intervals are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
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
  const rand = rng(seed);
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

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return d / Math.sqrt(na * nb);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
