/**
 * DFC gate micro-benchmark: every DFC attention gate of GhostNetV2-1.0 at 224 (14 ops), its two
 * kernels timed apart — `lut_u8` (sigmoid table, at the gate's resolution) and `gate_upsample_mul`
 * (nearest upsample × the Ghost output, dense tensors as in the network) — per build, warm-up then
 * the median of interleaved samples. Default builds: simd128 vs scalar.
 *
 *   npx tsx tools/bench/gate.ts [--samples N] [build|path/to/engine.wasm ...]
 *
 * `npm run bench:gate -- [options]` builds first.
 */
import { performance } from 'node:perf_hooks';
import { engineExports } from '../engine-node.ts';
import { engineBuild, headerHelp, int, toolArgs } from '../lib/args.ts';
import { Harness } from '../lib/harness.ts';
import { median } from '../lib/median.ts';
import { Rng } from '../lib/rng.ts';
import { dfcGates } from './layers.ts';

const { values: o, positionals: builds } = toolArgs('bench:gate', headerHelp(import.meta.url), { options: { samples: { type: 'string' } }, allowPositionals: true });
const samples = Math.max(5, int(o.samples, '--samples', 31, 1));
if (!builds.length) builds.push('simd128', 'scalar');
for (const b of builds) engineBuild(b);

const shapes = new Map<string, { H: number; W: number; C: number; gh: number; gw: number; ops: number }>();
for (const g of dfcGates()) {
  const key = `${g.H}x${g.W}x${g.C} gate ${g.gh}x${g.gw}`;
  const s = shapes.get(key) ?? { ...g, ops: 0 };
  s.ops++;
  shapes.set(key, s);
}

const hs = builds.map((b) => new Harness(engineExports(b)));
const sigmoid = new Uint8Array(256).map((_, i) => Math.round(255 / (1 + Math.exp(-0.06 * (i - 128)))));
const pad = (v: string, n: number) => v.padStart(n);
let header = `${'shape'.padEnd(26)} ${pad('ops', 3)}`;
for (const b of builds) header += ` | ${pad(b.replace(/^.*\//, '').slice(0, 18), 18)} ${pad('lut ms', 7)} ${pad('mul ms', 7)}`;
console.log(header);
const totals = builds.map(() => [0, 0]);
for (const [key, { H, W, C, gh, gw, ops }] of shapes) {
  const gn = gh * gw * C;
  const runs = hs.map((h) => {
    const rng = new Rng(1);
    const x = h.put(rng.i8(H * W * C));
    const pre = h.put(rng.i8(gn));
    const lut = h.put(sigmoid);
    const g = h.out(gn);
    const y = h.out(H * W * C);
    const L = h.fn('lut_u8'),
      M = h.fn('gate_upsample_mul');
    return [() => L(pre, gn, lut, g), () => M(x, H, W, C, C, 3, g, gh, gw, 0.002, y, C, -4, -128, 127)];
  });
  let line = `${key.padEnd(26)} ${pad(String(ops), 3)}`;
  const ms = runs.map(() => [0, 0]);
  for (let k = 0; k < 2; k++) {
    for (const r of runs) for (let i = 0; i < 50; i++) r[k]();
    let fastest = Infinity;
    for (const r of runs) {
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) r[k]();
      fastest = Math.min(fastest, (performance.now() - t0) / 5);
    }
    const reps = Math.max(1, Math.ceil(0.3 / Math.max(fastest, 1e-4)));
    const t: number[][] = runs.map(() => []);
    for (let s = 0; s < samples; s++)
      for (let b = 0; b < runs.length; b++) {
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) runs[b][k]();
        t[b].push((performance.now() - t0) / reps);
      }
    t.forEach((v, b) => (ms[b][k] = median(v)));
  }
  ms.forEach(([l, m], b) => {
    totals[b][0] += l * ops;
    totals[b][1] += m * ops;
    line += ` | ${pad('', 18)} ${pad(l.toFixed(4), 7)} ${pad(m.toFixed(4), 7)}`;
  });
  console.log(line);
}
console.log(`\nall ${dfcGates().length} DFC gates at 224, median of ${samples} interleaved samples (ms, lut + mul = total):`);
builds.forEach((b, i) => console.log(`  ${b.padEnd(40)} ${totals[i][0].toFixed(3)} + ${totals[i][1].toFixed(3)} = ${(totals[i][0] + totals[i][1]).toFixed(3)}`));
if (builds.length > 1) console.log(`  gate_upsample_mul time, ${builds[1]} / ${builds[0]}: ${(totals[1][1] / totals[0][1]).toFixed(2)}`);
