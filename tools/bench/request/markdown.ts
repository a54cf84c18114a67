/** The markdown report of `npm run bench:request` (also printed): one table per measurement. */
import { markdownTable, type Machine } from '../report.ts';
import type { Summary } from '../stats.ts';
import type { ColdRow, EmptyCold, NoopRow, WarmRow } from './measure.ts';
import { STAGES, type StageResult } from './stages.ts';

export interface Target {
  what: string;
  target: string;
  /** Upper bound; `strict`: the value must be below it. */
  limit: number;
  strict?: boolean;
  /** Per variant. */
  values: Record<string, number | null>;
}

export interface RequestReport {
  date: string;
  machine: Machine;
  options: Record<string, unknown>;
  /** `server`: how workerd ran it (undefined: not workerd); `argv`: the command line of the process that served it. */
  variants: Array<{ id: string; label: string; vars: Record<string, string>; server?: 'miniflare' | 'plain'; argv?: string[] }>;
  images: Array<{ id: string; label: string; path: string; bytes: number }>;
  models: Array<{ id: string; label: string; param?: string; path: string }>;
  noop: NoopRow[];
  warm: WarmRow[];
  cold: ColdRow[];
  /**
   * Per way of running workerd: the empty Worker's start-up (subtracted from the variants' under
   * the same server) and its own first and warm requests (its start-up absolute): workerd's floor.
   */
  empty: EmptyCold[];
  stages: StageResult[];
  targets: Target[];
  notes: string[];
}

const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null || !(b > 0) ? '–' : `${(a / b).toFixed(2)}×`);

export function met(t: Target, v: number | null): boolean | null {
  if (v === null || !Number.isFinite(v)) return null;
  return t.strict ? v < t.limit : v <= t.limit;
}

