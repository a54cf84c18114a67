/**
 * `npm run loadtest`: N requests at concurrency C against `npm start` (wrangler dev) and/or
 * `npm run serve` (workerd alone), mixing real photos, hostile files and 12 MB bodies over the
 * body limit; then (--bursts) bursts of 100 each followed by a GET on the kept-alive pool after
 * idling around workerd's 5 s keep-alive timeout. Reports req/s, p50/p99, statuses, unexpected
 * answers, resets (no answer at all), and the RSS of every server process: at warm-up, middle,
 * end and after idling, its peak, and its floor (lowest sample) in the first and last fifth of the
 * run. Each server's own output goes to <json dir>/<target>.server.log.
 *
 * Warm-up, and "RSS after warm-up": the same mix at the same concurrency, one continuous stream
 * cut into rounds of --warmup answers (500: long enough to hold several GC cycles, so that a
 * round's floor is the heap's floor, not a point on the way down), until the Worker's RSS floor
 * (lowest sample, every 250 ms) has risen no more than --plateau (5%) from round to round for
 * --plateau-rounds (2) rounds in a row, or --warmup-rounds rounds. Continuous, because rounds sent
 * one after the other each began and ended idle, and a round's floor fell in that idle moment,
 * which the run never has (serve: rounds at 220-226 MiB, the run's floor at 262-300); two flat
 * rounds, because workerd's allocator keeps the high-water mark of its native heap, which takes
 * thousands of requests to form (docs/reliability.md, section 3). RSS after warm-up is the
 * floor of the last warm-up round; RSS after the run is the floor of the run's last --warmup
 * requests (a window of the same size). A floor, not one sample: the RSS is a sawtooth of V8's
 * garbage collection, hundreds of MiB high with 12 MB bodies in flight. `--cache off` runs the
 * Worker with RESULT_CACHE_TTL=0, so that the figure measures the Worker, not the result cache
 * (under `npm run serve` there is no cache anyway). `--heap` also reads the isolate's heap and
 * ArrayBuffer usage through the inspector (tools/loadtest/heap.ts) at each RSS point.
 *
 * Exits 1 on any unexpected answer or reset (main run, warm-up, bursts), a restart of the
 * Worker's workerd, or, with --max-rss-growth, RSS after the run more than that fraction above
 * RSS after warm-up.
 *
 *   npm run loadtest -- [--target start,serve | --url http://host:port [--pids 123,456]]
 *                       [-n 5000] [-c 16] [--oversize 0.05] [--hostile 0.2] [--seed 1]
 *                       [--warmup 500] [--warmup-rounds 10] [--plateau 0.05] [--plateau-rounds 2] [--cache on|off]
 *                       [--workerd serve|wrangler] [--heap]
 *                       [--bursts 4] [--settle 10] [--max-rss-growth 0.1]
 *                       [--photos test/fixtures/photos] [--hostile-dir test/fixtures/hostile]
 *                       [--json tmp/loadtest/report.json]
 */
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { quantileSorted } from '../lib/median.ts';
import { mulberry32 } from '../lib/rng.ts';
import { heapUsage, type HeapUsage } from './heap.ts';
import { loadCases, mix, send, type Case, type Kind, type Result } from './requests.ts';
import { attach, rssMiB, startDev, startServe, type Target } from './targets.ts';
import { headerHelp, int, num, oneOf, toolArgs } from '../lib/args.ts';

