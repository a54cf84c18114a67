/**
 * The peak probe: this machine's int8 dot-product ceiling in WebAssembly, measured in the calling
 * process (assembly/probe/: eight register-only chains of i32x4.dot_i16x8_s + i32x4.add). The bench
 * reports every kernel family's GMAC/s as a percentage of it, so figures from different machines
 * can be compared. A peak is a best case: the best of many 1 ms trials, long enough for the timer
 * and short enough that some fall between preemptions on a shared machine (with 20 ms trials, a
 * machine loaded 7× over its cores gave no clean trial at all; with 1 ms ones the best of 150 is
 * the quiet machine's peak).
 */
import { readFileSync } from 'node:fs';

export interface Peak {
  /** GMAC/s: the best trial. */
  gmacs: number;
  /** GMAC/s: the median trial (how noisy the machine was). */
  median: number;
  trials: number;
  trialMs: number;
  instruction: string;
}

interface ProbeExports {
  dot_peak(iters: number, seed: number): number;
  relaxed_dot_peak(iters: number, seed: number): number;
  dot_peak_macs(): number;
}

function probe(build: 'simd128' | 'relaxed'): ProbeExports {
  const url = new URL(`../../build/probe.${build}.wasm`, import.meta.url);
  const module = new WebAssembly.Module(readFileSync(url));
  return new WebAssembly.Instance(module, {
    env: {
      abort: () => {
        throw new Error('probe abort');
      },
    },
  }).exports as unknown as ProbeExports;
}

/** Best-of-`trials` GMAC/s of `run(iters)` doing `macsPerIter` MACs per iteration. */
function measure(run: (iters: number, seed: number) => number, macsPerIter: number, trials: number, trialMs: number): { best: number; median: number } {
  let sink = 0;
  // Warm up into the optimizing tier, then size a trial to about trialMs.
  for (let i = 0; i < 5; i++) sink ^= run(20_000, i);
  let iters = 20_000;
  for (;;) {
    const t0 = performance.now();
    sink ^= run(iters, 7);
    const dt = performance.now() - t0;
    if (dt >= trialMs / 4 || iters > 1 << 28) {
      iters = Math.max(1, Math.round((iters * trialMs) / Math.max(dt, 1e-3)));
      break;
    }
    iters *= 4;
  }
  const rates: number[] = [];
  for (let t = 0; t < trials; t++) {
    const t0 = performance.now();
    sink ^= run(iters, t);
    const dt = performance.now() - t0;
    rates.push((iters * macsPerIter) / (dt * 1e6));
  }
  if (sink === 0x7fffffff) console.log(''); // keeps the results alive
  rates.sort((a, b) => a - b);
  return { best: rates[rates.length - 1], median: rates[rates.length >> 1] };
}

/** The i32x4.dot_i16x8_s peak of this process (SIMD128). */
export function dotPeak(trials = 150, trialMs = 1): Peak {
  const p = probe('simd128');
  const r = measure((n, s) => p.dot_peak(n, s), p.dot_peak_macs(), trials, trialMs);
  return { gmacs: r.best, median: r.median, trials, trialMs, instruction: 'i32x4.dot_i16x8_s + i32x4.add, 8 register chains' };
}

/** The i32x4.relaxed_dot_i8x16_i7x16_add_s peak; only meaningful where the runtime implements relaxed SIMD. */
export function relaxedDotPeak(trials = 150, trialMs = 1): Peak {
  const p = probe('relaxed');
  const r = measure((n, s) => p.relaxed_dot_peak(n, s), 2 * p.dot_peak_macs(), trials, trialMs);
  return { gmacs: r.best, median: r.median, trials, trialMs, instruction: 'i32x4.relaxed_dot_i8x16_i7x16_add_s, 8 register chains' };
}
