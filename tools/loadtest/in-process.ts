/**
 * What the Worker's own code allocates per request, and how often V8 collects under the load
 * test's mix: the app in this Node process (no server, no workerd), every body sent as a byte
 * stream in 64 KiB pieces, as workerd hands request bodies to the Worker (so body.ts reads it BYOB).
 *
 *   node --expose-gc --import tsx tools/loadtest/in-process.ts requests
 *     For each photo, hostile file and 12 MB body of the load test: the ArrayBuffer bytes and the
 *     JS heap bytes that one request leaves (live or garbage) between two full GCs, the least of 5
 *     requests in which no GC ran. The decoders' and the engine's WebAssembly memories are reused,
 *     so after a first round these bytes are the request's garbage.
 *
 *   node --expose-gc --import tsx tools/loadtest/in-process.ts load [-n 1500] [-c 16] [--seed 1]
 *     The load test's mix (tools/loadtest/requests.ts mix) at concurrency c: the GCs V8 ran, by
 *     kind, the peak RSS and ArrayBuffer bytes of this process, and the wall time.
 *
 * Why (docs/reliability.md, "what grows"): workerd's allocator keeps what it frees, so the Worker's
 * RSS is the high-water mark of what waits for V8's next collection; this shows how much of that
 * is the Worker's, and how it moves V8's schedule.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { unstable_readConfig } from 'wrangler';
import { nodeApp } from '../lib/node-app.ts';
import { loadCases, mix, type Case } from './requests.ts';

const root = resolve(import.meta.dirname, '../..');
const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: { n: { type: 'string', short: 'n', default: '1500' }, c: { type: 'string', short: 'c', default: '16' }, seed: { type: 'string', default: '1' } },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const manifest = JSON.parse(readFileSync(`${root}/models/manifest.json`, 'utf8')) as { models: Array<{ name: string; file: string; default?: boolean }> };
const models = manifest.models.map((m) => ({ name: m.name, path: `${root}/models/${m.file}`, default: m.default }));
const { app, ctx } = await nodeApp(models, `${root}/build/engine.simd128.wasm`);
// wrangler.toml's [vars], without the result cache (the load test's --cache off).
const vars = { ...unstable_readConfig({ config: `${root}/wrangler.toml` }).vars, RESULT_CACHE_TTL: '0' };
const cases = loadCases(`${root}/test/fixtures/photos`, `${root}/test/fixtures/hostile`);

const gcs: Record<string, number> = {};
const kindName: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const k = kindName[(e as unknown as { detail: { kind: number } }).detail.kind] ?? 'other';
    gcs[k] = (gcs[k] ?? 0) + 1;
  }
}).observe({ entryTypes: ['gc'] });
const totalGcs = () => Object.values(gcs).reduce((a, b) => a + b, 0);

/** `body` as a byte stream of 64 KiB pieces, one per macrotask (as from a socket), copied into the reader's buffer. */
function byteStream(body: Uint8Array, yieldEach: boolean): ReadableStream<Uint8Array> {
  let off = 0;
  return new ReadableStream({
    type: 'bytes',
    async pull(ctrl) {
      if (yieldEach) await new Promise((r) => setImmediate(r));
      const byob = ctrl.byobRequest;
      if (off >= body.length) {
        ctrl.close();
        byob?.respond(0);
      } else if (byob) {
        const view = byob.view as Uint8Array;
        const n = Math.min(view.byteLength, 64 * 1024, body.length - off);
        view.set(body.subarray(off, off + n));
        off += n;
        byob.respond(n);
      } else ctrl.enqueue(body.slice(off, (off += 64 * 1024)));
    },
  }) as ReadableStream<Uint8Array>;
}

async function send(c: Case, yieldEach: boolean): Promise<number> {
  const headers: Record<string, string> = { 'content-type': c.contentType };
  if (c.framing === 'content-length') headers['content-length'] = String(c.body.length);
  const req = new Request('http://127.0.0.1/v1/classify?top_k=1', { method: 'POST', headers, body: byteStream(c.body, yieldEach), duplex: 'half' } as RequestInit);
  const res = await app.fetch(req, vars, ctx);
  await res.arrayBuffer();
  return res.status;
}

const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;

if (positionals[0] === 'requests') {
  const all = [...cases.photo, ...cases.hostile, ...cases.oversize];
  for (const c of all) await send(c, false); // every decoder and code path once
  console.log('| kind | file | body | ArrayBuffer bytes a request leaves | JS heap |\n|---|---|---:|---:|---:|');
  for (const c of all) {
    let ab = Infinity,
      heap = Infinity,
      clean = 0;
    for (let k = 0; k < 5; k++) {
      gc();
      gc();
      await new Promise((r) => setTimeout(r, 5)); // the observer reports these two GCs first
      const before = process.memoryUsage();
      const g = totalGcs();
      const status = await send(c, false);
      const after = process.memoryUsage();
      await new Promise((r) => setImmediate(r)); // let the observer report a GC that ran during the request
      if (status !== c.expect) throw new Error(`${c.name}: ${status}, expected ${c.expect}`);
      if (totalGcs() !== g) continue;
      clean++;
      ab = Math.min(ab, after.arrayBuffers - before.arrayBuffers);
      heap = Math.min(heap, after.heapUsed - before.heapUsed);
    }
    console.log(`| ${c.kind} | ${c.name} | ${kib(c.body.length)} | ${clean ? kib(ab) : 'a GC ran every time'} | ${clean ? kib(heap) : ''} |`);
  }
} else if (positionals[0] === 'load') {
  const n = Number(o.n);
  const list = mix(cases, n, Number(o.seed), { oversize: 0.05, hostile: 0.2 });
  let peakRss = 0,
    peakAb = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakAb = Math.max(peakAb, m.arrayBuffers);
  }, 20);
  for (const k of Object.keys(gcs)) delete gcs[k];
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Number(o.c) }, async () => {
      while (next < list.length) {
        const c = list[next++];
        const status = await send(c, true);
        if (status !== c.expect) throw new Error(`${c.name}: ${status}, expected ${c.expect}`);
      }
    }),
  );
  clearInterval(sampler);
  const mib = (x: number) => `${(x / 1048576).toFixed(0)} MiB`;
  console.log(`${n} requests at concurrency ${o.c} in ${((performance.now() - t0) / 1000).toFixed(1)} s; GCs ${JSON.stringify(gcs)}; peak RSS ${mib(peakRss)}, peak ArrayBuffers ${mib(peakAb)}`);
} else {
  throw new Error('usage: in-process.ts requests | load [-n 1500] [-c 16] [--seed 1]');
}
