/**
 * Depthwise micro-benchmark: every depthwise conv of GhostNetV2-1.0 at 224 (69 layers, 40 distinct
 * shapes), the build's `depthwise` in each build (default: simd128 vs scalar), warm-up then the median
 * of interleaved samples. Prints GMAC/s per shape (with the SIMD variant it runs, from the kernel
 * manifest worker/kernels.ts), per variant, and the total time of all depthwise layers.
 *
 *   npx tsx tools/bench/depthwise.ts [--samples N] [--only TEXT] [build|path/to/engine.wasm ...]
 *
 * `--only TEXT` keeps the shapes whose key (e.g. `36x56x56 3x3 s1`) contains TEXT.
 *
 * `npm run bench:depthwise -- [options]` builds first.
 */
import { performance } from 'node:perf_hooks';
import { engineExports } from '../engine-node.ts';
import { engineBuild, headerHelp, int, toolArgs } from '../lib/args.ts';
import { Harness } from '../lib/harness.ts';
import { median } from '../lib/median.ts';
import { Rng } from '../lib/rng.ts';
import { type DepthwiseLayer, depthwiseLayers } from './layers.ts';
import { depthwiseVariant } from '../../worker/kernels.ts';

const { values: o, positionals: builds } = toolArgs('bench:depthwise', headerHelp(import.meta.url), {
  options: { samples: { type: 'string' }, only: { type: 'string', default: '' } },
  allowPositionals: true,
});
const samples = Math.max(30, int(o.samples, '--samples', 31, 1));
const only = o.only!;
if (!builds.length) builds.push('simd128', 'scalar');
for (const b of builds) engineBuild(b);

const LAYERS = depthwiseLayers().filter((l) => `${l.C}x${l.H}x${l.W} ${l.kh}x${l.kw} s${l.stride}`.includes(only));
/** A distinct layer shape: the geometry of `DepthwiseLayer`, how many layers have it, and its MACs. */
interface Shape extends Omit<DepthwiseLayer, 'name'> {
  layers: number;
  macs: number;
}
const shapes = new Map<string, Shape>();
for (const { C, H, W, kh, kw, stride, OH, OW } of LAYERS) {
  const key = `${C}x${H}x${W} ${kh}x${kw} s${stride}`;
  const s = shapes.get(key) ?? { C, H, W, kh, kw, stride, OH, OW, layers: 0, macs: OH * OW * C * kh * kw };
  s.layers++;
  shapes.set(key, s);
}

/** One prepared call per (build, shape): inputs in the build's memory, returns a closure running `reps` calls. */
function prepare(h: Harness, s: Shape, rng: Rng): (reps: number) => void {
  const { C, H, W, kh, kw, stride, OH, OW } = s;
  const x = h.put(rng.i8(H * W * C));
  const w = h.put(rng.i8(C * kh * kw, -127, 127));
  const bias = h.put(rng.i32(C, -5000, 5000));
  const scale = h.put(rng.f32(C, 1e-3, 1e-2));
  const packed = h.out(h.fn('depthwise_packed_size')(C, kh, kw) as number);
  h.fn('depthwise_pack')(w, C, kh, kw, packed);
  const y = h.out(OH * OW * C);
  const f = h.fn('depthwise');
  return (reps: number) => {
    for (let r = 0; r < reps; r++) f(x, H, W, C, C, packed, bias, scale, kh, kw, stride, 3, y, C, -5, -128, 127);
  };
}

const hs = builds.map((b) => new Harness(engineExports(b)));
const rows: { key: string; s: Shape; ms: number[]; best: number[] }[] = [];
for (const [key, s] of shapes) {
  const runs = hs.map((h) => prepare(h, s, new Rng(1)));
  // Warm-up (tier up to TurboFan), then pick reps so that a sample takes ≥ ~0.3 ms in the fastest build.
  for (const run of runs) for (let i = 0; i < 20; i++) run(1);
  let fastest = Infinity;
  for (const run of runs) {
    const t0 = performance.now();
    run(5);
    fastest = Math.min(fastest, (performance.now() - t0) / 5);
  }
  const reps = Math.max(1, Math.ceil(0.3 / Math.max(fastest, 1e-4)));
  const times: number[][] = runs.map(() => []);
  for (let i = 0; i < samples; i++) {
    for (let b = 0; b < runs.length; b++) {
      const t0 = performance.now();
      runs[b](reps);
      times[b].push((performance.now() - t0) / reps);
    }
  }
  rows.push({ key, s, ms: times.map(median), best: times.map((t) => Math.min(...t)) });
}

const pad = (v: string, n: number) => v.padStart(n);
let header = `${'shape (C×H×W k s)'.padEnd(22)} ${'SIMD variant'.padEnd(30)} ${pad('layers', 6)} ${pad('MMAC', 6)}`;
for (const b of builds) header += ` | ${pad(b.replace(/^.*\//, '').slice(0, 18), 18)} ${pad('ms', 7)} ${pad('GMAC/s', 6)}`;
console.log(header);
const totals = builds.map(() => 0);
const bests = builds.map(() => 0);
let totalMacs = 0;
for (const { key, s, ms, best } of rows) {
  best.forEach((m, b) => (bests[b] += m * s.layers));
  let line = `${key.padEnd(22)} ${depthwiseVariant(s).padEnd(30)} ${pad(String(s.layers), 6)} ${pad((s.macs / 1e6).toFixed(3), 6)}`;
  ms.forEach((m, b) => {
    totals[b] += m * s.layers;
    line += ` | ${pad('', 18)} ${pad(m.toFixed(4), 7)} ${pad((s.macs / m / 1e6).toFixed(2), 6)}`;
  });
  totalMacs += s.macs * s.layers;
  console.log(line);
}
console.log(`\nall ${LAYERS.length} depthwise layers at 224 (${(totalMacs / 1e6).toFixed(2)} MMAC), median of ${samples} interleaved samples:`);
builds.forEach((b, i) => console.log(`  ${b.padEnd(24)} ${totals[i].toFixed(3)} ms  (${(totalMacs / totals[i] / 1e6).toFixed(2)} GMAC/s)` + `   [sum of per-shape minima: ${bests[i].toFixed(3)} ms]`));
console.log('\nper SIMD variant (all layers it runs):');
const variants = [...new Set(rows.map((r) => depthwiseVariant(r.s)))];
for (const v of variants) {
  const of = rows.filter((r) => depthwiseVariant(r.s) === v);
  const macs = of.reduce((a, r) => a + r.s.macs * r.s.layers, 0);
  const cols = builds.map((b, i) => {
    const ms = of.reduce((a, r) => a + r.ms[i] * r.s.layers, 0);
    return `${b.replace(/^.*\//, '').slice(0, 18)} ${ms.toFixed(3)} ms ${(macs / ms / 1e6).toFixed(2)} GMAC/s`;
  });
  console.log(`  ${v.padEnd(30)} ${pad(String(of.reduce((a, r) => a + r.s.layers, 0)), 3)} layers  ${cols.join(' | ')}`);
}
if (builds.length > 1) console.log(`  speedup ${builds[0]} over ${builds[1]}: ${(totals[1] / totals[0]).toFixed(2)}x`);
