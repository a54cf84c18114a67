/**
 * `npm run bench:pointwise`: the pointwise (1x1 conv GEMM) micro-benchmark — every 1x1 layer of
 * GhostNetV2-1.0 at 224x224 (68 layers incl. SE, conv_head and the classifier as pointwise_f32;
 * 46 distinct shapes, 140.6 M MACs), plus the stem GEMM after im2col (27->16 @ 112², xStride 32) and
 * im2col itself (pointwise-jobs.ts). Each build's `pointwise` runs on the same data; warm-up, then
 * ≥ 30 interleaved samples (build order rotated every sample), median reported. Prints GMAC/s per
 * shape and the total time of all 1x1 layers (Σ layers × median), i.e. sum of MACs / time. The first
 * run of each shape is checked byte for byte against the build's pointwise_reference.
 *
 *   npm run bench:pointwise -- [--samples N] [--filter '16,24|stem'] [--cpu] [--tiles splat|shuffle] [--workerd] [build|name=path.wasm ...]
 *
 * --filter keeps the shapes whose key ("cin,cout,pixels", stem, im2col) contains one of its |-separated parts.
 * --cpu (Node only) times with the process's CPU time instead of wall time: robust on a loaded machine.
 * --tiles (Node only) sets the SIMD128 pointwise tile form of every build that has one (pointwise_tiles);
 * by default each build runs the form Int8Engine picks on the host ('splat' in Node, 'shuffle' in workerd).
 * builds default to simd128 and scalar (build/engine.<build>.wasm).
 * --workerd runs the same benchmark inside workerd (the production V8; the only place where the
 * relaxed build gives correct results), e.g. `--workerd simd128 relaxed`, timed by the workerd
 * process's CPU time (tools/bench/miniflare.ts) minus the cost of an empty request.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { engineExports } from '../engine-node.ts';
import { headerHelp, int, oneOf, toolArgs, UsageError, wasmFile } from '../lib/args.ts';
import { median } from '../lib/median.ts';
import { startBenchWorker } from './miniflare.ts';
import { benchPointwise, jobKeys, Report, setPointwiseTiles, type JobResult } from './pointwise-jobs.ts';

const ROOT = resolve(import.meta.dirname, '../..');

const { values: o, positionals: specs } = toolArgs('bench:pointwise', headerHelp(import.meta.url), {
  options: { samples: { type: 'string' }, filter: { type: 'string' }, workerd: { type: 'boolean', default: false }, cpu: { type: 'boolean', default: false }, tiles: { type: 'string' } },
  allowPositionals: true,
});
const samples = Math.max(30, int(o.samples, '--samples', 31, 1)),
  filter = o.filter,
  workerd = o.workerd!,
  cpu = o.cpu!,
  tiles = oneOf(o.tiles, '--tiles', ['splat', 'shuffle'] as const);
if (!specs.length) specs.push('simd128', 'scalar');
const builds = specs.map((s) => {
  const eq = s.indexOf('=');
  if (eq > 0) return { name: s.slice(0, eq), path: wasmFile(resolve(s.slice(eq + 1)), s) };
  if (s.endsWith('.wasm')) return { name: s.replace(/^.*\/|\.wasm$/g, ''), path: wasmFile(resolve(s), s) };
  const path = join(ROOT, 'build', `engine.${s}.wasm`);
  if (!existsSync(path)) throw new UsageError(`${s}: not a build (no build/engine.${s}.wasm), name=path.wasm or .wasm file`);
  return { name: s, path };
});

if (!workerd) {
  if (builds.some((b) => b.name.includes('relaxed'))) console.warn('warning: Node 20 computes relaxed SIMD wrongly; use --workerd for the relaxed build');
  const loaded = builds.map((b) => ({ name: b.name, ex: engineExports(b.path) }));
  for (const b of loaded) setPointwiseTiles(b.ex, tiles);
  console.log(`node ${process.version}, V8 ${process.versions.v8}; clock: ${cpu ? 'process CPU time' : 'wall time'}`);
  const clock = cpu
    ? () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      }
    : () => performance.now();
  benchPointwise(loaded, { samples, minSampleMs: 2, filter }, clock, (l) => console.log(l));
} else {
  // The bench Worker (pointwise-entry.ts) gets the builds through one generated module, builds.mjs.
  const list = `${builds.map((_, i) => `import m${i} from './b${i}.wasm';`).join('\n')}\nexport default [${builds.map((b, i) => `{ name: ${JSON.stringify(b.name)}, module: m${i} }`).join(', ')}];\n`;
  const worker = await startBenchWorker(join(import.meta.dirname, 'pointwise-entry.ts'), [
    { type: 'ESModule', name: 'builds.mjs', contents: list },
    ...builds.map((b, i) => ({ type: 'CompiledWasm' as const, name: `b${i}.wasm`, contents: readFileSync(b.path) })),
  ]);
  try {
    console.log(`workerd (Miniflare ${worker.url}); clock: the workerd process's CPU time (/proc schedstat), minus the cost of an empty request`);
    const get = async (query: string) => {
      const res = await fetch(new URL(`/?${query}`, worker.url));
      if (!res.ok) throw new Error(`workerd: ${await res.text()}`);
      return res.json();
    };
    const report = new Report(
      builds.map((b) => b.name),
      samples,
      (l) => console.log(l),
    );
    for (const key of jobKeys(filter)) {
      const { job, perRep } = (await get(`prepare=${encodeURIComponent(key)}`)) as { job: JobResult; perRep: number };
      const reps = Math.max(1, Math.ceil(25 / perRep)); // ~25 ms of work per request
      const one = async (b: number): Promise<number> => {
        const c0 = worker.cpuNs();
        await get(`run=${b}&reps=${b >= 0 ? reps : 0}`);
        return (worker.cpuNs() - c0) / 1e6;
      };
      const empty: number[] = [];
      for (let i = 0; i < 5; i++) empty.push(await one(-1));
      const overhead = median(empty);
      const times: number[][] = builds.map(() => []);
      for (let s = 0; s < samples; s++) {
        for (let i = 0; i < builds.length; i++) {
          const b = (i + s) % builds.length;
          times[b].push(Math.max(0, (await one(b)) - overhead) / reps);
        }
      }
      job.median = times.map(median);
      job.min = times.map((t) => Math.min(...t));
      report.add(job);
    }
    report.finish();
  } finally {
    await worker.close();
  }
}
