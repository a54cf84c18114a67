/**
 * topK against its definition: every class ordered by softmax score, highest first, ties by the
 * lower class index, then the first k. int8 logits dequantize to few distinct values, so ties are
 * the common case, not an edge case.
 */
import { describe, expect, it } from 'vitest';
import { softmax, topK } from '../../worker/model/predictions.ts';

/** The definition, spelled out: a full sort of every class. */
function byDefinition(logits: ArrayLike<number>, labels: readonly string[], k: number) {
  const p = softmax(logits);
  const all = Array.from(p.keys()).sort((a, b) => (p[a] === p[b] ? a - b : p[b] - p[a]));
  return all.slice(0, k === 0 ? all.length : k).map((i) => ({ label: labels[i], index: i, score: p[i] }));
}

/** Deterministic logits: `distinct` levels, as an int8 output's dequantized values are. */
function logits(n: number, distinct: number, seed: number): Float32Array {
  let s = seed;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = ((s >>> 8) % distinct) * 0.25 - 3;
  }
  return out;
}

describe('topK', () => {
  const cases = [
    { n: 1000, distinct: 256 },
    { n: 1000, distinct: 7 },
    { n: 1000, distinct: 1 },
    { n: 64, distinct: 5 },
    { n: 65, distinct: 5 },
    { n: 10, distinct: 3 },
    { n: 3, distinct: 2 },
  ];
  for (const { n, distinct } of cases) {
    it(`${n} classes, ${distinct} distinct logits: k = 0, 1, 5, 20, n − 1, n, n + 1 match a full sort`, () => {
      const labels = Array.from({ length: n }, (_, i) => `class ${i}`);
      for (let seed = 1; seed <= 5; seed++) {
        const l = logits(n, distinct, seed);
        for (const k of [0, 1, 5, 20, n - 1, n, n + 1]) {
          if (k < 0) continue;
          expect(topK(l, labels, k), `seed ${seed}, k ${k}`).toEqual(byDefinition(l, labels, k));
        }
      }
    });
  }

  it('the highest score first even when it is the last class', () => {
    const l = new Float32Array(1000).fill(0);
    l[999] = 5;
    l[0] = 4;
    expect(topK(l, [...Array(1000).keys()].map(String), 2).map((p) => p.index)).toEqual([999, 0]);
  });
});