const root = resolve(import.meta.dirname, '../..');
const { values: o } = toolArgs('loadtest', headerHelp(import.meta.url), {
  options: {
    target: { type: 'string', default: 'start,serve' },
    url: { type: 'string' },
    pids: { type: 'string', default: '' },
    n: { type: 'string', short: 'n', default: '5000' },
    c: { type: 'string', short: 'c', default: '16' },
    oversize: { type: 'string', default: '0.05' },
    hostile: { type: 'string', default: '0.2' },
    seed: { type: 'string', default: '1' },
    // 500 requests is ~15 s at concurrency 16 here: several GC cycles, so a round's floor is the heap's floor.
    warmup: { type: 'string', default: '500' },
    'warmup-rounds': { type: 'string', default: '10' },
    plateau: { type: 'string', default: '0.05' },
    /** Consecutive rounds that must each stay within --plateau of the round before. */
    'plateau-rounds': { type: 'string', default: '2' },
    cache: { type: 'string', default: 'on' },
    /** npm run serve's workerd: serve (tools/serve's pinned one) or wrangler (the one wrangler ships). */
    workerd: { type: 'string', default: 'serve' },
    heap: { type: 'boolean', default: false },
    bursts: { type: 'string', default: '4' },
    settle: { type: 'string', default: '10' },
    timeout: { type: 'string', default: '60' },
    'max-rss-growth': { type: 'string' },
    photos: { type: 'string', default: 'test/fixtures/photos' },
    'hostile-dir': { type: 'string', default: 'test/fixtures/hostile' },
    port: { type: 'string', default: '8797' },
    json: { type: 'string', default: 'tmp/loadtest/report.json' },
  },
});
// Every value parsed and checked before any work (a bad one is a usage error).
const N = int(o.n, '-n', 0, 1),
  C = int(o.c, '-c', 0, 1),
  OVERSIZE = num(o.oversize, '--oversize', 0, 0),
  HOSTILE = num(o.hostile, '--hostile', 0, 0),
  SEED = int(o.seed, '--seed', 0, -Infinity),
  WARMUP = int(o.warmup, '--warmup', 0, 1),
  WARMUP_ROUNDS = int(o['warmup-rounds'], '--warmup-rounds', 0, 1),
  PLATEAU = num(o.plateau, '--plateau', 0, 0),
  PLATEAU_ROUNDS = int(o['plateau-rounds'], '--plateau-rounds', 0, 1),
  BURSTS = int(o.bursts, '--bursts', 0, 0),
  SETTLE = num(o.settle, '--settle', 0, 0),
  TIMEOUT = num(o.timeout, '--timeout', 0, 0) * 1000,
  MAX_RSS_GROWTH = o['max-rss-growth'] === undefined ? undefined : num(o['max-rss-growth'], '--max-rss-growth', 0, 0),
  PORT = int(o.port, '--port', 0, 1),
  PIDS = o
    .pids!.split(',')
    .filter(Boolean)
    .map((p) => int(p, '--pids', 0, 1));
oneOf(o.cache, '--cache', ['on', 'off']);
oneOf(o.workerd, '--workerd', ['serve', 'wrangler']);
if (!o.url) for (const t of o.target!.split(',')) oneOf(t, '--target', ['start', 'serve']);
const cases = loadCases(resolve(root, o.photos!), resolve(root, o['hostile-dir']!));

/** The i-th request of a run, drawn from a seeded generator so every run sends the same sequence. */
const schedule = (n: number, seed: number): Case[] => mix(cases, n, seed, { oversize: OVERSIZE, hostile: HOSTILE });

/** Sends `list` at `concurrency`; `stop()` true makes the clients take no further request (the answers so far are returned). */
async function runAll(agent: http.Agent, base: URL, list: Case[], concurrency: number, t0: number, onDone?: (done: number) => void, stop: () => boolean = () => false): Promise<Result[]> {
  const results: Result[] = new Array(list.length);
  let next = 0,
    done = 0;
  const worker = async () => {
    while (next < list.length && !stop()) {
      const i = next++;
      results[i] = await send(agent, base, list[i], t0, TIMEOUT);
      onDone?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, worker));
  return results.slice(0, next);
}

