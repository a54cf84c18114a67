/**
 * What the decoder benchmarks (bench:jpeg, bench:codecs) share: CPU time, their images made with
 * Pillow on first use, the interleaved rounds, and V8's sampling profiler over a decode.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
/** Where tools/bench/jpeg/images.py writes bench:jpeg's images (the codecs bench reads its PNG). */
export const JPEG_BENCH_IMAGES = join(ROOT, 'tmp', 'bench', 'jpeg');

/** CPU ms of this process so far (user + system). */
export const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Runs tools/bench/jpeg/images.py (Debian's Pillow) when one of `files` is missing. */
export function ensureJpegBenchImages(files: string[], tool: string): void {
  if (files.every((f) => existsSync(f))) return;
  mkdirSync(JPEG_BENCH_IMAGES, { recursive: true });
  console.error(`${tool}: making the bench:jpeg images with Pillow (tools/bench/jpeg/images.py)`);
  execFileSync('/usr/bin/python3', [join(ROOT, 'tools/bench/jpeg/images.py'), JPEG_BENCH_IMAGES], { stdio: 'inherit' });
}

export type Fn = () => unknown; // may return a promise (the WebP decoder is async)

/**
 * CPU ms of every contender of every row, `warmup` + `runs` rounds; in each round every contender
 * runs once per row, in an order rotated by one each round. Returns the `runs` samples per row
 * and contender.
 */
export async function interleavedRounds(rows: Array<{ contenders: Record<string, Fn> }>, warmup: number, runs: number): Promise<Array<Record<string, number[]>>> {
  const samples = rows.map((r) => Object.fromEntries(Object.keys(r.contenders).map((k) => [k, [] as number[]])));
  for (let round = 0; round < warmup + runs; round++) {
    for (const [i, r] of rows.entries()) {
      const names = Object.keys(r.contenders);
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + round) % names.length];
        const c0 = cpuMs();
        await r.contenders[name]();
        const ms = cpuMs() - c0;
        if (round >= warmup) samples[i][name].push(ms);
      }
    }
  }
  return samples;
}

/**
 * Self-time shares of `fn` run `n` times (V8's sampling profiler, 100 µs): each sample's frame
 * goes to the group `classify` names; idle, program and GC samples are left out.
 */
export async function profileShares(fn: Fn, n: number, classify: (frame: { functionName: string; url: string }) => string): Promise<Record<string, number>> {
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.setSamplingInterval', { interval: 100 });
  await s.post('Profiler.start');
  for (let i = 0; i < n; i++) await fn();
  const { profile } = await s.post('Profiler.stop');
  s.disconnect();
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const counts: Record<string, number> = {};
  let all = 0;
  for (const id of profile.samples ?? []) {
    const frame = byId.get(id)!;
    if (['(program)', '(idle)', '(garbage collector)'].includes(frame.functionName)) continue;
    all++;
    const group = classify(frame);
    counts[group] = (counts[group] ?? 0) + 1;
  }
  const shares: Array<[string, number]> = Object.entries(counts).map(([k, v]) => [k, v / all]);
  return Object.fromEntries(shares.sort((a, b) => b[1] - a[1]));
}
