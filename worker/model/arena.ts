/** Where every tensor of the graph lives in the engine's one arena. */
import type { Graph, Slice } from './graph.ts';
import { slicesOf } from './ops/index.ts';

interface Placed {
  offset: number;
  size: number;
  first: number;
  last: number;
}

/**
 * TFLite's greedy-by-size arena planner: largest tensors first, each at the lowest offset that
 * does not overlap a tensor alive at the same time. With `share` false every tensor gets its own
 * memory (debug mode: every intermediate stays readable after a run).
 */
export function planArena(graph: Graph, share: boolean): { offsets: Map<string, number>; size: number } {
  const life = new Map<string, { first: number; last: number }>();
  const touch = (s: Slice, i: number) => {
    const l = life.get(s.tensor);
    if (!l) life.set(s.tensor, { first: i, last: i });
    else (l.last = Math.max(l.last, i)), (l.first = Math.min(l.first, i));
  };
  graph.ops.forEach((op, i) => {
    for (const s of slicesOf(op)) touch(s, i);
  });
  const names = [...life.keys()].sort((a, b) => bytesOf(graph, b) - bytesOf(graph, a));
  const placed: Placed[] = [];
  const offsets = new Map<string, number>();
  let size = 0;
  for (const name of names) {
    const l = life.get(name)!;
    const bytes = align(bytesOf(graph, name));
    let offset = 0;
    if (share) {
      const clashes = placed.filter((p) => p.first <= l.last && l.first <= p.last).sort((a, b) => a.offset - b.offset);
      for (const p of clashes) {
        if (offset + bytes <= p.offset) break;
        offset = Math.max(offset, p.offset + p.size);
      }
    } else offset = size;
    placed.push({ offset, size: bytes, ...l });
    offsets.set(name, offset);
    size = Math.max(size, offset + bytes);
  }
  return { offsets, size };
}

const align = (n: number) => (n + 15) & ~15;
const bytesOf = (g: Graph, name: string) => {
  const t = g.tensors.get(name)!;
  return t.c * t.h * t.w;
};