function get(agent: http.Agent, base: URL, path: string): Promise<{ status?: number; error?: string; ms: number }> {
  return new Promise((resolveGet) => {
    const t = performance.now();
    const req = http.get({ host: base.hostname, port: base.port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolveGet({ status: res.statusCode, ms: performance.now() - t }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolveGet({ error: e.code ?? e.message, ms: performance.now() - t }));
    req.setTimeout(TIMEOUT, () => req.destroy(Object.assign(new Error('timeout'), { code: `no answer in ${TIMEOUT / 1000} s` })));
  });
}

/** RSS (MiB) of every server process at one moment, keyed "role [pid]". */
type Sample = Record<string, number>;
function sampleRss(target: Target): Sample {
  const out: Sample = {};
  for (const p of target.processes()) out[`${p.role} [${p.pid}]`] = Math.round(rssMiB(p.pid) * 10) / 10;
  return out;
}

/**
 * RSS over a whole run: named points (warm-up, middle, end, idle) and a sample every 500 ms.
 * V8's heap makes the Worker's RSS a sawtooth of a few hundred MiB, so one sample says little about
 * a trend; the floor (lowest sample) of the first and of the last fifth of the run is what moves
 * if memory is really kept.
 */
class RssLog {
  readonly points: Record<string, Sample> = {};
  /** The isolate's heap at the same points (--heap). */
  readonly heap: Record<string, HeapUsage | string> = {};
  readonly series: Array<{ t: number; phase: 'warm-up' | 'run' | 'after'; rss: Sample }> = [];
  #timer: NodeJS.Timeout | undefined;
  phase: 'warm-up' | 'run' | 'after' = 'warm-up';
  readonly t0 = performance.now();
  constructor(private readonly target: Target) {}
  start(): void {
    this.#timer = setInterval(() => this.series.push({ t: this.now(), phase: this.phase, rss: sampleRss(this.target) }), 250);
  }
  now(): number {
    return performance.now() - this.t0;
  }
  /** Lowest sample of each process between two times (ms since start). */
  floor(from: number, to: number): Sample {
    const out: Sample = {};
    for (const { t, rss } of this.series) if (t >= from && t <= to) for (const [k, v] of Object.entries(rss)) out[k] = Math.min(out[k] ?? Infinity, v);
    return out;
  }
  stop(): void {
    clearInterval(this.#timer);
  }
  async point(name: string): Promise<void> {
    this.points[name] = sampleRss(this.target);
    if (this.target.inspector) this.heap[name] = await heapUsage(this.target.inspector).catch((e: Error) => e.message);
  }
  peak(): Sample {
    const out: Sample = {};
    for (const { rss } of this.series) for (const [k, v] of Object.entries(rss)) out[k] = Math.max(out[k] ?? 0, v);
    return out;
  }
  /** Lowest sample of each process in the first and the last fifth of the main run. */
  floors(): { first: Sample; last: Sample } {
    const run = this.series.filter((x) => x.phase === 'run');
    const fifth = Math.max(1, Math.floor(run.length / 5));
    const min = (xs: typeof run) => {
      const out: Sample = {};
      for (const { rss } of xs) for (const [k, v] of Object.entries(rss)) out[k] = Math.min(out[k] ?? Infinity, v);
      return out;
    };
    return { first: min(run.slice(0, fifth)), last: min(run.slice(-fifth)) };
  }
  /** The Worker's workerd pids seen, in order: more than one means it was restarted. */
  workerPids(): string[] {
    const seen: string[] = [];
    for (const { rss } of this.series) for (const k of Object.keys(rss)) if (k.startsWith('workerd (worker)') && !seen.includes(k)) seen.push(k);
    return seen;
  }
}

const pct = (sorted: Float64Array, q: number) => Math.round(quantileSorted(sorted, q) * 10) / 10;

function summarize(results: Result[], seconds: number) {
  const ms = Float64Array.from(results.map((r) => r.ms)).sort();
  const statuses: Record<string, number> = {};
  for (const r of results) statuses[r.status !== undefined ? String(r.status) : `no answer: ${r.error}`] = (statuses[r.status !== undefined ? String(r.status) : `no answer: ${r.error}`] ?? 0) + 1;
  const byKind = {} as Record<Kind, { n: number; p50: number; p99: number }>;
  for (const kind of ['photo', 'hostile', 'oversize'] as Kind[]) {
    const k = Float64Array.from(results.filter((r) => r.kind === kind).map((r) => r.ms)).sort();
    byKind[kind] = { n: k.length, p50: pct(k, 0.5), p99: pct(k, 0.99) };
  }
  const oversize = results.filter((r) => r.kind === 'oversize').map((r) => [r.start, r.start + r.ms] as const);
  /** Where a failure of another request lies relative to the 12 MB uploads (the issue's "within 31 ms of a 12 MB upload"). */
  const nearOversize = (r: Result): string => {
    if (r.kind === 'oversize') return '';
    if (oversize.some(([a, b]) => r.start >= a && r.start <= b)) return ' (started during a 12 MB upload)';
    const after = Math.min(...oversize.filter(([, b]) => b <= r.start).map(([, b]) => r.start - b));
    return Number.isFinite(after) ? ` (started ${Math.round(after)} ms after a 12 MB upload's answer)` : '';
  };
  const failures = results
    .filter((r) => r.error !== undefined || r.unexpected !== undefined)
    .map((r) => ({
      kind: r.kind,
      name: r.name,
      what:
        (r.error !== undefined ? `no answer (${r.error})${r.status ? ` after ${r.status}` : ''}` : r.unexpected!) +
        nearOversize(r) +
        (r.previousOnSocket ? `; on a kept-alive connection that last carried: ${r.previousOnSocket}` : r.socket !== undefined ? '; on a new connection' : '') +
        (r.localPort ? ` (client port ${r.localPort})` : ''),
    }));
  return {
    requests: results.length,
    seconds: Math.round(seconds * 10) / 10,
    reqPerSec: Math.round((results.length / seconds) * 10) / 10,
    p50: pct(ms, 0.5),
    p99: pct(ms, 0.99),
    byKind,
    statuses,
    unexpected: results.filter((r) => r.unexpected !== undefined).length,
    resets: results.filter((r) => r.error !== undefined).length,
    /** Failures of requests that were not themselves oversized (the issue's "other clients"). */
    otherFailures: failures.filter((f) => f.kind !== 'oversize').length,
    failures,
  };
}

async function runTarget(target: Target) {
  const base = new URL(target.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: C });
  const rss = new RssLog(target);
  rss.start();
  const t0 = performance.now();

  // Warm-up rounds until the Worker's RSS floor stops rising (see the top of this file): one
  // continuous stream, cut into rounds of WARMUP answers, so that no round starts or ends idle.
  const warmRounds: number[] = [];
  let warmFloor: Sample = {};
  let flat = 0; // consecutive rounds whose floor rose no more than --plateau
  let warmedUp = false;
  let roundFrom = rss.now();
  const endOfRound = (done: number) => {
    if (warmedUp || done % WARMUP !== 0) return;
    const floor = rss.floor(roundFrom, rss.now());
    roundFrom = rss.now();
    const w = Object.keys(floor).find((k) => k.startsWith('workerd (worker)'));
    const previous = w ? warmRounds.at(-1) : undefined;
    if (w) warmRounds.push(floor[w]);
    warmFloor = floor;
    if (previous !== undefined && w && floor[w] <= previous * (1 + PLATEAU)) flat++;
    else flat = 0;
    if (!w || flat >= PLATEAU_ROUNDS) warmedUp = true;
  };
  const warm = await runAll(agent, base, schedule(WARMUP * WARMUP_ROUNDS, SEED + 1000), C, t0, endOfRound, () => warmedUp);
  await rss.point('warm-up');
  rss.phase = 'run';

  const list = schedule(N, SEED);
  // This client's own event-loop lag: an answer read late makes an idle keep-alive connection look fresh.
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const tRun = performance.now();
  let lastWindowFrom = rss.now();
  const results = await runAll(agent, base, list, C, t0, (done) => {
    if (done === Math.floor(N / 2)) void rss.point('middle');
    if (done === Math.max(0, N - WARMUP)) lastWindowFrom = rss.now();
  });
  const endFloor = rss.floor(lastWindowFrom, rss.now());
  const seconds = (performance.now() - tRun) / 1000;
  lag.disable();
  await rss.point('end');
  rss.phase = 'after';

  // Point 2 of issue #13: a burst of 100 at concurrency C, then one GET on a connection of the same
  // keep-alive pool after it idled around workerd's 5 s keep-alive timeout.
  const bursts: Array<{ burst: Record<string, number>; idleSeconds: number; get: string; ms: number }> = [];
  const burstFailures: Result[] = [];
  const rand = mulberry32(SEED + 2);
  for (let b = 0; b < BURSTS; b++) {
    const burst = await runAll(
      agent,
      base,
      schedule(100, SEED + 10 + b).map((c) => (c.kind === 'oversize' ? cases.photo[0] : c)),
      C,
      t0,
    );
    const idleSeconds = Math.round((4.5 + 1.5 * rand()) * 100) / 100;
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const g = await get(agent, base, '/healthz');
    const tally: Record<string, number> = {};
    for (const r of burst) tally[r.status ?? r.error!] = (tally[r.status ?? r.error!] ?? 0) + 1;
    bursts.push({ burst: tally, idleSeconds, get: g.status !== undefined ? String(g.status) : `no answer (${g.error})`, ms: Math.round(g.ms) });
    burstFailures.push(...burst.filter((r) => r.error !== undefined || r.unexpected !== undefined));
  }
  if (SETTLE > 0) {
    await new Promise((r) => setTimeout(r, SETTLE * 1000));
    await rss.point(`idle ${o.settle} s`);
  }
  rss.stop();
  agent.destroy();

  return {
    target: target.name,
    url: target.url,
    serverLog: target.log,
    summary: summarize(results, seconds),
    clientLagMs: { p99: Math.round(lag.percentile(99) / 1e6), max: Math.round(lag.max / 1e6) },
    warmupFailures: warm.filter((r) => r.error !== undefined || r.unexpected !== undefined).length,
    bursts,
    burstFailures: summarize(burstFailures, 1).failures,
    rss: { points: rss.points, heap: rss.heap, peak: rss.peak(), floors: rss.floors(), warmRounds, afterWarmup: warmFloor, afterRun: endFloor, workerPids: rss.workerPids(), series: rss.series },
  };
}

function report(r: Awaited<ReturnType<typeof runTarget>>): boolean {
  const s = r.summary;
  const { warmRounds } = r.rss;
  console.log(
    `\n== ${r.target} (${r.url}): ${s.requests} requests at concurrency ${C}, result cache ${o.cache}; warm-up ${warmRounds.length || 1} × ${WARMUP}${warmRounds.length ? ` (Worker RSS floor per round: ${warmRounds.join(', ')} MiB)` : ''}${r.serverLog ? `; server output in ${r.serverLog}` : ''}`,
  );
  console.log(`   ${s.reqPerSec} req/s over ${s.seconds} s; latency p50 ${s.p50} ms, p99 ${s.p99} ms`);
  for (const [k, v] of Object.entries(s.byKind)) console.log(`   ${k.padEnd(9)} n=${v.n} p50 ${v.p50} ms p99 ${v.p99} ms`);
  console.log(`   statuses ${JSON.stringify(s.statuses)}; this client's event-loop lag p99 ${r.clientLagMs.p99} ms, max ${r.clientLagMs.max} ms`);
  console.log(`   unexpected ${s.unexpected}, resets ${s.resets}; of these, ${s.otherFailures} were not oversized requests; warm-up failures ${r.warmupFailures}`);
  for (const f of s.failures.slice(0, 12)) console.log(`     ${f.kind} ${f.name}: ${f.what}`);
  if (s.failures.length > 12) console.log(`     … ${s.failures.length - 12} more in the JSON report`);
  for (const b of r.bursts) console.log(`   burst ${JSON.stringify(b.burst)}, idle ${b.idleSeconds} s, then GET /healthz: ${b.get} in ${b.ms} ms`);
  const { points, heap, peak, floors, afterWarmup, afterRun, workerPids } = r.rss;
  const procs = [...new Set([...Object.values(points).flatMap((x) => Object.keys(x)), ...Object.keys(peak)])];
  const cols: Array<[string, Sample]> = [
    ...Object.entries(points),
    ['peak', peak],
    ['floor 1st 5th', floors.first],
    ['floor last 5th', floors.last],
    ['after warm-up', afterWarmup],
    ['after run', afterRun],
  ];
  console.log('   RSS MiB (a point is one sample; "after warm-up"/"after run" are floors of the last warm-up round / the run\'s last window of as many requests):');
  console.log(`     ${'process'.padEnd(30)}${cols.map(([c]) => c.padStart(15)).join('')}`);
  for (const p of procs) console.log(`     ${p.padEnd(30)}${cols.map(([, v]) => String(v[p] ?? '-').padStart(15)).join('')}`);
  for (const [name, h] of Object.entries(heap)) {
    console.log(`   isolate at ${name}: ${typeof h === 'string' ? h : `JS heap ${h.usedMiB} MiB used of ${h.totalMiB}, ArrayBuffers ${h.backingMiB} MiB`}`);
  }
  let ok = s.unexpected === 0 && s.resets === 0 && r.warmupFailures === 0;
  if (r.bursts.length) {
    const hung = r.bursts.filter((b) => b.get !== '200').length;
    console.log(`   bursts: ${r.burstFailures.length} failed requests, ${hung} of ${r.bursts.length} GETs after idling failed or hung`);
    for (const f of r.burstFailures.slice(0, 6)) console.log(`     ${f.kind} ${f.name}: ${f.what}`);
    ok &&= r.burstFailures.length === 0 && hung === 0;
  }
  if (workerPids.length > 1) {
    console.log(`   FAIL: the Worker's workerd was restarted during the run (${workerPids.join(' → ')}); see the server output`);
    ok = false;
  } else if (workerPids.length === 1) {
    const w = workerPids[0];
    const growth = afterRun[w] / afterWarmup[w] - 1;
    const point = points.end[w] / points['warm-up'][w] - 1;
    const floor = floors.last[w] / floors.first[w] - 1;
    const pctOf = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
    console.log(
      `   workerd (worker) RSS after the run vs after warm-up: ${pctOf(growth)} (${afterWarmup[w]} → ${afterRun[w]} MiB); one sample at the end vs one at warm-up ${pctOf(point)}; floor of the last fifth vs the first fifth ${pctOf(floor)}`,
    );
    if (MAX_RSS_GROWTH !== undefined && growth > MAX_RSS_GROWTH) {
      console.log(`   FAIL: it grew more than ${(MAX_RSS_GROWTH * 100).toFixed(0)}%`);
      ok = false;
    }
  }
  return ok;
}

const targets: Array<() => Promise<Target>> = o.url
  ? [async () => attach(o.url!, PIDS)]
  : o.target!.split(',').map((t) => {
      const log = resolve(root, dirname(o.json!), `${t}.server.log`);
      const vars: Record<string, string> = o.cache === 'off' ? { RESULT_CACHE_TTL: '0' } : {};
      const inspector = o.heap ? PORT + 100 : undefined;
      if (t === 'start') return () => startDev(PORT, log, { vars, inspector });
      if (t === 'serve') return () => startServe(PORT + 1, 'tmp/loadtest/dist', log, { vars, inspector: inspector && inspector + 1, workerd: o.workerd! });
      throw new Error(`--target must be start, serve or both (start,serve), got ${t}`);
    });

console.log(
  `loadtest: ${N} requests, concurrency ${C}; mix: ${cases.photo.length} photos, ${cases.hostile.length} hostile files, oversize ${cases.oversize[0].name} ${(cases.oversize[0].body.length / 1048576).toFixed(1)} MiB at ${o.oversize}, hostile at ${o.hostile}; seed ${o.seed}; load ${(
    await import('node:os')
  )
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
const all = [];
let ok = true;
for (const start of targets) {
  const target = await start();
  try {
    const r = await runTarget(target);
    all.push(r);
    ok = report(r) && ok;
  } finally {
    await target.stop();
  }
}
const json = resolve(root, o.json!);
mkdirSync(dirname(json), { recursive: true });
writeFileSync(json, JSON.stringify({ n: N, c: C, oversize: OVERSIZE, hostile: HOSTILE, seed: SEED, cache: o.cache, workerd: o.workerd, results: all }, null, 1));
console.log(`\nloadtest: ${ok ? 'OK' : 'FAILED'} (report in ${o.json})`);
process.exit(ok ? 0 : 1);
