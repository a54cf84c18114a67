/**
 * `npm run bench:cache`: what the result cache saves, measured on the real Worker in workerd
 * (the bench:request harness: the `wrangler deploy --dry-run` bundle under Miniflare, workerd's
 * CPU read from /proc around each request, from 127.0.0.1).
 *
 * For each image and model, in shuffled rounds (one run, interleaved):
 *  - noop:       POST /v1/bench/noop with the image (body transfer and routing only);
 *  - upload miss: POST /v1/classify with `Cache-Control: no-cache` (no lookup: decode, inference,
 *                 and the entry written after the answer, counted by waiting `settle` ms);
 *  - upload hit:  the same POST without it (SHA-256 of the body, one lookup, no decode, no inference);
 *  - url miss / url hit: the same through GET /v1/classify?url= from a local origin (a Node server
 *    in this process, ETag + Cache-Control), the hit answering from the URL + ETag key.
 * Figures are raw medians (the no-op shows what carrying the body costs; URL requests carry none);
 * the ratio hit ÷ miss comes with a bootstrap 95% interval. workerd's in-memory Cache API stands
 * in for Cloudflare's here.
 */
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { int, runTool, UsageError } from '../lib/args.ts';
import { writeReports } from './args.ts';
import { ROOT } from './artifacts.ts';
import { formatMachine, machineInfo, markdownTable } from './report.ts';
import { benchImages, IMAGE_IDS, type BenchImage } from './request/images.ts';
import { NOOP_PATH, send, type Sample } from './request/measure.ts';
import { bundleWorker, startWorker } from './request/workerd.ts';
import { median } from '../lib/median.ts';
import { mulberry32, shuffle } from '../lib/rng.ts';
import { ratioOfMedians, type Ratio } from './stats.ts';

const HELP = `npm run bench:cache -- [options]   (or: npx tsx tools/bench/cache.ts after npm run build)

The result cache's hit against its miss, same image, on the real Worker in workerd.
  --samples N   timed rounds (default 30)
  --warmup N    untimed rounds first (default 3, at least 1: the first fills the cache)
  --images IDS  comma list of ${IMAGE_IDS.join(', ')} (default jpeg-640-420, jpeg-12mpx, png)
  --model FILE  also bench this int8 .gnv2 (bundled as "bench-model"), e.g. the 224² model bench:request makes
  --settle MS   wait after each answer before reading workerd's CPU, so the cache write is counted (default 15)
  --md FILE     markdown report (default tmp/bench/cache.md)
  --json FILE   JSON report (default tmp/bench/cache.json)
  --python PATH Python with Pillow for the made images (default /usr/bin/python3)
  --work DIR    where the bundle goes (default tmp/bench/cache)`;

const log = (s = '') => process.stdout.write(s + '\n');
const KINDS = ['noop', 'upload-miss', 'upload-hit', 'url-miss', 'url-hit'] as const;
type Kind = (typeof KINDS)[number];

