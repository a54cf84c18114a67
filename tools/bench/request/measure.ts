/**
 * The workerd measurements of `npm run bench:request`: warm requests (every variant's Worker
 * running at once, every image to every model and to the no-op route, in a shuffled order each
 * round) and cold starts (a fresh workerd process per run and target).
 *
 * A variant is one Worker configuration: a bundle plus vars (e.g. DECODE = "fast", or the bundle
 * of an earlier commit), so before/after figures come from one interleaved run.
 */
import { median } from '../../lib/median.ts';
import { mulberry32, shuffle } from '../../lib/rng.ts';
import { summarize, type Summary } from '../stats.ts';
import type { BenchImage } from './images.ts';
import type { RunningWorker } from '../miniflare.ts';
import { startWorker, type Bundle, type Server } from './workerd.ts';

export interface Variant {
  id: string;
  label: string;
  bundle: Bundle;
  vars: Record<string, string>;
  /** How workerd runs it (workerd.ts): among Miniflare's Workers (default) or alone (`plain`). */
  server?: Server;
  /** Serves the variant some other way than workerd (the `node` variant: node-server.ts); warm rows only. */
  start?: () => Promise<RunningWorker>;
}

/** A model as the bench addresses it: `param` undefined asks without ?model= (the MODEL var's). */
export interface BenchModel {
  id: string;
  label: string;
  param?: string;
  /** Its name in the Worker's model list. */
  name: string;
  /** The .gnv2 file (for the in-process stages). */
  path: string;
  /**
   * Another route than classify for the same body (`--warm-stages`: the bench route's stages of
   * the default model); such a row has no top-1 class.
   */
  route?: string;
}

export interface Sample {
  wallMs: number;
  cpuMs: number;
  /** CPU of workerd's main thread only (the isolate's; RunningWorker.mainThreadCpuNs). */
  mainCpuMs: number;
}

export interface Measured {
  wall: Summary;
  cpu: Summary;
  /** CPU of workerd's main thread alone: the isolate's, what Workers bill (no GC or compiler threads). */
  main: Summary;
}

export interface NoopRow extends Measured {
  variant: string;
  image: string;
}

export interface WarmRow {
  variant: string;
  image: string;
  model: string;
  /** The request minus the no-op median of the same body and variant: median and p95, ms. */
  cpu: { median: number; p95: number };
  /** The same for the isolate thread alone (minus the no-op route's isolate-thread median). */
  main: { median: number; p95: number };
  wall: { median: number; p95: number };
  raw: Measured;
  /** Top-1 class index the Worker answered. */
  top1: number;
}

/** One fresh isolate: workerd's start-up, its first request, and that request repeated (median). */
export interface ColdSample {
  startupCpuMs: number;
  startupWallMs: number;
  firstCpuMs: number;
  /** The first request's CPU on the isolate's thread only (without V8's background compiles). */
  firstMainCpuMs: number;
  firstWallMs: number;
  /** The request after the first (V8 may still be optimising what the first one compiled). */
  secondCpuMs: number;
  warmCpuMs: number;
  warmMainCpuMs: number;
  warmWallMs: number;
}

/** Medians over the runs of one variant and target; start-up minus the empty Worker's median. */
export interface ColdRow extends ColdSample {
  variant: string;
  /** `noop` or a model id. */
  target: string;
  runs: number;
  samples: ColdSample[];
}

export const NOOP_PATH = '/v1/bench/noop';
export const classifyPath = (m: BenchModel) => m.route ?? `/v1/classify?top_k=5${m.param ? `&model=${encodeURIComponent(m.param)}` : ''}`;

export interface SendOptions {
  /** Extra request headers (bench:cache sends Cache-Control: no-cache for its misses). */
  headers?: Record<string, string>;
  /** ms to wait after the answer before reading the CPU, so work after it (waitUntil) is counted. */
  settleMs?: number;
}

/**
 * Requests the bench sent again because workerd reset a kept-alive connection before answering
 * (the pinned workerd drops kept-alive connections now and then: docs/reliability.md, "What is
 * left"). The report lists the count; a reset on the retry too is an error.
 */
export const retried = { count: 0 };

const isReset = (e: unknown) => {
  const code = (e as { cause?: { code?: string } }).cause?.code;
  return code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE';
};

/**
 * One request (a POST of `body`, or a GET when `body` is null), timed at the client (wall) and as
 * workerd's CPU (all threads, and its main thread alone) around it.
 */
export async function send(w: RunningWorker, path: string, body: Uint8Array | null, o: SendOptions = {}): Promise<Sample & { json: Record<string, unknown> }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await sendOnce(w, path, body, o);
    } catch (e) {
      if (attempt > 0 || !isReset(e)) throw e;
      retried.count++;
    }
  }
}

