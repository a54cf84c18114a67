/** logits → softmax probabilities → the top k, highest first. */

export interface Prediction {
  label: string;
  index: number;
  score: number;
}

export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/** k = 0 means every class. Ties keep the lower class index first. */
export function topK(logits: ArrayLike<number>, labels: readonly string[], k: number): Prediction[] {
  const p = softmax(logits);
  const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a] || a - b);
  const n = k === 0 ? order.length : Math.min(k, order.length);
  return order.slice(0, n).map((i) => ({ label: labels[i], index: i, score: p[i] }));
}
