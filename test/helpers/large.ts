/**
 * The full-size (224x224, 1000 classes) torch data set of the torch-parity and torch-family tests:
 * made once by tools/reference/large_set.py, in one Python process, into GHOSTNET_LARGE_DIR
 * (default tmp/large). Test files running at the same time wait on one exclusive lock (flock); the
 * script returns at once when its sources and the photos are unchanged since it made the set.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModelFile } from '../../worker/model/format.ts';
import { ROOT } from './cli.ts';

export const LARGE = process.env.GHOSTNET_LARGE_DIR ?? join(ROOT, 'tmp/large');
export const PHOTOS = join(ROOT, 'test/fixtures/photos');
/** Generous: ~5 min of CPU, many times that on a loaded machine. */
export const LARGE_SET_TIMEOUT_MS = 3_600_000;

export function ensureLargeSet(): void {
  mkdirSync(LARGE, { recursive: true });
  execFileSync('flock', [join(LARGE, '.lock'), '/usr/bin/python3', join(ROOT, 'tools/reference/large_set.py'), LARGE, '--photos', PHOTOS], {
    stdio: 'inherit',
    timeout: LARGE_SET_TIMEOUT_MS,
  });
}

/**
 * Names of the tensors of model file `b` whose values differ from those in model file `a`
 * (or which `a` lacks); the same tensor names on both sides are required.
 */
export async function differingTensors(a: string, b: string): Promise<string[]> {
  const ma = await readModelFile(readFileSync(a));
  const mb = await readModelFile(readFileSync(b));
  const names = (m: typeof ma) => m.header.tensors.map((t) => t.name).sort();
  const na = names(ma);
  const nb = names(mb);
  if (na.join() !== nb.join()) return [...nb.filter((n) => !na.includes(n)), ...na.filter((n) => !nb.includes(n))];
  return na.filter((n) => {
    const x = ma.tensor(n);
    const y = mb.tensor(n);
    return x.length !== y.length || x.some((v, i) => !Object.is(v, y[i]));
  });
}