export function formatMarkdown(r: RequestReport): string {
  const img = (id: string) => r.images.find((i) => i.id === id)?.label ?? id;
  const vs = r.variants;
  const v0 = vs[0].id;
  const others = vs.slice(1);
  const m = r.machine;
  const out: string[] = [];
  const p = (s = '') => out.push(s);
  p('# Whole-request benchmark (`npm run bench:request`)');
  p();
  p(
    `${r.date.slice(0, 16).replace('T', ' ')} UTC, git ${m.git ?? '?'}; ${m.cpu}, ${m.cores} cores; load average ${m.loadavg.join(' ')} before, ${(m.loadavgAfter ?? []).join(' ')} after; Node ${m.node}.`,
  );
  p(
    `${r.options.samples} timed requests per variant, image and model after ${r.options.warmup} warm-up rounds, all interleaved in a shuffled order; ${r.options.coldRuns} fresh isolates per cold-start figure.`,
  );
  p();
  p('Variants (all running at once, requests interleaved):');
  for (const v of vs)
    p(
      `- \`${v.id}\`: ${v.label}${
        Object.keys(v.vars).length
          ? ` (vars ${Object.entries(v.vars)
              .map(([k, x]) => `${k}=${x}`)
              .join(', ')})`
          : ''
      }`,
    );
  p();
  p('Models: ' + r.models.map((x) => `\`${x.id}\` = ${x.label}`).join('; ') + '.');
  p();
  p(
    '**CPU** = CPU time of the workerd process during the request (all its threads, read from /proc in ns), minus the median of the no-op route ' +
      '(POST /v1/bench/noop: routing, middleware, reading the body) with the same body. **Wall** = time until the client has the whole answer, minus the ' +
      "no-op route's wall median. On an idle machine the two agree; on a shared one CPU is the robust figure, and the targets are judged on it. " +
      "**Isolate thread** = the same CPU figure for workerd's main thread alone, the one that runs the Worker: what Workers bill; the whole process also counts " +
      "V8's garbage-collector and compiler threads, which take more of an idle machine's spare cores.",
  );

  const warmOf = (v: string, image: string, model: string) => r.warm.find((w) => w.variant === v && w.image === image && w.model === model);
  const pairs = r.warm.filter((w) => w.variant === v0);
  for (const [title, k] of [
    ['Warm requests in workerd: CPU ms per request (median, p95)', 'cpu'],
    ["Warm requests in workerd: the isolate thread's CPU ms per request (median, p95; workerd's main thread alone, what Workers bill)", 'main'],
    ['Warm requests in workerd: wall ms per request (median, p95)', 'wall'],
  ] as const) {
    p();
    p(`## ${title}`);
    p();
    const head = ['image', 'model', ...vs.flatMap((v) => [`${v.id}: median`, 'p95']), ...others.map((v) => `${v0} ÷ ${v.id}`)];
    const rows = pairs.map((w) => [
      img(w.image),
      w.model,
      ...vs.flatMap((v) => {
        const x = warmOf(v.id, w.image, w.model);
        return [f(x?.[k].median), f(x?.[k].p95)];
      }),
      ...others.map((v) => ratio(w[k].median, warmOf(v.id, w.image, w.model)?.[k].median)),
    ]);
    p(markdownTable(head, rows, 2));
  }
  p();
  const noopCell = (s: { cpu: Summary; wall: Summary }) => `${f(s.cpu.median)} / ${f(s.wall.median)}`;
  p('The no-op route itself (CPU / wall ms, median; subtracted above):');
  p();
  p(
    markdownTable(
      ['image', ...vs.map((v) => v.id)],
      r.images.map((i) => [
        img(i.id),
        ...vs.map((v) => {
          const n = r.noop.find((x) => x.variant === v.id && x.image === i.id);
          return n ? noopCell(n) : '–';
        }),
      ]),
    ),
  );

  if (r.cold.length) {
    p();
    p('## Cold start: a fresh isolate (a new workerd process) per run');
    p();
    const serverOf = (variant: string) => r.variants.find((v) => v.id === variant)?.server ?? 'miniflare';
    const SERVER = { miniflare: 'under Miniflare', plain: 'workerd alone' } as const;
    p(
      `The first request sends ${img(r.images[0].id)}. Start-up = workerd's CPU until it is ready, minus an empty Worker's under the same server (` +
        r.empty.map((e) => `${SERVER[e.server]}: ${f(e.startup.cpuMs, 1)} ms CPU, ${f(e.startup.wallMs, 0)} ms wall`).join('; ') +
        `). Medians of ${r.cold[0].runs} runs. ` +
        'The request figures here are whole requests (nothing subtracted): the first, the second, and "warm", the median of the next seven, all in the same isolate. ' +
        "The first rows are an empty Worker (it answers `{}` to anything): what workerd itself charges for an isolate's first request, which no Worker can go below. " +
        "\"above the floor\" = (first − the empty Worker's first) ÷ (warm − the empty Worker's warm), under the same server: the ratio of what the Worker's own code costs. " +
        "Under Miniflare the process also runs Miniflare's own Workers (its entry Worker proxies every request, on the same thread), and the isolates it creates " +
        "after the Worker's start-up make V8 drop the Worker's baseline WebAssembly code (the first request compiles it again); `serve` is the Worker alone. " +
        'CPU is the whole workerd process (all threads); "isolate thread" is workerd\'s main thread alone, the one that runs the Worker ' +
        "(what Workers bill), without V8's background threads (optimising compiles started by the start-up warm-up or by the request, GC).",
    );
    p();
    const emptyRow = (variant: string) => r.empty.find((x) => x.server === serverOf(variant))?.row;
    const above = (c: ColdRow) => {
      const e = emptyRow(c.variant);
      return e ? ratio(c.firstCpuMs - e.firstCpuMs, c.warmCpuMs - e.warmCpuMs) : '–';
    };
    const row = (c: ColdRow, variant: string, target: string, floor = false) => [
      variant,
      target,
      f(c.startupCpuMs, 1),
      f(c.firstCpuMs, 1),
      f(c.secondCpuMs, 1),
      f(c.warmCpuMs, 1),
      ratio(c.firstCpuMs, c.warmCpuMs),
      floor ? '–' : above(c),
      `${f(c.firstMainCpuMs, 1)} / ${f(c.warmMainCpuMs, 1)}`,
      ratio(c.firstMainCpuMs, c.warmMainCpuMs),
      f(c.firstWallMs, 1),
    ];
    p(
      markdownTable(
        [
          'variant',
          'first request to',
          'start-up CPU ms',
          'first request CPU ms',
          'second',
          'warm',
          'first ÷ warm',
          'above the floor',
          'isolate thread: first / warm',
          'first ÷ warm',
          'first request wall ms',
        ],
        [
          ...r.empty.map((e) => row(e.row, `empty Worker (${SERVER[e.server]})`, '`{}` (start-up absolute)', true)),
          ...r.cold.map((c) => row(c, c.variant, c.target === 'noop' ? 'no-op route' : c.target.startsWith('until=') ? `stages ${c.target} (default model)` : `${c.target} model`)),
        ],
        2,
      ),
    );
  }
  if (r.stages.length) {
    p();
    p(`## The same stages in Node, in-process (\`${v0}\`; CPU ms per call, median)`);
    p();
    p(
      markdownTable(
        ['image', 'model', ...STAGES, 'sum'],
        r.stages.map((s) => [img(s.image), s.model, ...STAGES.map((st) => f(s.stages[st].median, st === 'sniff+header' ? 4 : 2)), f(s.totalMs)]),
        2,
      ),
    );
  }
  p();
  p('## Targets (issue #10)');
  p();
  p(
    markdownTable(
      ['what', 'target', ...vs.map((v) => v.id), `met (${v0})`],
      r.targets.map((t) => {
        const ok = met(t, t.values[v0]);
        return [t.what, t.target, ...vs.map((v) => f(t.values[v.id])), ok === null ? '–' : ok ? 'yes' : '**no**'];
      }),
      2,
    ),
  );
  if (r.notes.length) {
    p();
    p('Notes:');
    for (const n of r.notes) p(`- ${n}`);
  }
  return out.join('\n');
}
