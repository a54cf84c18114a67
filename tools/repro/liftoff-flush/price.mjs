#!/usr/bin/env node
// What a Liftoff flush costs the next request, per function and per KiB of function bodies, in
// workerd: a Worker whose module has N functions of about B body bytes each, all run once at
// start-up (module scope) and once per request (an export that calls each in turn), alone in
// workerd and with an empty Worker listed after it (its isolate flushes the first one's baseline
// code, README.md). Per process: the main thread's CPU time (/proc/PID/task/PID/schedstat, ns) of
// the first request minus the median of the next three; per (N, B), the medians over --runs
// processes of each config and their difference (what the flush added); then a least-squares fit
// of that difference to a·functions + b·KiB over all (N, B).
//
//   node tools/repro/liftoff-flush/price.mjs [--runs R] [N:B ...]     (default 9 runs; 10:6000 100:600 1000:60 1000:8)
//
// The bodies are straight-line i32 arithmetic (Liftoff's cost per byte differs with the opcodes);
// the number of functions is the point. Figures: docs/benchmarks/request.md ("the set-up inlined").
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const workerd = process.env.WORKERD_BIN ?? createRequire(join(root, 'package.json'))('workerd').default;
const dir = join(root, 'tmp/repro-liftoff-price');

const args = process.argv.slice(2);
let runs = 9;
const grid = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else grid.push(args[i].split(':').map(Number));
}
if (!grid.length) grid.push([10, 6000], [100, 600], [1000, 60], [1000, 8]);
if (!(runs >= 1) || grid.some(([n, b]) => !(n >= 1 && b >= 8))) {
  console.error('usage: price.mjs [--runs R] [N:B ...] (R >= 1, N >= 1, B >= 8)');
  process.exit(2);
}

const leb = (n) => {
  const o = [];
  do {
    let b = n & 127;
    n >>>= 7;
    if (n) b |= 128;
    o.push(b);
  } while (n);
  return o;
};
const vec = (items) => [...leb(items.length), ...items.flat()];
const section = (id, bytes) => [id, ...leb(bytes.length), ...bytes];
const body = (code) => {
  const b = [0, ...code, 0x0b];
  return [...leb(b.length), ...b];
};

/** N functions (i32) -> i32 of about B body bytes, and export `all` = f_{N-1}(...f_0(x)). */
function module(n, size) {
  const bodies = Array.from({ length: n }, (_, i) => {
    const code = [];
    // x = (x + k) ^ k' (local.get, i32.const, i32.add, i32.const, i32.xor, local.set), repeated
    while (code.length < size - 3) code.push(0x20, 0, 0x41, ...leb((i + code.length) & 63), 0x6a, 0x41, ...leb(i & 63), 0x73, 0x21, 0);
    return body([...code, 0x20, 0]);
  });
  const all = [0x20, 0];
  for (let i = 0; i < n; i++) all.push(0x10, ...leb(i));
  bodies.push(body(all));
  return new Uint8Array([
    ...[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...section(1, vec([[0x60, 1, 0x7f, 1, 0x7f]])),
    ...section(3, vec(Array.from({ length: n + 1 }, () => [0]))),
    ...section(7, vec([[3, ...Buffer.from('all'), 0, ...leb(n)]])),
    ...section(10, vec(bodies)),
  ]);
}

mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'a.mjs'), "import mod from './m.wasm';\nconst { all } = new WebAssembly.Instance(mod).exports;\nall(0);\nexport default { fetch: () => new Response(String(all(41))) };\n");
writeFileSync(join(dir, 'b.mjs'), "export default { fetch: () => new Response('b') };\n");
for (const [name, services] of [
  ['one', '(name = "a", worker = .a)'],
  ['two', '(name = "a", worker = .a), (name = "b", worker = .b)'],
]) {
  writeFileSync(
    join(dir, `${name}.capnp`),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ ${services} ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "a") ],
);
const a :Workerd.Worker = (
  modules = [ (name = "a.mjs", esModule = embed "a.mjs"), (name = "m.wasm", wasm = embed "m.wasm") ],
  compatibilityDate = "2026-04-01",
);
const b :Workerd.Worker = ( modules = [ (name = "b.mjs", esModule = embed "b.mjs") ], compatibilityDate = "2026-04-01" );
`,
  );
}

const cpuMs = (pid) => Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];

/** One workerd process: the main thread's CPU ms of the first request minus the next three's median. */
function firstMinusWarm(config) {
  return new Promise((resolve, reject) => {
    const child = spawn(workerd, ['serve', join(dir, config), '--control-fd=3'], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
    child.on('error', reject);
    createInterface(child.stdio[3]).on('line', async (line) => {
      const m = JSON.parse(line);
      if (m.event !== 'listen') return;
      try {
        await new Promise((r) => setTimeout(r, 300)); // the start-up's background work settles
        const t = [];
        for (let i = 0; i < 4; i++) {
          const before = cpuMs(child.pid);
          await (await fetch(`http://127.0.0.1:${m.port}/`)).text();
          t.push(cpuMs(child.pid) - before);
        }
        child.on('exit', () => resolve(t[0] - median(t.slice(1))));
      } catch (e) {
        reject(e);
      }
      child.kill('SIGINT');
    });
  });
}

const rows = [];
for (const [n, size] of grid) {
  writeFileSync(join(dir, 'm.wasm'), module(n, size));
  const one = [];
  const two = [];
  for (let r = 0; r < runs; r++) {
    one.push(await firstMinusWarm('one.capnp'));
    two.push(await firstMinusWarm('two.capnp'));
  }
  const kib = (n * size) / 1024;
  const flush = median(two) - median(one);
  rows.push({ n, kib, flush });
  console.log(
    `${n} functions x ${size} B (${kib.toFixed(1)} KiB): first - warm request, main thread ms: alone ${median(one).toFixed(2)}, ` +
      `after a flush ${median(two).toFixed(2)}; the flush: ${flush.toFixed(2)} ms`,
  );
}
if (rows.length >= 2) {
  // least squares, flush = a * functions + b * KiB (no constant: nothing compiled, nothing paid)
  const s = (f) => rows.reduce((acc, r) => acc + f(r), 0);
  const [nn, nk, kk, nf, kf] = [s((r) => r.n * r.n), s((r) => r.n * r.kib), s((r) => r.kib * r.kib), s((r) => r.n * r.flush), s((r) => r.kib * r.flush)];
  const det = nn * kk - nk * nk;
  const a = (nf * kk - kf * nk) / det;
  const b = (nn * kf - nk * nf) / det;
  console.log(`fit: ${(a * 1000).toFixed(1)} us per function + ${(b * 1000).toFixed(1)} us per KiB of bodies`);
}