async function sendOnce(w: RunningWorker, path: string, body: Uint8Array | null, o: SendOptions): Promise<Sample & { json: Record<string, unknown> }> {
  const c0 = w.cpuNs();
  const m0 = w.mainThreadCpuNs();
  const t0 = performance.now();
  const init: RequestInit = body
    ? { method: 'POST', body: body as Uint8Array<ArrayBuffer>, headers: { 'content-type': 'application/octet-stream', ...o.headers } }
    : { method: 'GET', headers: o.headers };
  const res = await fetch(new URL(path, w.url), init);
  const text = await res.text();
  const t1 = performance.now();
  if (o.settleMs) await new Promise((r) => setTimeout(r, o.settleMs));
  const c1 = w.cpuNs();
  const m1 = w.mainThreadCpuNs();
  if (res.status !== 200) throw new Error(`${init.method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return { wallMs: t1 - t0, cpuMs: (c1 - c0) / 1e6, mainCpuMs: (m1 - m0) / 1e6, json: JSON.parse(text) as Record<string, unknown> };
}

export interface WarmOptions {
  warmup: number;
  samples: number;
  log: (s: string) => void;
}

export async function measureWarm(variants: Variant[], images: BenchImage[], models: BenchModel[], o: WarmOptions): Promise<{ noop: NoopRow[]; warm: WarmRow[]; argv: Record<string, string[]> }> {
  const workers = new Map<string, RunningWorker>();
  const argv: Record<string, string[]> = {};
  const series = new Map<string, Sample[]>();
  const top1 = new Map<string, number>();
  type Task = { variant: string; image: BenchImage; model?: BenchModel };
  const tasks: Task[] = variants.flatMap((v) => images.flatMap((image) => [{ variant: v.id, image }, ...models.map((model) => ({ variant: v.id, image, model }))]));
  const key = (v: string, image: string, model: string) => `${v}|${image}|${model}`;
  const rand = mulberry32(7);
  const t0 = performance.now();
  try {
    for (const v of variants) {
      const w = await (v.start ? v.start() : startWorker(v.bundle, { vars: v.vars, server: v.server }));
      workers.set(v.id, w);
      argv[v.id] = w.argv;
    }
    for (let r = 0; r < o.warmup + o.samples; r++) {
      for (const t of shuffle(tasks, rand)) {
        const k = key(t.variant, t.image.id, t.model?.id ?? 'noop');
        const s = await send(workers.get(t.variant)!, t.model ? classifyPath(t.model) : NOOP_PATH, t.image.bytes);
        if (t.model && !t.model.route && !top1.has(k)) top1.set(k, (s.json.predictions as Array<{ index: number }>)[0].index);
        if (r < o.warmup) continue;
        if (!series.has(k)) series.set(k, []);
        series.get(k)!.push({ wallMs: s.wallMs, cpuMs: s.cpuMs, mainCpuMs: s.mainCpuMs });
      }
      const done = r + 1;
      if (done === o.warmup || done === o.warmup + o.samples || (done > o.warmup && (done - o.warmup) % 10 === 0)) {
        o.log(`  round ${done}/${o.warmup + o.samples} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      }
    }
  } finally {
    for (const w of workers.values()) await w.close();
  }
  const measured = (k: string): Measured => {
    const s = series.get(k)!;
    return { wall: summarize(s.map((x) => x.wallMs)), cpu: summarize(s.map((x) => x.cpuMs)), main: summarize(s.map((x) => x.mainCpuMs)) };
  };
  const noop: NoopRow[] = [];
  const warm: WarmRow[] = [];
  for (const v of variants) {
    for (const image of images) {
      const n = { variant: v.id, image: image.id, ...measured(key(v.id, image.id, 'noop')) };
      noop.push(n);
      for (const model of models) {
        const m = measured(key(v.id, image.id, model.id));
        warm.push({
          variant: v.id,
          image: image.id,
          model: model.id,
          cpu: { median: m.cpu.median - n.cpu.median, p95: m.cpu.p95 - n.cpu.median },
          main: { median: m.main.median - n.main.median, p95: m.main.p95 - n.main.median },
          wall: { median: m.wall.median - n.wall.median, p95: m.wall.p95 - n.wall.median },
          raw: m,
          top1: top1.get(key(v.id, image.id, model.id)) ?? -1,
        });
      }
    }
  }
  return { noop, warm, argv };
}

/**
 * The floor workerd itself imposes: a Worker that answers every request with a constant `{}`.
 * Its start-up is subtracted from every variant's; its first request (against its warm ones) is
 * what any Worker's first request costs at least.
 */
const EMPTY_WORKER = 'export default { fetch() { return new Response("{}", { headers: { "content-type": "application/json" } }); } };';
/** Requests after the first, in the same isolate: the second, then the warm figure (median of the rest). */
const COLD_REPEATS = 8;

/**
 * The bench route's stages (routes/bench.ts), for `--cold-stages`: the default model's pipeline run
 * up to a stage, so that a first request's extra over a warm one can be told apart by stage.
 */
export const COLD_STAGES = ['decode', 'resize', 'infer'] as const;