/** The bench's origin: each image at /<id>, with a strong ETag and a long max-age. */
async function startOrigin(images: BenchImage[]): Promise<{ port: number; close: () => Promise<void> }> {
  const byPath = new Map(images.map((i) => [`/${i.id}`, { bytes: i.bytes, etag: `"${createHash('sha256').update(i.bytes).digest('hex').slice(0, 32)}"` }]));
  const server = createServer((req, res) => {
    const img = byPath.get(req.url ?? '');
    if (!img) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': img.bytes.length, etag: img.etag, 'cache-control': 'public, max-age=86400' });
    res.end(img.bytes);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

interface Row {
  image: string;
  model: string;
  cpu: Record<Kind, number>;
  wall: Record<Kind, number>;
  uploadRatio: Ratio;
  urlRatio: Ratio;
}

async function main(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      samples: { type: 'string' },
      warmup: { type: 'string' },
      images: { type: 'string' },
      model: { type: 'string' },
      settle: { type: 'string' },
      md: { type: 'string' },
      json: { type: 'string' },
      python: { type: 'string' },
      work: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (o.help) {
    log(HELP);
    return 0;
  }
  const samples = int(o.samples, '--samples', 30, 1);
  const warmup = int(o.warmup, '--warmup', 3, 1); // round 0 fills the cache: never timed
  const settleMs = int(o.settle, '--settle', 15);
  const ids = (o.images ?? 'jpeg-640-420,jpeg-12mpx,png').split(',').map((s) => s.trim());
  for (const id of ids) if (!IMAGE_IDS.includes(id)) throw new UsageError(`--images: unknown ${id} (known: ${IMAGE_IDS.join(', ')})`);
  const mdPath = resolve(o.md ?? `${ROOT}/tmp/bench/cache.md`);
  const jsonPath = resolve(o.json ?? `${ROOT}/tmp/bench/cache.json`);

  const machine = machineInfo();
  log('ghostnet-edge bench:cache — result cache hit vs miss on the Worker in workerd');
  log(formatMachine(machine));
  const dir = resolve(o.work ?? `${ROOT}/tmp/bench/cache`);
  const images = benchImages(ROOT, `${ROOT}/tmp/bench/request/images`, o.python ?? '/usr/bin/python3', ids, (s) => log(s));
  const extra = o.model ? [{ name: 'bench-model', path: resolve(o.model) }] : [];
  log('bundling the Worker (wrangler deploy --dry-run) …');
  const bundle = await bundleWorker(ROOT, `${dir}/bundle`, extra);
  const models = [{ id: 'default', param: '' }, ...extra.map((m) => ({ id: relative(ROOT, m.path), param: `&model=${m.name}` }))];

  const origin = await startOrigin(images);
  const w = await startWorker(bundle, { vars: { BENCH_ROUTES: '1', RESULT_CACHE_TTL: '3600', IMAGE_ORIGINS: `127.0.0.1:${origin.port}` } });
  const series = new Map<string, Sample[]>();
  let tasks = images.flatMap((image) => models.flatMap((model) => KINDS.filter((k) => k !== 'noop' || model === models[0]).map((kind) => ({ image, model, kind }))));
  const rand = mulberry32(11);
  const noCache = { 'cache-control': 'no-cache' };
  try {
    const t0 = performance.now();
    for (let r = 0; r < warmup + samples; r++) {
      tasks = shuffle(tasks, rand); // each round reshuffles the last round's order
      for (const { image, model, kind } of tasks) {
        const classify = `/v1/classify?top_k=5${model.param}`;
        const url = `${classify}&url=${encodeURIComponent(`http://127.0.0.1:${origin.port}/${image.id}`)}`;
        const s =
          kind === 'noop'
            ? await send(w, NOOP_PATH, image.bytes, { settleMs })
            : kind.startsWith('upload')
              ? await send(w, classify, image.bytes, { settleMs, headers: kind === 'upload-miss' ? noCache : {} })
              : await send(w, url, null, { settleMs, headers: kind === 'url-miss' ? noCache : {} });
        const expected = kind.endsWith('hit') ? 'hit' : kind.endsWith('miss') ? 'miss' : undefined;
        // Round 0 may find entries of an earlier run (upload-hit) or none yet (url-hit before url-miss); later rounds must say what they are.
        if (expected && s.json.cache !== expected && r >= 1) throw new Error(`${kind} ${image.id}: the Worker answered cache "${String(s.json.cache)}"`);
        if (r < warmup) continue;
        const k = `${image.id}|${model.id}|${kind}`;
        if (!series.has(k)) series.set(k, []);
        series.get(k)!.push(s);
      }
      log(`  round ${r + 1}/${warmup + samples} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  } finally {
    await w.close();
    await origin.close();
  }
  machine.loadavgAfter = machineInfo().loadavg;

  const rows: Row[] = [];
  for (const image of images) {
    const noop = series.get(`${image.id}|default|noop`)!;
    for (const model of models) {
      const get = (kind: Kind) => (kind === 'noop' ? noop : series.get(`${image.id}|${model.id}|${kind}`)!);
      const med = (kind: Kind, k: 'cpuMs' | 'wallMs') => median(get(kind).map((s) => s[k]));
      const cpu = Object.fromEntries(KINDS.map((k) => [k, med(k, 'cpuMs')])) as Record<Kind, number>;
      const wall = Object.fromEntries(KINDS.map((k) => [k, med(k, 'wallMs')])) as Record<Kind, number>;
      const cpuOf = (k: Kind) => get(k).map((s) => s.cpuMs);
      rows.push({ image: image.id, model: model.id, cpu, wall, uploadRatio: ratioOfMedians(cpuOf('upload-hit'), cpuOf('upload-miss')), urlRatio: ratioOfMedians(cpuOf('url-hit'), cpuOf('url-miss')) });
    }
  }

  const f = (x: number) => x.toFixed(2);
  const ratio = (r: Ratio) => `${r.ratio.toFixed(3)} [${r.lo.toFixed(3)}–${r.hi.toFixed(3)}]`;
  const md = [
    '# Result cache: hit vs miss (`npm run bench:cache`)',
    '',
    `${new Date().toISOString().slice(0, 10)}, git ${machine.git ?? '?'}; ${machine.cpu}, ${machine.cores} cores; load average ${machine.loadavg.join(' ')} before, ${machine.loadavgAfter.join(' ')} after.`,
    `${samples} timed rounds after ${warmup} warm-up, every request kind shuffled within each round; workerd CPU ms (all threads, /proc) from the request to ${settleMs} ms after its answer (so the cache write after a miss counts), medians.`,
    `no-op = POST /v1/bench/noop with the image as body (what carrying the body costs; URL requests carry none). Misses send Cache-Control: no-cache (no lookup; computed, then stored). The ratio is hit ÷ miss with a bootstrap 95% interval. Local workerd's Cache API is in memory; Cloudflare's is per data centre.`,
    '',
    markdownTable(
      ['image', 'model', 'no-op CPU ms', 'upload miss', 'upload hit', 'hit ÷ miss', 'URL miss', 'URL hit', 'hit ÷ miss'],
      rows.map((r) => [r.image, r.model, f(r.cpu.noop), f(r.cpu['upload-miss']), f(r.cpu['upload-hit']), ratio(r.uploadRatio), f(r.cpu['url-miss']), f(r.cpu['url-hit']), ratio(r.urlRatio)]),
      2,
    ),
    '',
    'Wall ms (client side, medians): ' +
      rows.map((r) => `${r.image}/${r.model}: upload ${f(r.wall['upload-miss'])} → ${f(r.wall['upload-hit'])}, URL ${f(r.wall['url-miss'])} → ${f(r.wall['url-hit'])}`).join('; ') +
      '.',
    '',
  ].join('\n');
  log('\n' + md);
  writeReports([
    [mdPath, md],
    [jsonPath, JSON.stringify({ machine, samples, warmup, settleMs, rows }, null, 1)],
  ]);
  log(`wrote ${relative(ROOT, mdPath)} and ${relative(ROOT, jsonPath)}`);
  return 0;
}

runTool('bench:cache', HELP, main);
