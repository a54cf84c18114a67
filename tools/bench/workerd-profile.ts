/**
 * `npm run bench:workerd-profile`: where a warm request's CPU goes *inside workerd*, by function.
 * The deploy bundle runs alone in workerd as bench:request's `serve` variant runs it (binary
 * configuration, BENCH_ROUTES = "1", the result cache off), with workerd's inspector open; V8's
 * sampling profiler (DevTools protocol, Profiler domain: no Debugger, so no WebAssembly tier-down)
 * records `--requests` requests of the route and as many of the no-op route (POST /v1/bench/noop,
 * which bench:request subtracts), one at a time.
 *
 * Each function's self samples are scaled to milliseconds per request by the isolate thread's
 * measured CPU per request *without* the profiler (schedstat of workerd's main thread, medians of
 * `--requests`/5 alternations of the route and the no-op route before profiling), so the profiler's
 * own overhead is spread in proportion rather than added. JavaScript is named through the bundle's
 * source map; WebAssembly by module: the decoders carry name sections, the engine and the resampler
 * are named from `asc --debug` builds of the same source (made in --work; same function bodies).
 *
 *   npm run bench:workerd-profile [-- --route classify|decode|resize|infer|answer] [--requests 300]
 *     [--interval 50] [--image FILE] [--top 40] [--work DIR] [--save]
 *
 * --route decode|resize|infer|answer profiles POST /v1/bench/stages?until=…; --save writes the two
 * .cpuprofile files to --work (open them in Chrome DevTools). Node 20 needs --experimental-websocket
 * (the npm script passes it). Figures: docs/benchmarks/request.md, "Inside workerd".
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { headerHelp, int, oneOf, toolArgs } from '../lib/args.ts';
import { median } from '../lib/median.ts';
import { wasmFunctions } from '../lib/wasm-functions.ts';

const ROOT = resolve(import.meta.dirname, '../..');

const ROUTES = ['classify', 'decode', 'resize', 'infer', 'answer'] as const;
const help = headerHelp(import.meta.url);
const { values: o } = toolArgs('bench:workerd-profile', help, {
  options: {
    route: { type: 'string', default: 'classify' },
    requests: { type: 'string', default: '300' },
    interval: { type: 'string', default: '50' },
    image: { type: 'string' },
    top: { type: 'string', default: '40' },
    work: { type: 'string', default: 'tmp/bench/profile' },
    save: { type: 'boolean', default: false },
  },
});
const route = oneOf(o.route, '--route', ROUTES, 'classify')!;
const requests = int(o.requests, '--requests', 300, 10);
const interval = int(o.interval, '--interval', 50, 10);
const top = int(o.top, '--top', 40, 1);
const work = resolve(ROOT, o.work!);
if (typeof WebSocket === 'undefined') throw new Error('no global WebSocket: run Node 20 with --experimental-websocket (npm run bench:workerd-profile does)');
const log = (s = '') => process.stdout.write(`${s}\n`);

// --- the Worker, alone in workerd, inspector open -------------------------------------------------
// Imported after the arguments are checked: wrangler takes seconds to load.
const { benchImages } = await import('./request/images.ts');
const { bundleWorker, startWorker } = await import('./request/workerd.ts');
mkdirSync(work, { recursive: true });
const imagePath = o.image ? resolve(o.image) : benchImages(ROOT, join(ROOT, 'tmp/bench/request/images'), '/usr/bin/python3', ['jpeg-640-420'])[0].path;
const body = new Uint8Array(readFileSync(imagePath));
log(`bundling the Worker (wrangler deploy --dry-run) into ${relative(ROOT, work)}/bundle …`);
const bundle = await bundleWorker(ROOT, join(work, 'bundle'), []);
const port = await new Promise<number>((ok) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as { port: number }).port;
    s.close(() => ok(p));
  });
});
const w = await startWorker(bundle, { server: 'plain', vars: { BENCH_ROUTES: '1', RESULT_CACHE_TTL: '0' }, inspectorPort: port });
const path = route === 'classify' ? '/v1/classify' : `/v1/bench/stages?until=${route}`;
async function post(p: string): Promise<void> {
  const r = await fetch(new URL(p, w.url), { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`POST ${p}: ${r.status} ${text.slice(0, 200)}`);
}
async function timed(p: string): Promise<number> {
  const t0 = w.mainThreadCpuNs();
  await post(p);
  return (w.mainThreadCpuNs() - t0) / 1e6;
}

interface Profile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] }>;
  samples: number[];
}

try {
  for (let i = 0; i < 30; i++) {
    await post(path);
    await post('/v1/bench/noop');
  }
  const health = (await (await fetch(new URL('/healthz', w.url))).json()) as { loaded: Array<{ build: 'simd128' | 'relaxed' }> };
  const build = health.loaded[0]?.build ?? 'simd128';
  const routeMs: number[] = [];
  const noopMs: number[] = [];
  for (let i = 0; i < Math.max(20, requests / 5); i++) {
    routeMs.push(await timed(path));
    noopMs.push(await timed('/v1/bench/noop'));
  }
  const msRoute = median(routeMs);
  const msNoop = median(noopMs);

  // --- profile ----------------------------------------------------------------------------------
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl?: string }>;
  const wsUrl = targets.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
  if (!wsUrl) throw new Error(`no debuggable Worker at http://127.0.0.1:${port}/json/list`);
  const ws = new WebSocket(wsUrl);
  await new Promise((ok, fail) => {
    ws.addEventListener('open', ok, { once: true });
    ws.addEventListener('error', () => fail(new Error(`cannot open ${wsUrl}`)), { once: true });
  });
  let id = 0;
  const pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  ws.addEventListener('message', (e) => {
    const m = JSON.parse(String(e.data)) as { id?: number; result?: unknown; error?: unknown };
    const p = m.id === undefined ? undefined : pending.get(m.id);
    if (!p) return;
    pending.delete(m.id!);
    if (m.error) p.fail(new Error(JSON.stringify(m.error)));
    else p.ok(m.result);
  });
  const send = <T>(method: string, params: object = {}) =>
    new Promise<T>((ok, fail) => {
      pending.set(++id, { ok: ok as (v: unknown) => void, fail });
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval });
  const record = async (p: string): Promise<{ profile: Profile; ms: number }> => {
    const during: number[] = [];
    await send('Profiler.start');
    for (let i = 0; i < requests; i++) during.push(await timed(p));
    const { profile } = await send<{ profile: Profile }>('Profiler.stop');
    return { profile, ms: median(during) };
  };
  log(`profiling ${requests} × POST ${path} and ${requests} × POST /v1/bench/noop (${interval} µs sampling) …`);
  const a = await record(path);
  const b = await record('/v1/bench/noop');
  ws.close();
  if (o.save) {
    writeFileSync(join(work, `${route}.cpuprofile`), JSON.stringify(a.profile));
    writeFileSync(join(work, 'noop.cpuprofile'), JSON.stringify(b.profile));
  }

  // --- names ------------------------------------------------------------------------------------
  const names = wasmNames(build);
  const map = new SourceMap(JSON.parse(readFileSync(`${bundle.scriptPath}.map`, 'utf8')));
  const shortSource = (s: string) =>
    s
      .replace(/^.*node_modules\//, '')
      .replace(/^(\.\.\/)+/, '')
      .replace(/^.*?\/(worker|tools)\//, '$1/');
  const aggregate = (p: Profile, ms: number) => {
    const node = new Map(p.nodes.map((n) => [n.id, n]));
    // A wasm module is told by its functions: the decoders' carry names; the engine's indices reach past the resampler's.
    const maxIndex = new Map<string, number>();
    for (const n of p.nodes) {
      const i = /^wasm-function\[(\d+)\]$/.exec(n.callFrame.functionName);
      if (i) maxIndex.set(n.callFrame.url, Math.max(maxIndex.get(n.callFrame.url) ?? 0, Number(i[1])));
    }
    const counts = new Map<number, number>();
    for (const s of p.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
    const self = new Map<string, number>();
    let busy = 0;
    for (const [nid, k] of counts) {
      const cf = node.get(nid)!.callFrame;
      if (cf.functionName === '(idle)') continue;
      busy += k;
      let key: string;
      const wasmIndex = /^wasm-function\[(\d+)\]$/.exec(cf.functionName);
      if (cf.url.startsWith('wasm://')) {
        if (wasmIndex) {
          const engine = (maxIndex.get(cf.url) ?? 0) >= names.resample.length;
          const n = (engine ? names.engine : names.resample)[Number(wasmIndex[1])];
          key = `${engine ? 'engine' : 'resampler'}: ${n ?? cf.functionName}`;
        } else key = `wasm: ${cf.functionName}`;
      } else if (cf.url.endsWith(bundle.scriptPath.split('/').pop()!)) {
        const e = map.findEntry(cf.lineNumber, cf.columnNumber) as { originalSource?: string; originalLine?: number; name?: string };
        key = e.originalSource ? `${shortSource(e.originalSource)}:${(e.originalLine ?? 0) + 1} ${e.name ?? cf.functionName}` : `bundle ${cf.functionName}`;
      } else key = `${cf.functionName || '(anonymous)'} [V8/workerd]`;
      self.set(key, (self.get(key) ?? 0) + k);
    }
    for (const [k, v] of self) self.set(k, (v / busy) * ms);
    return self;
  };
  const sa = aggregate(a.profile, msRoute);
  const sb = aggregate(b.profile, msNoop);

  // --- report -----------------------------------------------------------------------------------
  const group = (k: string) =>
    k.startsWith('engine:')
      ? 'engine (wasm)'
      : k.startsWith('resampler:')
        ? 'resampler (wasm)'
        : k.startsWith('wasm:')
          ? 'decoders (wasm)'
          : k.includes('[V8/workerd]')
            ? 'V8 / workerd (GC, natives, runtime)'
            : k.startsWith('worker/')
              ? 'our JavaScript (worker/)'
              : 'libraries (hono, zod)';
  const groups = new Map<string, [number, number]>();
  for (const [m, col] of [
    [sa, 0],
    [sb, 1],
  ] as const)
    for (const [k, v] of m) {
      const g = groups.get(group(k)) ?? [0, 0];
      g[col] += v;
      groups.set(group(k), g);
    }
  const f = (x: number) => x.toFixed(3).padStart(7);
  log(`\nworkerd alone, engine build ${build}, ${relative(ROOT, imagePath)} (${body.length} B); load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  log(`isolate thread CPU ms per request without the profiler (median of ${routeMs.length}): ${route} ${msRoute.toFixed(3)}, no-op ${msNoop.toFixed(3)}, difference ${(msRoute - msNoop).toFixed(3)}`);
  log(`under the profiler: ${a.ms.toFixed(3)} and ${b.ms.toFixed(3)}; profile samples (busy) scaled to the figures without it\n`);
  log(`${'ms per request'.padEnd(44)} ${'route'.padStart(7)} ${'no-op'.padStart(7)} ${'diff'.padStart(7)}`);
  for (const [g, [x, y]] of [...groups].sort((p, q) => q[1][0] - p[1][0])) log(`${g.padEnd(44)} ${f(x)} ${f(y)} ${f(x - y)}`);
  log(`\n${'function (self ms per request)'.padEnd(70)} ${'route'.padStart(7)} ${'no-op'.padStart(7)} ${'diff'.padStart(7)}`);
  const keys = [...new Set([...sa.keys(), ...sb.keys()])].sort((p, q) => (sa.get(q) ?? 0) - (sa.get(p) ?? 0));
  for (const k of keys.slice(0, top)) log(`${k.slice(0, 70).padEnd(70)} ${f(sa.get(k) ?? 0)} ${f(sb.get(k) ?? 0)} ${f((sa.get(k) ?? 0) - (sb.get(k) ?? 0))}`);
} finally {
  await w.close();
}

/**
 * Function names of the engine build and the resampler, from `asc --debug` builds of the same
 * source in --work (the deploy builds have no name section; the function bodies are the same,
 * checked by their sizes). Missing or different: the profile keeps V8's `wasm-function[i]`.
 */
function wasmNames(build: 'simd128' | 'relaxed'): { engine: string[]; resample: string[] } {
  const named = (config: string, target: string, deployed: string) => {
    const out = join(work, deployed.replace(/\.wasm$/, '.names.wasm'));
    const asc = join(ROOT, 'node_modules/.bin/asc');
    const a = wasmFunctions(join(ROOT, 'build', deployed));
    // Made again when missing or stale (its bodies no longer those of the build).
    if (!existsSync(out) || wasmFunctions(out).bodies.join() !== a.bodies.join()) execFileSync(asc, ['--config', config, '--target', target, '--debug', '-o', out], { cwd: ROOT, stdio: 'ignore' });
    const b = wasmFunctions(out);
    // Names are looked up by body index: with imported functions they would be shifted.
    if (a.imports || b.imports) throw new Error(`${deployed} imports functions: its function indices are not its bodies'`);
    if (a.bodies.join() !== b.bodies.join()) return [];
    return a.bodies.map((_, i) => (b.names.get(i) ?? `#${i}`).replace(/^assembly\/(kernels\/)?/, ''));
  };
  return { engine: named('asconfig.json', build, `engine.${build}.wasm`), resample: named('asconfig.resample.json', 'simd128', 'resample.simd128.wasm') };
}
