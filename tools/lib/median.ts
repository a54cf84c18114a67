/** Quantiles of samples: the median every benchmark reports, and the interpolated quantile behind it. */

/** Linear-interpolated quantile (numpy's default) of already sorted values; NaN when there are none. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Ascending copy as float64 (a numeric sort, unlike Array.prototype.sort's default). */
export const sortedCopy = (xs: ArrayLike<number>): Float64Array => Float64Array.from(xs).sort();

export function median(xs: ArrayLike<number>): number {
  return quantileSorted(sortedCopy(xs), 0.5);
}