/** The stage routes of COLD_STAGES as warm rows (`--warm-stages`), beside the models, for `model` (the default). */
export function stageTargets(model: BenchModel): BenchModel[] {
  return COLD_STAGES.map((s) => ({ ...model, id: `until=${s}`, label: `stages until=${s} (${model.id} model)`, route: `/v1/bench/stages?until=${s}` }));
}

export interface ColdOptions {
  runs: number;
  /** Also the stage routes of COLD_STAGES (the default model): targets `until=decode` etc. */
  stages?: boolean;
  log: (s: string) => void;
}

/** One fresh isolate: its start-up, then the same request COLD_REPEATS + 1 times. */
async function coldSample(w: RunningWorker, path: string, body: Uint8Array): Promise<ColdSample> {
  const first = await send(w, path, body);
  const again: Sample[] = [];
  for (let i = 0; i < COLD_REPEATS; i++) again.push(await send(w, path, body));
  return {
    startupCpuMs: w.startup.cpuMs,
    startupWallMs: w.startup.wallMs,
    firstCpuMs: first.cpuMs,
    firstMainCpuMs: first.mainCpuMs,
    firstWallMs: first.wallMs,
    secondCpuMs: again[0].cpuMs,
    warmCpuMs: median(again.slice(1).map((x) => x.cpuMs)),
    warmMainCpuMs: median(again.slice(1).map((x) => x.mainCpuMs)),
    warmWallMs: median(again.slice(1).map((x) => x.wallMs)),
  };
}

function coldRow(variant: string, target: string, s: ColdSample[], base: { cpuMs: number; wallMs: number }): ColdRow {
  const med = (k: keyof ColdSample) => median(s.map((x) => x[k]));
  return {
    variant,
    target,
    runs: s.length,
    startupCpuMs: med('startupCpuMs') - base.cpuMs,
    startupWallMs: med('startupWallMs') - base.wallMs,
    firstCpuMs: med('firstCpuMs'),
    firstMainCpuMs: med('firstMainCpuMs'),
    firstWallMs: med('firstWallMs'),
    secondCpuMs: med('secondCpuMs'),
    warmCpuMs: med('warmCpuMs'),
    warmMainCpuMs: med('warmMainCpuMs'),
    warmWallMs: med('warmWallMs'),
    samples: s,
  };
}

/** The empty Worker's start-up (subtracted) and its own requests, per way of running workerd. */
export interface EmptyCold {
  server: Server;
  startup: { cpuMs: number; wallMs: number };
  row: ColdRow;
}

/**
 * Per run: an empty Worker (workerd's own start-up and first request: the floor) for each way of
 * running workerd that a variant uses, then for every variant and target (no-op, each model) a
 * fresh workerd process, its start-up, its first request with `image`, and that request repeated.
 * Targets and variants alternate within each run. A variant's start-up is minus the empty
 * Worker's under the same server (Miniflare's own Workers start up too).
 */
export async function measureCold(variants: Variant[], image: BenchImage, models: BenchModel[], o: ColdOptions): Promise<{ cold: ColdRow[]; empty: EmptyCold[] }> {
  const targets: Array<{ id: string; path: string }> = [
    { id: 'noop', path: NOOP_PATH },
    ...(o.stages ? COLD_STAGES.map((s) => ({ id: `until=${s}`, path: `/v1/bench/stages?until=${s}` })) : []),
    ...models.map((m) => ({ id: m.id, path: classifyPath(m) })),
  ];
  variants = variants.filter((v) => !v.start); // a fresh isolate is workerd's
  const servers = [...new Set(variants.map((v) => v.server ?? 'miniflare'))];
  const empty = new Map<Server, ColdSample[]>(servers.map((s) => [s, []]));
  const runs = new Map<string, ColdSample[]>();
  for (let r = 0; r < o.runs; r++) {
    for (const server of servers) {
      const e = await startWorker(variants[0].bundle, { script: EMPTY_WORKER, server });
      try {
        empty.get(server)!.push(await coldSample(e, '/', image.bytes));
      } finally {
        await e.close();
      }
    }
    for (const t of targets) {
      for (const v of variants) {
        const w = await startWorker(v.bundle, { vars: v.vars, server: v.server });
        try {
          const k = `${v.id}|${t.id}`;
          if (!runs.has(k)) runs.set(k, []);
          runs.get(k)!.push(await coldSample(w, t.path, image.bytes));
        } finally {
          await w.close();
        }
      }
    }
    o.log(`  run ${r + 1}/${o.runs}`);
  }
  const base = new Map(
    servers.map((s) => {
      const e = empty.get(s)!;
      return [s, { cpuMs: median(e.map((x) => x.startupCpuMs)), wallMs: median(e.map((x) => x.startupWallMs)) }];
    }),
  );
  const cold = variants.flatMap((v) => targets.map((t) => coldRow(v.id, t.id, runs.get(`${v.id}|${t.id}`)!, base.get(v.server ?? 'miniflare')!)));
  return { cold, empty: servers.map((server) => ({ server, startup: base.get(server)!, row: coldRow('empty', 'empty', empty.get(server)!, { cpuMs: 0, wallMs: 0 }) })) };
}
