/** Case i of a fuzz run is a pure function of (target, seed, i), so any case can be replayed alone. */
import { mulberry32 } from '../lib/rng.ts';
import type { FuzzTarget } from './targets.ts';
import { pick } from './mutate.ts';

function caseSeed(target: string, seed: number, i: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35);
  for (let k = 0; k < target.length; k++) h = Math.imul(h ^ target.charCodeAt(k), 0x01000193);
  return h >>> 0;
}

export function makeCase(t: FuzzTarget, seed: number, i: number): { seedName: string; bytes: Uint8Array } {
  const r = mulberry32(caseSeed(t.name, seed, i));
  const s = pick(r, t.seeds);
  return { seedName: s.name, bytes: t.mutate(s, r) };
}
