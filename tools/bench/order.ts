/**
 * The order of the contenders within a round of `npm run bench`, and the by-predecessor view of a
 * contender's samples. What ran just before a sample moves a short contender's time: ghostnet-edge
 * SIMD128 (~7.5 ms) read +0.3 ms right after the bench's forced GC, +0.4-0.6 ms after onnxruntime
 * and a GC, +0.5-1.1 ms after PyTorch's child process (~100 ms, this process waiting on its pipe)
 * and a GC, and one untimed run of its own brought it back (docs/benchmarks/engine.md, "The whole
 * network against the per-op profile"). Rotating the list (the default) moves who goes first but
 * keeps every contender after the same one in every round (a rotation of a cycle is the same
 * cycle); shuffled, each follows each other in about equal shares.
 */
import { mulberry32, shuffle } from '../lib/rng.ts';
import { median } from '../lib/median.ts';

export type OrderMode = 'shuffle' | 'rotate';

/** Round r's order: `rotate` = the list rotated by r; `shuffle` = a new seeded random order per call. */
export function roundOrders(mode: OrderMode, seed = 0x5eed): <T>(xs: readonly T[], r: number) => T[] {
  const random = mulberry32(seed);
  return <T>(xs: readonly T[], r: number): T[] => {
    if (mode === 'rotate') return xs.map((_, i) => xs[(i + r) % xs.length]);
    return shuffle(xs, random);
  };
}

/**
 * `id`'s samples (in run order, `mine`) grouped by the contender timed just before each one, from the
 * sequence of every timed run; '(first)' for a first run.
 */
export function byPredecessor(id: string, sequence: readonly string[], mine: readonly number[]): Map<string, number[]> {
  const by = new Map<string, number[]>();
  let k = 0;
  sequence.forEach((c, i) => {
    if (c !== id) return;
    const before = i === 0 ? '(first)' : sequence[i - 1];
    if (!by.has(before)) by.set(before, []);
    by.get(before)!.push(mine[k++]);
  });
  if (k !== mine.length) throw new Error(`byPredecessor: ${id} has ${mine.length} samples but ${k} runs in the sequence`);
  return by;
}

/** One line: `id`'s median by predecessor, slowest first. */
export function formatByPredecessor(id: string, sequence: readonly string[], mine: readonly number[] | undefined): string | null {
  if (!mine?.length) return null;
  const parts = [...byPredecessor(id, sequence, mine)].sort((a, b) => median(b[1]) - median(a[1])).map(([p, xs]) => `${p} ${median(xs).toFixed(2)} (${xs.length})`);
  return `${id} median ms by the contender timed just before it (samples): ${parts.join(', ')}`;
}
