/**
 * `npm run bench:request`: what a whole classify request costs, measured on the real Worker in
 * workerd from outside, over 127.0.0.1, one request at a time.
 *
 *  - The Worker is bundled by wrangler as `wrangler deploy` bundles it, with one more model (a
 *    width-1.0, 1000-class, 224² int8 model converted by our converter from a synthetic
 *    official-format checkpoint, made in tmp/bench/ by the same artifacts as `npm run bench`),
 *    and served by Miniflare (workerd) with the vars of wrangler.toml plus BENCH_ROUTES = "1";
 *    variant `serve` runs the same bundle in workerd alone, with `npm run serve`'s configuration
 *    in binary (Miniflare's own Workers share its process and flush the Worker's baseline
 *    WebAssembly code; the text form's compiler costs workerd ~20-25 ms of start-up with the
 *    model embedded: request/workerd.ts).
 *  - Warm (request/measure.ts): every image to every model and to the no-op route, interleaved;
 *    per request the wall time and workerd's CPU time; an image's figure is its median (and
 *    p95) minus the no-op median for the same body.
 *  - Cold: a fresh workerd process (a fresh isolate) per run and target: its start-up and its
 *    first request, against the same request repeated in that isolate.
 *  - The same stages timed in Node, in-process, on the same code (request/stages.ts).
 *  - `--against REF` adds the Worker of an earlier commit as a second variant in the same run;
 *    `--engine simd128,auto` this tree's Worker once per ENGINE value (the builds side by side),
 *    and with both, that commit's Worker once per ENGINE value too.
 *
 * Output: a text summary, tmp/bench/request.json and a markdown report (tmp/bench/request.md;
 * `--md docs/benchmarks/request.md` to publish one).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage } from '../../worker/image/decode.ts';
import { initNodeDecoders } from '../../worker/image/decoders-node.ts';
import { resizeAndCrop, resizeShortSide } from '../../worker/image/preprocess.ts';
import { inputQuantTable, quantizeHWC } from '../../worker/image/quantize.ts';
import type { Int8Engine } from '../../worker/model/engine.ts';
import { readModelFile, type ModelFile } from '../../worker/model/format.ts';
import { DEFAULT_PACK, packInt8Model } from '../convert/pack.ts';
import { createEngine } from '../engine-node.ts';
import { int, runTool, UsageError } from '../lib/args.ts';
import { writeReports } from './args.ts';
import { prepareArtifacts, ROOT } from './artifacts.ts';
import { formatMachine, machineInfo } from './report.ts';
import { benchImages, IMAGE_IDS } from './request/images.ts';
import { formatMarkdown, met, type RequestReport, type Target } from './request/markdown.ts';
import { measureCold, measureWarm, retried, stageTargets, type BenchModel, type Variant } from './request/measure.ts';
import { refTree } from './request/ref.ts';
import { timeStages, type StageResult } from './request/stages.ts';
import { startNodeServer } from './request/node-server.ts';
import { bundleWorker, startWorker, type Bundle } from './request/workerd.ts';
import { argmax } from './stats.ts';

const HELP = `npm run bench:request -- [options]   (or: npx tsx tools/bench/request.ts after npm run build)

Whole classify requests on the real Worker in workerd (Miniflare), from outside over 127.0.0.1.
  --samples N      timed requests per variant, image and model (and no-op), interleaved (default 40)
  --warmup N       untimed rounds first (default 5)
  --cold-runs N    fresh isolates per variant and model for the first-request figures (default 3, 0 = off)
  --warm-stages    also warm rows for the stage routes (POST /v1/bench/stages?until=decode|resize|infer, the
                   default model, minus the no-op route like the others): the request's CPU by stage in workerd
  --cold-stages    also cold rows for the stage routes (default model, until=decode|resize|infer): where
                   a first request's extra over a warm one goes
  --node-rounds N  rounds of the in-process stage timing in Node (default 20, 0 = off)
  --images IDS     comma list of ${IMAGE_IDS.join(', ')}
  --models IDS     comma list of default, w10 (default both)
  --model FILE     bench this int8 .gnv2 file as the second model (id "file") instead of the synthetic w10
  --against REF    also run the Worker of git commit REF (built in tmp/bench/request/ref-*) in the same run:
                   variant "before" under Miniflare and, unless --miniflare-only, "before-serve" alone in workerd
                   (with --engine: once per ENGINE value instead, variant "before-<value>", served as "engine-<value>")
  --fast           also run this tree's Worker with DECODE=fast (variant "fast") in the same run
  --miniflare-only leave out variant "serve" (this tree's Worker alone in workerd, as npm run serve runs it,
                   rather than among Miniflare's own Workers; warm and cold rows)
  --engine LIST    also run this tree's Worker with each ENGINE value of the comma list (simd128, relaxed,
                   auto; variant "engine-<value>") in the same run: warm requests and cold start-ups,
                   served as variant "serve" is (workerd alone; under Miniflare with --miniflare-only)
  --node           also serve this tree's app from a Node process (variant "node", warm rows only):
                   what workerd adds, as a ratio from the same run (request/node-server.ts)
  --json FILE      JSON report (default tmp/bench/request.json)
  --md FILE        markdown report (default tmp/bench/request.md)
  --python PATH    Python with torch + Pillow for the artifacts (default /usr/bin/python3)
  --work DIR       where the bundle, the made images and --against trees go (default tmp/bench/request)
  --rebuild        remake the cached artifacts in tmp/bench/`;

const log = (s = '') => process.stdout.write(s + '\n');

function list(v: string | undefined, known: string[], name: string): string[] | undefined {
  if (v === undefined) return undefined;
  const ids = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of ids) if (!known.includes(id)) throw new UsageError(`${name}: unknown ${id} (known: ${known.join(', ')})`);
  return ids;
}

/** Untimed passes of every image × model through the Node stages before the timed ones. */
const STAGE_PREWARM_ROUNDS = 8;

