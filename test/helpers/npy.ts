import { readFileSync } from 'node:fs';
import { readNpy, type NpyArray } from '../../tools/io/npy.ts';

export function loadNpy(path: string | URL): NpyArray {
  return readNpy(new Uint8Array(readFileSync(path)));
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function topIndices(a: ArrayLike<number>, k: number): number[] {
  return Array.from(a, (v, i) => [v, i] as const)
    .sort((x, y) => y[0] - x[0] || x[1] - y[1])
    .slice(0, k)
    .map(([, i]) => i);
}
