import { readFileSync } from 'node:fs';
import { readNpy, type NpyArray } from '../../tools/io/npy.ts';

export function loadNpy(path: string | URL): NpyArray {
  return readNpy(new Uint8Array(readFileSync(path)));
}

export function topIndices(a: ArrayLike<number>, k: number): number[] {
  return Array.from(a, (v, i) => [v, i] as const)
    .sort((x, y) => y[0] - x[0] || x[1] - y[1])
    .slice(0, k)
    .map(([, i]) => i);
}