/** The name under which the bench bundles its 224² model (the `model` parameter). */
const W10_NAME = 'bench-w10';
// The result cache off: the bench sends the same images again and again (bench:cache measures the cache).
const BENCH_VARS = { BENCH_ROUTES: '1', RESULT_CACHE_TTL: '0' };

/** The default model's name (GET /v1/models) and its file: the bundled .gnv2 with the same SHA-256. */
async function defaultModel(bundle: Bundle): Promise<{ name: string; path: string }> {
  const w = await startWorker(bundle, { vars: BENCH_VARS });
  let info: { default: string; models: Array<{ name: string; sha256: string }> };
  try {
    info = (await (await fetch(new URL('/v1/models', w.url))).json()) as typeof info;
  } finally {
    await w.close();
  }
  const sha = info.models.find((m) => m.name === info.default)?.sha256;
  const dir = dirname(bundle.scriptPath);
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.gnv2'))) {
    const b = readFileSync(join(dir, f));
    if (b.subarray(b.length - 32).toString('hex') === sha) return { name: info.default, path: join(dir, f) };
  }
  throw new Error(`the default model ${info.default} (sha256 ${sha}) is not among the bundle's .gnv2 files`);
}

/**
 * The model as one would deploy it: `npm run bench`'s file carries plain weights too (for its
 * scalar and relaxed contenders); the Worker gets what `convert` writes by default (--pack
 * simd128). Re-packed from it (same quantization), cached by the source's digest.
 */
async function deployForm(src: string, out: string, log: (s: string) => void): Promise<string> {
  const bytes = new Uint8Array(readFileSync(src));
  const key = JSON.stringify({ src: Buffer.from(bytes.subarray(bytes.length - 32)).toString('hex'), pack: DEFAULT_PACK });
  if (existsSync(out) && existsSync(`${out}.key`) && readFileSync(`${out}.key`, 'utf8') === key) return out;
  log(`  making   ${relative(ROOT, out)} (--pack ${DEFAULT_PACK.join(',')}) …`);
  writeFileSync(out, await packInt8Model(bytes, DEFAULT_PACK));
  writeFileSync(`${out}.key`, key);
  return out;
}

/** The engine input of an image, as the Worker makes it (to check the Worker answered the same). */
async function nodeInput(file: ModelFile, engine: Int8Engine, bytes: Uint8Array): Promise<Int8Array> {
  const p = file.header.preprocessing;
  const q = engine.inputQuantization;
  const img = await decodeImage(bytes, { resizeShortSide: resizeShortSide(p) });
  return quantizeHWC(resizeAndCrop(img, p), inputQuantTable(p.mean, p.std, q.scale, q.zero_point));
}

