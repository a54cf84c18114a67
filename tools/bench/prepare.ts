/**
 * The prepare bench: how long Int8Engine.prepare takes for a model file packed for SIMD128 only
 * (what `convert` writes by default, and the bundled default model): the SIMD128 build copies its
 * packing, the relaxed build (ENGINE=auto on a CPU with AVX-VNNI) repacks it (PackSource `from`).
 * Each sample instantiates a freshly compiled module (compiled untimed, as an isolate's start-up has
 * it) and times the prepare alone; `hot` is a second prepare on the same module. Rounds shuffle
 * every (tree, build, model), so figures of one run are side by side. `--against REF` adds the
 * engine and prepare code of git commit REF (the request bench's tree, tmp/bench/request/ref-*).
 *
 * Node 20 cannot compile the relaxed build (without a flag, and its relaxed SIMD is wrong); prepare
 * runs no relaxed instruction, so Node 22 would do, but the figures in the docs are Node 24's (as
 * the Worker's workerd is), after `npm run build`:
 *   flock /work/heavy.lock npx -y node@24 --import tsx tools/bench/prepare.ts --against 81abfce
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { refTree } from './request/ref.ts';
import { machineInfo, formatMachine, markdownTable } from './report.ts';
import { summarize, ratioOfMedians } from './stats.ts';
import { mulberry32, shuffle } from '../lib/rng.ts';
import { int, runTool } from '../lib/args.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const log = (s: string) => process.stdout.write(`${s}\n`);

const HELP = `npx -y node@24 --import tsx tools/bench/prepare.ts -- [options]   (after npm run build)
  --rounds N     samples per tree, build and model (default 20)
  --models IDS   comma list of default, w10 (default both; w10 = tmp/bench/request/w10.deploy.gnv2,
                 made by npm run bench:request)
  --model FILE   use FILE as the second model instead of w10
  --against REF  also the prepare of git commit REF (its worker/ and build/, made like bench:request's)`;

type Build = 'simd128' | 'relaxed';
interface Tree {
  id: string;
  dir: string;
  Int8Engine: { prepare(model: unknown, wasm: WebAssembly.Module): unknown };
  parse: (bytes: Uint8Array) => unknown;
  wasm: Record<Build, Uint8Array>;
}

async function loadTree(id: string, dir: string): Promise<Tree> {
  const engine = await import(join(dir, 'worker/model/engine.ts'));
  const format = await import(join(dir, 'worker/model/format.ts'));
  return {
    id,
    dir,
    Int8Engine: engine.Int8Engine,
    parse: format.parseModelFile,
    wasm: { simd128: new Uint8Array(readFileSync(join(dir, 'build/engine.simd128.wasm'))), relaxed: new Uint8Array(readFileSync(join(dir, 'build/engine.relaxed.wasm'))) },
  };
}

async function main(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string' },
      models: { type: 'string' },
      model: { type: 'string' },
      against: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (o.help) {
    log(HELP);
    return 0;
  }
  const rounds = int(o.rounds, '--rounds', 20, 1);
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) {
    log(`Node ${process.versions.node} cannot compile the relaxed build: run this with Node 24 (npx -y node@24 --import tsx tools/bench/prepare.ts …)`);
    return 1;
  }
  const machine = machineInfo();
  log('ghostnet-edge bench:prepare — Int8Engine.prepare of SIMD128-packed files, SIMD128 (copy) vs relaxed (repack)');
  log(formatMachine(machine));

  const manifest = JSON.parse(readFileSync(join(ROOT, 'models/manifest.json'), 'utf8')) as { models: { file: string; default?: boolean }[] };
  const wanted = (o.models ?? 'default,w10').split(',');
  const models: { id: string; path: string; bytes: Uint8Array }[] = [];
  const add = (id: string, path: string) => models.push({ id, path, bytes: new Uint8Array(readFileSync(path)) });
  if (wanted.includes('default')) add('default', join(ROOT, 'models', manifest.models.find((m) => m.default)!.file));
  if (wanted.includes('w10')) add(o.model ? 'file' : 'w10', resolve(o.model ?? join(ROOT, 'tmp/bench/request/w10.deploy.gnv2')));

  const trees = [await loadTree('now', ROOT)];
  if (o.against) {
    const ref = await refTree(ROOT, join(ROOT, 'tmp/bench/request'), o.against, { convert: false, log });
    trees.push(await loadTree(`before (${ref.sha.slice(0, 7)})`, ref.dir));
  }
  for (const m of models) {
    const h = (trees[0].parse(m.bytes) as { header: { packing?: unknown; preprocessing: { input_size: number } } }).header;
    log(`  model ${m.id}: ${relative(ROOT, m.path)} (${(m.bytes.length / 1e6).toFixed(1)} MB, ${h.preprocessing.input_size}², packing ${JSON.stringify(h.packing)})`);
  }

  type Key = string;
  const cold = new Map<Key, number[]>();
  const hot = new Map<Key, number[]>();
  const combos: { tree: Tree; build: Build; model: (typeof models)[number]; key: Key }[] = [];
  for (const tree of trees) for (const build of ['simd128', 'relaxed'] as const) for (const model of models) combos.push({ tree, build, model, key: `${tree.id}|${build}|${model.id}` });
  const rand = mulberry32(7);
  const load0 = loadavg();
  log(`\n${rounds} rounds of ${combos.length} (tree, build, model), shuffled; +1 untimed round first`);
  for (let r = -1; r < rounds; r++) {
    const order = shuffle(combos, rand);
    for (const c of order) {
      const module = new WebAssembly.Module(c.tree.wasm[c.build] as Uint8Array<ArrayBuffer>);
      const file = c.tree.parse(c.model.bytes);
      let t = performance.now();
      c.tree.Int8Engine.prepare(file, module);
      const a = performance.now() - t;
      t = performance.now();
      c.tree.Int8Engine.prepare(file, module);
      const b = performance.now() - t;
      if (r < 0) continue;
      cold.set(c.key, [...(cold.get(c.key) ?? []), a]);
      hot.set(c.key, [...(hot.get(c.key) ?? []), b]);
    }
  }
  const load1 = loadavg();

  const ms = (x: number) => x.toFixed(2);
  const rows: string[][] = [];
  for (const model of models)
    for (const tree of trees) {
      const s = (m: Map<Key, number[]>, b: Build) => m.get(`${tree.id}|${b}|${model.id}`)!;
      const rc = ratioOfMedians(s(cold, 'relaxed'), s(cold, 'simd128'));
      const rh = ratioOfMedians(s(hot, 'relaxed'), s(hot, 'simd128'));
      rows.push([
        model.id,
        tree.id,
        ms(summarize(s(cold, 'simd128')).median),
        ms(summarize(s(cold, 'relaxed')).median),
        `${rc.ratio.toFixed(2)}× (${rc.lo.toFixed(2)}–${rc.hi.toFixed(2)})`,
        ms(summarize(s(hot, 'simd128')).median),
        ms(summarize(s(hot, 'relaxed')).median),
        `${rh.ratio.toFixed(2)}×`,
      ]);
    }
  log(`\nprepare ms, median of ${rounds} (fresh module | hot: the same module again); load average ${load0.map((x) => x.toFixed(2)).join(' ')} → ${load1.map((x) => x.toFixed(2)).join(' ')}`);
  log(markdownTable(['model', 'tree', 'SIMD128 (copy)', 'relaxed (repack)', 'relaxed ÷ SIMD128 (95%)', 'hot SIMD128', 'hot relaxed', 'hot ratio'], rows, 2));
  if (trees.length > 1)
    for (const model of models)
      for (const build of ['simd128', 'relaxed'] as const) {
        const r = ratioOfMedians(cold.get(`${trees[0].id}|${build}|${model.id}`)!, cold.get(`${trees[1].id}|${build}|${model.id}`)!);
        log(`  ${model.id}, ${build}: now ÷ before ${r.ratio.toFixed(2)}× (${r.lo.toFixed(2)}–${r.hi.toFixed(2)})`);
      }
  return 0;
}

runTool('bench:prepare', HELP, (argv) => main(argv.filter((a) => a !== '--')));
