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

/** Class counts up to this are always selected by insertion (topIndices), whatever k. */
const SMALL_MODEL = 64;

/** k = 0 means every class. Ties keep the lower class index first. */
export function topK(logits: ArrayLike<number>, labels: readonly string[], k: number): Prediction[] {
  const p = softmax(logits);
  const n = k === 0 ? p.length : Math.min(k, p.length);
  // A request asks for a few of 1000 classes: selecting them costs ~n·k comparisons, where
  // sorting every class cost ~160 µs per 224² request (1000 indices through a comparator). A
  // small model (the default has 10 classes) is selected too: at most SMALL_MODEL² / 2
  // comparisons, and no array of indices and no sort (~20 → ~4 µs of a warm 64² request in Node).
  const order = n * 8 < p.length || p.length <= SMALL_MODEL ? topIndices(p, n) : Array.from(p.keys()).sort((a, b) => p[b] - p[a] || a - b);
  return order.slice(0, n).map((i) => ({ label: labels[i], index: i, score: p[i] }));
}

/** The indices of the k highest scores, highest first, ties by lower index: insertion into a sorted top-k. */
function topIndices(p: Float64Array, k: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < p.length; i++) {
    // Scanning in index order, an equal score never displaces: the earlier index stays ahead.
    if (top.length === k && p[i] <= p[top[k - 1]]) continue;
    let j = top.length === k ? k - 1 : top.length;
    while (j > 0 && p[top[j - 1]] < p[i]) {
      top[j] = top[j - 1];
      j--;
    }
    top[j] = i;
  }
  return top;
}