async function main(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      samples: { type: 'string' },
      warmup: { type: 'string' },
      'cold-runs': { type: 'string' },
      'cold-stages': { type: 'boolean', default: false },
      'warm-stages': { type: 'boolean', default: false },
      'node-rounds': { type: 'string' },
      images: { type: 'string' },
      models: { type: 'string' },
      model: { type: 'string' },
      against: { type: 'string' },
      fast: { type: 'boolean', default: false },
      engine: { type: 'string' },
      node: { type: 'boolean', default: false },
      'miniflare-only': { type: 'boolean', default: false },
      json: { type: 'string' },
      md: { type: 'string' },
      python: { type: 'string' },
      work: { type: 'string' },
      rebuild: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (o.help) {
    log(HELP);
    return 0;
  }
  const samples = int(o.samples, '--samples', 40, 1);
  const warmup = int(o.warmup, '--warmup', 5);
  const coldRuns = int(o['cold-runs'], '--cold-runs', 3);
  const nodeRounds = int(o['node-rounds'], '--node-rounds', 20);
  const imageIds = list(o.images, IMAGE_IDS, '--images');
  const modelIds = list(o.models, ['default', 'w10'], '--models') ?? ['default', 'w10'];
  const engines = list(o.engine, ['simd128', 'relaxed', 'auto'], '--engine') ?? [];
  const python = o.python ?? '/usr/bin/python3';
  const jsonPath = resolve(o.json ?? `${ROOT}/tmp/bench/request.json`);
  const mdPath = resolve(o.md ?? `${ROOT}/tmp/bench/request.md`);
  const notes: string[] = [];
  if (samples < 20) notes.push(`${samples} samples per figure (< 20): a development run, not a result to quote`);

  const machine = machineInfo();
  log('ghostnet-edge bench:request — whole classify requests on the Worker in workerd, from 127.0.0.1');
  log(formatMachine(machine));

  // --- artifacts -------------------------------------------------------------------------------
  log('\nartifacts:');
  const dir = resolve(o.work ?? `${ROOT}/tmp/bench/request`);
  mkdirSync(`${dir}/images`, { recursive: true });
  const images = benchImages(ROOT, `${dir}/images`, python, imageIds, (s) => log(s));
  let w10Path: string | undefined;
  if (o.model) w10Path = resolve(o.model);
  else if (modelIds.includes('w10')) {
    const art = prepareArtifacts({ dir: `${ROOT}/tmp/bench`, python, width: 1.0, classes: 1000, size: 224, calibCount: 16, rebuild: o.rebuild, log: (s) => log(s) });
    if (art.int8Model) w10Path = await deployForm(art.int8Model, `${dir}/w10.deploy.gnv2`, (s) => log(s));
    else notes.push(`the 224² width-1.0 model could not be made (${Object.values(art.missing).join('; ')}): its rows are missing`);
  }

  log('\nbundling the Worker (wrangler deploy --dry-run) …');
  const extra = (path: string | undefined) => (path ? [{ name: W10_NAME, path }] : []);
  const variants: Variant[] = [{ id: 'now', label: `this tree (git ${machine.git ?? '?'}) under Miniflare`, bundle: await bundleWorker(ROOT, `${dir}/bundle`, extra(w10Path)), vars: BENCH_VARS }];
  if (!o['miniflare-only'])
    variants.push({
      id: 'serve',
      label: "this tree's Worker alone in workerd (`npm run serve`'s configuration, given in binary as Miniflare gives its own; Miniflare's workerd binary): no other isolate in the process",
      bundle: variants[0].bundle,
      vars: BENCH_VARS,
      server: 'plain',
    });
  if (o.fast) variants.push({ id: 'fast', label: 'this tree with DECODE=fast', bundle: variants[0].bundle, vars: { ...BENCH_VARS, DECODE: 'fast' } });
  for (const e of engines)
    variants.push({
      id: `engine-${e}`,
      label: `this tree with ENGINE=${e}${o['miniflare-only'] ? '' : ', alone in workerd (as "serve")'}`,
      bundle: variants[0].bundle,
      vars: { ...BENCH_VARS, ENGINE: e },
      ...(o['miniflare-only'] ? {} : { server: 'plain' as const }),
    });
  if (o.against) {
    const ref = await refTree(ROOT, dir, o.against, { w10: w10Path, convert: !o.model, log: (s) => log(s) });
    const bundle = await bundleWorker(ref.dir, `${ref.dir}/tmp/bench-bundle`, extra(ref.w10));
    const label = `git ${ref.sha.slice(0, 7)} (${o.against})`;
    if (!engines.length) {
      variants.push({ id: 'before', label: `${label} under Miniflare`, bundle, vars: BENCH_VARS });
      if (!o['miniflare-only']) variants.push({ id: 'before-serve', label: `${label} alone in workerd (as "serve")`, bundle, vars: BENCH_VARS, server: 'plain' });
    }
    // with --engine, that commit's Worker once per ENGINE value too, served as this tree's engine-<value>
    for (const e of engines)
      variants.push({
        id: `before-${e}`,
        label: `${label} with ENGINE=${e}${o['miniflare-only'] ? '' : ', alone in workerd'}`,
        bundle,
        vars: { ...BENCH_VARS, ENGINE: e },
        ...(o['miniflare-only'] ? {} : { server: 'plain' as const }),
      });
  }

  const models: BenchModel[] = [];
  if (modelIds.includes('default')) {
    const d = await defaultModel(variants[0].bundle);
    models.push({ id: 'default', label: `${d.name} (the default model)`, name: d.name, path: d.path });
  }
  if (w10Path) {
    const label = o.model ? relative(ROOT, w10Path) : 'GhostNetV2-1.0, 1000 classes, 224² (synthetic weights)';
    models.push({ id: o.model ? 'file' : 'w10', label, param: W10_NAME, name: W10_NAME, path: w10Path });
  }
  if (o.node) {
    const served = models.map((m) => ({ name: m.name, path: m.path, default: m.param === undefined }));
    const config = { models: served, vars: { ...(variants[0].bundle.config.vars as Record<string, string>), ...BENCH_VARS }, engineWasm: `${ROOT}/build/engine.simd128.wasm` };
    variants.push({ id: 'node', label: "this tree's app served by Node (request/node-server.ts)", bundle: variants[0].bundle, vars: config.vars, start: () => startNodeServer(config) });
  }
  for (const m of models) {
    const pp = (await readModelFile(new Uint8Array(readFileSync(m.path)))).header.preprocessing;
    m.label += ` — input ${pp.input_size}², resize ${Math.floor(pp.input_size / pp.crop_pct)}`;
  }
  log('  images: ' + images.map((i) => `${i.id} (${i.bytes.length} B)`).join(', '));
  log('  models: ' + models.map((m) => `${m.id}: ${relative(ROOT, m.path)}`).join(', '));
  log('  variants: ' + variants.map((v) => `${v.id} = ${v.label}`).join(', '));

  // --- workerd ---------------------------------------------------------------------------------
  const stageRows = o['warm-stages'] && models[0]?.id === 'default' ? stageTargets(models[0]) : [];
  log(
    `\nwarm: ${warmup} warm-up + ${samples} timed rounds of ${variants.length} variant(s) × ${images.length} image(s) × (no-op + ${models.length} model(s)${stageRows.length ? ` + ${stageRows.length} stage routes` : ''}), shuffled`,
  );
  const { noop, warm, argv: commands } = await measureWarm(variants, images, [...models, ...stageRows], { warmup, samples, log });
  let cold: RequestReport['cold'] = [];
  let empty: RequestReport['empty'] = [];
  if (coldRuns > 0 && images.length) {
    log(`\ncold: ${coldRuns} run(s) of a fresh isolate per variant and target (no-op,${o['cold-stages'] ? ' stages,' : ''} ${models.map((m) => m.id).join(', ')}); first request ${images[0].id}`);
    ({ cold, empty } = await measureCold(variants, images[0], models, { runs: coldRuns, stages: o['cold-stages'], log }));
  }

  // --- Node, in-process ------------------------------------------------------------------------
  const stages: StageResult[] = [];
  if (nodeRounds > 0) {
    log(`\nNode in-process stages: ${nodeRounds} rounds after 3 warm-up`);
    await initNodeDecoders();
    const loaded = [];
    for (const model of models) {
      const file = await readModelFile(new Uint8Array(readFileSync(model.path)));
      loaded.push({ model, file, engine: await createEngine(file, 'simd128') });
    }
    // Every image through every model first, untimed: the decoders' and the engine's WASM (shared
    // by all rows) is tiered up by V8's background compilers, which process.cpuUsage() counts, so
    // without this the first rows timed carry that compile work (the default model's decode read
    // 4.79 ms against 1.52 for the same JPEG under the 224² model, timed later).
    for (let r = 0; r < STAGE_PREWARM_ROUNDS; r++) {
      for (const { model, file, engine } of loaded) for (const image of images) await timeStages(image.id, image.bytes, { name: model.id, file, engine }, 1, 0);
    }
    for (const { model, file, engine } of loaded) {
      for (const image of images) {
        stages.push(await timeStages(image.id, image.bytes, { name: model.id, file, engine }, nodeRounds, 3));
        const w = warm.find((x) => x.variant === 'now' && x.image === image.id && x.model === model.id);
        const nodeTop1 = argmax(engine.runInt8(await nodeInput(file, engine, image.bytes)).logits);
        if (w && w.top1 !== nodeTop1) notes.push(`${image.id} × ${model.id}: the Worker's top-1 class (${w.top1}) differs from Node's (${nodeTop1}) on the same code`);
      }
    }
  }

  // --- report ----------------------------------------------------------------------------------
  const perVariant = (value: (v: string) => number | null | undefined) => Object.fromEntries(variants.map((v) => [v.id, value(v.id) ?? null]));
  const cpu = (image: string, model: string, k: 'cpu' | 'main' = 'cpu') => perVariant((v) => warm.find((w) => w.variant === v && w.image === image && w.model === model)?.[k].median);
  const coldOf = (v: string, target: string) => cold.find((c) => c.variant === v && c.target === target);
  const targets: Target[] = [
    { what: '640×427 JPEG, 224² width-1.0 model, warm CPU ms', target: '≤ 10 (moonshot ≤ 8)', limit: 10, values: cpu('jpeg-640-420', 'w10') },
    { what: '640×427 JPEG, default 64² model, warm CPU ms', target: '≤ 3', limit: 3, values: cpu('jpeg-640-420', 'default') },
    { what: '12 Mpx baseline phone photo, 224² model, warm CPU ms', target: '≤ 60', limit: 60, values: cpu('jpeg-12mpx', 'w10') },
    { what: '640×427 JPEG, 224² width-1.0 model, warm CPU ms (isolate thread)', target: '≤ 10 (moonshot ≤ 8)', limit: 10, values: cpu('jpeg-640-420', 'w10', 'main') },
    { what: '640×427 JPEG, default 64² model, warm CPU ms (isolate thread)', target: '≤ 3', limit: 3, values: cpu('jpeg-640-420', 'default', 'main') },
    { what: '12 Mpx baseline phone photo, 224² model, warm CPU ms (isolate thread)', target: '≤ 60', limit: 60, values: cpu('jpeg-12mpx', 'w10', 'main') },
    ...models.flatMap((m) =>
      (['whole process', 'isolate thread'] as const).map((thread) => ({
        what: `first request ÷ warm, ${m.id} model (CPU, ${thread})`,
        target: '≤ 2',
        limit: 2,
        values: perVariant((v) => {
          const c = coldOf(v, m.id);
          return c && (thread === 'whole process' ? c.firstCpuMs / c.warmCpuMs : c.firstMainCpuMs / c.warmMainCpuMs);
        }),
      })),
    ),
    { what: 'isolate start-up, CPU ms (workerd until ready, minus an empty Worker)', target: '< 200', limit: 200, strict: true, values: perVariant((v) => coldOf(v, 'noop')?.startupCpuMs) },
  ];
  if (retried.count)
    notes.push(
      `${retried.count} request(s) sent again after workerd reset a kept-alive connection before answering (docs/reliability.md: the pinned workerd drops kept-alive connections now and then)`,
    );
  machine.loadavgAfter = machineInfo().loadavg;
  const report: RequestReport = {
    date: new Date().toISOString(),
    machine,
    options: { samples, warmup, coldRuns, coldStages: o['cold-stages'], warmStages: o['warm-stages'], nodeRounds, against: o.against ?? null, fast: o.fast, miniflareOnly: o['miniflare-only'] },
    variants: variants.map((v) => ({ id: v.id, label: v.label, vars: v.vars, server: v.start ? undefined : (v.server ?? 'miniflare'), argv: commands[v.id] })),
    images: images.map((i) => ({ id: i.id, label: i.label, path: i.path, bytes: i.bytes.length })),
    models: models.map((m) => ({ id: m.id, label: m.label, param: m.param, path: relative(ROOT, m.path) })),
    noop,
    warm,
    cold,
    empty,
    stages,
    targets,
    notes,
  };
  const md = formatMarkdown(report);
  log('\n' + md);
  writeReports([
    [jsonPath, JSON.stringify(report, null, 1)],
    [mdPath, md + '\n'],
  ]);
  log(`\nwrote ${relative(ROOT, jsonPath)} and ${relative(ROOT, mdPath)}`);
  const missed = targets.filter((t) => met(t, t.values.now) === false).length;
  log(`targets: ${targets.length - missed} of ${targets.length} met`);
  return 0;
}

runTool('bench:request', HELP, main);
