/**
 * Inference time inside workerd (the Workers runtime) beside Node, in one interleaved run:
 * GhostNetV2-1.0 224², the same int8 model file and input as `npm run bench` (run that first; it
 * caches tmp/bench/w10.int8.gnv2 and tmp/bench/input.npy). workerd bounds-checks every WASM memory
 * access explicitly, so the same build is slower there than in Node; this measures by how much, and
 * the relaxed-SIMD build where workerd implements it correctly.
 *
 *   npx tsx tools/bench/workerd.ts [--rounds 20] [--runs 5] [--baseline FILE.wasm]
 *
 * --baseline adds another engine binary (e.g. an older commit's build/engine.relaxed.wasm) as
 * "workerd baseline", timed in the same rounds: before/after inside workerd in one run.
 */
import { readFileSync, existsSync } from 'node:fs';
import { readModelFile } from '../../worker/model/format.ts';
import { createEngine } from '../engine-node.ts';
import { readNpy } from '../io/npy.ts';
import { headerHelp, int, toolArgs, wasmFile } from '../lib/args.ts';
import { median, quantileSorted, sortedCopy } from '../lib/median.ts';
import { startBenchWorker } from './miniflare.ts';

const { values: o } = toolArgs('bench:workerd', headerHelp(import.meta.url), { options: { rounds: { type: 'string' }, runs: { type: 'string' }, baseline: { type: 'string' } } });
const rounds = int(o.rounds, '--rounds', 20, 1),
  runs = int(o.runs, '--runs', 5, 1);
if (o.baseline !== undefined) wasmFile(o.baseline, `--baseline ${o.baseline}`);
const MODEL = 'tmp/bench/w10.int8.gnv2',
  INPUT = 'tmp/bench/input.npy';
for (const f of [MODEL, INPUT, 'build/engine.simd128.wasm']) {
  if (!existsSync(f)) {
    console.error(`workerd bench: ${f} is missing — run \`npm run bench\` first (it builds and caches it)`);
    process.exit(1);
  }
}

const worker = await startBenchWorker('tools/bench/workerd-entry.ts', [
  { type: 'CompiledWasm', name: 'engine.simd128.wasm', contents: readFileSync('build/engine.simd128.wasm') },
  { type: 'CompiledWasm', name: 'engine.relaxed.wasm', contents: readFileSync('build/engine.relaxed.wasm') },
  { type: 'Data', name: 'bench-model.gnv2', contents: readFileSync(MODEL) },
  // without --baseline the entry still imports a module of that name (never run)
  { type: 'CompiledWasm', name: 'engine.baseline.wasm', contents: readFileSync(o.baseline ?? 'build/engine.simd128.wasm') },
]);

const input = readNpy(new Uint8Array(readFileSync(INPUT)));
const chw = input.data.subarray(0, 3 * 224 * 224);
const node = await createEngine(await readModelFile(new Uint8Array(readFileSync(MODEL))), 'simd128');

const loadMs: Record<string, number> = {};
async function workerd(buildName: string): Promise<number> {
  const r = await fetch(new URL(`/?runs=${runs}&build=${buildName}`, worker.url), { method: 'POST', body: new Uint8Array(chw.buffer as ArrayBuffer, chw.byteOffset, chw.byteLength) });
  const j = (await r.json()) as { ms: number; loadMs: number; variant: string };
  if (buildName !== 'baseline' && j.variant !== buildName) throw new Error(`workerd ran ${j.variant}, expected ${buildName}`);
  if (j.loadMs) loadMs[buildName] = j.loadMs;
  return j.ms;
}
function nodeRun(): number {
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) node.run(chw);
  return (performance.now() - t0) / runs;
}

const times: Record<string, number[]> = { 'node simd128': [], 'workerd simd128': [], 'workerd relaxed': [] };
if (o.baseline) times['workerd baseline'] = [];
for (let r = 0; r < rounds + 3; r++) {
  const t: Record<string, number> = { 'node simd128': nodeRun(), 'workerd simd128': await workerd('simd128'), 'workerd relaxed': await workerd('relaxed') };
  if (o.baseline) t['workerd baseline'] = await workerd('baseline');
  if (r >= 3) for (const [k, v] of Object.entries(t)) times[k].push(v); // 3 warm-up rounds
}
await worker.close();

const base = median(times['node simd128']);
console.log(`GhostNetV2-1.0 224², ms per inference (median of ${rounds} rounds × ${runs} runs; workerd via Miniflare ${process.versions.node ? `on Node ${process.versions.node}` : ''})`);
for (const [k, v] of Object.entries(times)) {
  const s = sortedCopy(v);
  console.log(
    `  ${k.padEnd(16)} ${median(v).toFixed(2).padStart(7)} ms  [p10 ${quantileSorted(s, 0.1).toFixed(2)}, p90 ${quantileSorted(s, 0.9).toFixed(2)}]  ÷ node ${(median(v) / base).toFixed(2)}`,
  );
}
console.log(
  `  first use in a fresh isolate (SHA-256 check, parse, prepare; wall ms): ${Object.entries(loadMs)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}`,
);
