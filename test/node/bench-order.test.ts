/**
 * The bench's round orders (tools/bench/order.ts): shuffled rounds must give every contender a mix of
 * predecessors (the point of the option: a rotated list gives each contender the same predecessor
 * in every round), each round must be a permutation, and the by-predecessor grouping must put each
 * sample under the run that preceded it.
 */
import { describe, expect, it } from 'vitest';
import { byPredecessor, roundOrders } from '../../tools/bench/order.ts';

const IDS = ['edge-simd128', 'edge-baseline', 'edge-scalar', 'ort-web', 'ort-node', 'ort-web-int8', 'ort-node-int8', 'torch'];

/** Every contender's set of predecessors over `rounds` rounds of `mode`, the sequence running across rounds. */
function predecessors(mode: 'shuffle' | 'rotate', rounds: number): Map<string, Set<string>> {
  const order = roundOrders(mode, 7);
  const seq: string[] = [];
  for (let r = 0; r < rounds; r++) {
    const o = order(IDS, r);
    expect([...o].sort()).toEqual([...IDS].sort());
    seq.push(...o);
  }
  const out = new Map(IDS.map((id) => [id, new Set<string>()]));
  for (let i = 1; i < seq.length; i++) out.get(seq[i])!.add(seq[i - 1]);
  return out;
}

describe('bench round orders', () => {
  it('rotate: within the rounds every contender follows the same one (the bias shuffle removes)', () => {
    const p = predecessors('rotate', 30);
    // Its predecessor inside a round is always the one before it in the list; only a round's first
    // place (after the previous round's last) differs.
    expect(p.get('edge-simd128')!.has('torch')).toBe(true);
    expect(p.get('ort-web')!.has('edge-scalar')).toBe(true);
    for (const [id, s] of p) expect(s.size, id).toBeLessThanOrEqual(2);
  });

  it('shuffle: in 30 rounds every contender follows at least 5 of the 7 others, each at most a third of the time', () => {
    const order = roundOrders('shuffle', 0x5eed);
    const seq: string[] = [];
    for (let r = 0; r < 30; r++) seq.push(...order(IDS, r));
    for (const id of IDS) {
      const counts = new Map<string, number>();
      for (let i = 1; i < seq.length; i++) if (seq[i] === id) counts.set(seq[i - 1], (counts.get(seq[i - 1]) ?? 0) + 1);
      expect(counts.size, id).toBeGreaterThanOrEqual(5);
      expect(Math.max(...counts.values()), id).toBeLessThanOrEqual(10);
    }
  });

  it('shuffle is seeded: the same seed gives the same orders', () => {
    const a = roundOrders('shuffle', 3),
      b = roundOrders('shuffle', 3);
    for (let r = 0; r < 5; r++) expect(a(IDS, r)).toEqual(b(IDS, r));
  });

  it('byPredecessor puts each sample under the run just before it', () => {
    const seq = ['a', 'b', 'a', 'c', 'a', 'b', 'b'];
    const aTimes = [1, 2, 3];
    const bTimes = [10, 20, 30];
    expect([...byPredecessor('a', seq, aTimes)]).toEqual([
      ['(first)', [1]],
      ['b', [2]],
      ['c', [3]],
    ]);
    expect([...byPredecessor('b', seq, bTimes)]).toEqual([
      ['a', [10, 20]],
      ['b', [30]],
    ]);
    expect(() => byPredecessor('a', seq, [1, 2])).toThrow();
  });
});
