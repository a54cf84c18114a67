/**
 * Pointwise (1x1 conv GEMM) micro-benchmark: every 1x1 layer of GhostNetV2-1.0 at 224x224
 * (68 layers incl. SE, conv_head and the classifier as pointwise_f32; 46 distinct shapes,
 * 140.6 M MACs), plus the stem GEMM after im2col (27->16 @ 112², xStride 32) and im2col itself.
 * Each build's `pointwise` runs on the same data; warm-up, then ≥ 30 interleaved samples (build order
 * rotated every sample), median reported. Prints GMAC/s per shape and the total time of all 1x1 layers
 * (Σ layers × median), i.e. sum of MACs / time. The first run of each shape is checked byte for byte
 * against the build's pointwise_reference.
 *
 *   npx tsx tools/bench/pointwise.ts [--samples N] [--filter 112,336] [--cpu] [--workerd [--v8-flag F ...]] [build|name=path.wasm ...]
 *
 * --cpu (Node only) times with the process's CPU time instead of wall time: robust on a loaded machine.
 *
 * builds default to simd128 and scalar (build/engine.<build>.wasm; run `node tools/build/asbuild.mjs`).
 * --workerd runs the same benchmark inside workerd (the production V8; the only place where the
 * relaxed build gives correct results), e.g. `--workerd simd128 relaxed`. workerd's clock ticks in
 * milliseconds, so its samples are longer.
 */

/** [layer, cin, cout, pixels] of every 1x1 conv / linear layer (from ghostnetv2_w1.0_layers.txt). */
export const GHOSTNET_1X1_LAYERS: ReadonlyArray<readonly [string, number, number, number]> = [
  ['blocks.0.0.ghost1.primary_conv.0', 16, 8, 12544],
  ['blocks.0.0.ghost2.primary_conv.0', 16, 8, 12544],
  ['blocks.1.0.ghost1.primary_conv.0', 16, 24, 12544],
  ['blocks.1.0.ghost2.primary_conv.0', 48, 12, 3136],
  ['blocks.1.0.shortcut.2', 16, 24, 3136],
  ['blocks.2.0.ghost1.short_conv.0', 24, 72, 784],
  ['blocks.2.0.ghost1.primary_conv.0', 24, 36, 3136],
  ['blocks.2.0.ghost2.primary_conv.0', 72, 12, 3136],
  ['blocks.3.0.ghost1.short_conv.0', 24, 72, 784],
  ['blocks.3.0.ghost1.primary_conv.0', 24, 36, 3136],
  ['blocks.3.0.se.conv_reduce', 72, 20, 1],
  ['blocks.3.0.se.conv_expand', 20, 72, 1],
  ['blocks.3.0.ghost2.primary_conv.0', 72, 20, 784],
  ['blocks.3.0.shortcut.2', 24, 40, 784],
  ['blocks.4.0.ghost1.short_conv.0', 40, 120, 196],
  ['blocks.4.0.ghost1.primary_conv.0', 40, 60, 784],
  ['blocks.4.0.se.conv_reduce', 120, 32, 1],
  ['blocks.4.0.se.conv_expand', 32, 120, 1],
  ['blocks.4.0.ghost2.primary_conv.0', 120, 20, 784],
  ['blocks.5.0.ghost1.short_conv.0', 40, 240, 196],
  ['blocks.5.0.ghost1.primary_conv.0', 40, 120, 784],
  ['blocks.5.0.ghost2.primary_conv.0', 240, 40, 196],
  ['blocks.5.0.shortcut.2', 40, 80, 196],
  ['blocks.6.0.ghost1.short_conv.0', 80, 200, 49],
  ['blocks.6.0.ghost1.primary_conv.0', 80, 100, 196],
  ['blocks.6.0.ghost2.primary_conv.0', 200, 40, 196],
  ['blocks.6.1.ghost1.short_conv.0', 80, 184, 49],
  ['blocks.6.1.ghost1.primary_conv.0', 80, 92, 196],
  ['blocks.6.1.ghost2.primary_conv.0', 184, 40, 196],
  ['blocks.6.2.ghost1.short_conv.0', 80, 184, 49],
  ['blocks.6.2.ghost1.primary_conv.0', 80, 92, 196],
  ['blocks.6.2.ghost2.primary_conv.0', 184, 40, 196],
  ['blocks.6.3.ghost1.short_conv.0', 80, 480, 49],
  ['blocks.6.3.ghost1.primary_conv.0', 80, 240, 196],
  ['blocks.6.3.se.conv_reduce', 480, 120, 1],
  ['blocks.6.3.se.conv_expand', 120, 480, 1],
  ['blocks.6.3.ghost2.primary_conv.0', 480, 56, 196],
  ['blocks.6.3.shortcut.2', 80, 112, 196],
  ['blocks.6.4.ghost1.short_conv.0', 112, 672, 49],
  ['blocks.6.4.ghost1.primary_conv.0', 112, 336, 196],
  ['blocks.6.4.se.conv_reduce', 672, 168, 1],
  ['blocks.6.4.se.conv_expand', 168, 672, 1],
  ['blocks.6.4.ghost2.primary_conv.0', 672, 56, 196],
  ['blocks.7.0.ghost1.short_conv.0', 112, 672, 49],
  ['blocks.7.0.ghost1.primary_conv.0', 112, 336, 196],
  ['blocks.7.0.se.conv_reduce', 672, 168, 1],
  ['blocks.7.0.se.conv_expand', 168, 672, 1],
  ['blocks.7.0.ghost2.primary_conv.0', 672, 80, 49],
  ['blocks.7.0.shortcut.2', 112, 160, 49],
  ['blocks.8.0.ghost1.short_conv.0', 160, 960, 9],
  ['blocks.8.0.ghost1.primary_conv.0', 160, 480, 49],
  ['blocks.8.0.ghost2.primary_conv.0', 960, 80, 49],
  ['blocks.8.1.ghost1.short_conv.0', 160, 960, 9],
  ['blocks.8.1.ghost1.primary_conv.0', 160, 480, 49],
  ['blocks.8.1.se.conv_reduce', 960, 240, 1],
  ['blocks.8.1.se.conv_expand', 240, 960, 1],
  ['blocks.8.1.ghost2.primary_conv.0', 960, 80, 49],
  ['blocks.8.2.ghost1.short_conv.0', 160, 960, 9],
  ['blocks.8.2.ghost1.primary_conv.0', 160, 480, 49],
  ['blocks.8.2.ghost2.primary_conv.0', 960, 80, 49],
  ['blocks.8.3.ghost1.short_conv.0', 160, 960, 9],
  ['blocks.8.3.ghost1.primary_conv.0', 160, 480, 49],
  ['blocks.8.3.se.conv_reduce', 960, 240, 1],
  ['blocks.8.3.se.conv_expand', 240, 960, 1],
  ['blocks.8.3.ghost2.primary_conv.0', 960, 80, 49],
  ['blocks.9.0.conv', 160, 960, 49],
  ['conv_head', 960, 1280, 1],
  ['classifier', 1280, 1000, 1],
];

/** The subset of an engine build's exports the benchmark needs (structurally EngineExports). */
export interface BenchExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  mark(): number;
  release(to: number): void;
  variant(): number;
  [name: string]: unknown;
}

export interface BenchOptions {
  samples: number;
  /** minimum duration of one sample of the fastest build, ms */
  minSampleMs: number;
  /** only shapes whose "cin,cout,pixels" key contains this */
  filter?: string;
}

interface Job {
  key: string;
  label: string;
  cin: number;
  cout: number;
  pixels: number;
  xStride: number;
  f32: boolean;
  layers: number;
  macs: number; // per call (cin x cout x pixels, without padding)
  inTotal: boolean;
  im2col?: boolean;
}

function jobs(filter?: string): Job[] {
  const m = new Map<string, Job>();
  for (const [, cin, cout, pixels] of GHOSTNET_1X1_LAYERS) {
    const key = `${cin},${cout},${pixels}`;
    const j = m.get(key) ?? { key, label: `${cin}->${cout} @${pixels}`, cin, cout, pixels, xStride: cin, f32: cin === 1280 && cout === 1000, layers: 0, macs: cin * cout * pixels, inTotal: true };
    j.layers++;
    m.set(key, j);
  }
  const out = [...m.values()];
  out.push({ key: 'stem', label: 'stem 27->16 @12544', cin: 27, cout: 16, pixels: 12544, xStride: 32, f32: false, layers: 1, macs: 27 * 16 * 12544, inTotal: false });
  out.push({ key: 'im2col', label: 'im2col 224x224', cin: 0, cout: 0, pixels: 0, xStride: 0, f32: false, layers: 1, macs: 0, inTotal: false, im2col: true });
  return filter ? out.filter((j) => j.key.includes(filter)) : out;
}

/** Deterministic bytes (xorshift), no dependency on the test harness. */
function fill(ex: BenchExports, p: number, n: number, seed: number, lo: number, hi: number): void {
  const a = new Int8Array(ex.memory.buffer, p, n);
  let s = seed | 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    a[i] = lo + ((s >>> 0) % (hi - lo + 1));
  }
}

function block(ex: BenchExports, n: number): number {
  const p = ex.alloc(n);
  if (!p) throw new Error('engine memory exhausted');
  return p;
}

/** Prepares one job in one build; returns a runner of `reps` calls and a checker against the reference. */
function prepare(ex: BenchExports, j: Job): { run: (reps: number) => void; check: () => string | null } {
  const fn = (name: string) => ex[name] as (...a: number[]) => number;
  if (j.im2col) {
    const H = 224, W = 224, n = 112 * 112 * 32;
    const x = block(ex, H * W * 3);
    fill(ex, x, H * W * 3, 7, -128, 127);
    const d1 = block(ex, n), d2 = block(ex, n);
    const f = fn('im2col_3x3s2');
    return {
      run: (reps) => { for (let r = 0; r < reps; r++) f(x, H, W, -3, d1); },
      check: () => {
        f(x, H, W, -3, d1);
        fn('im2col_3x3s2_reference')(x, H, W, -3, d2);
        const a = new Uint8Array(ex.memory.buffer, d1, n), b = new Uint8Array(ex.memory.buffer, d2, n);
        for (let i = 0; i < n; i++) if (a[i] !== b[i]) return `im2col differs from the reference at byte ${i}`;
        return null;
      },
    };
  }
  const { cin, cout, pixels, xStride, f32 } = j;
  const xBytes = pixels * xStride;
  const x = block(ex, xBytes);
  fill(ex, x, xBytes, 1, -128, 127);
  const w = block(ex, cin * cout);
  fill(ex, w, cin * cout, 2, -127, 127);
  const bias = block(ex, cout * 4), scale = block(ex, cout * 4);
  const bi = new Int32Array(ex.memory.buffer, bias, cout), sc = new Float32Array(ex.memory.buffer, scale, cout);
  for (let o = 0; o < cout; o++) { bi[o] = ((o * 7919) % 20001) - 10000; sc[o] = 1e-3 * (1 + (o % 10)); }
  const packedBytes = fn('pointwise_packed_size')(cin, cout);
  const packed = block(ex, packedBytes);
  fn('pointwise_pack')(w, cin, cout, packed);
  const eb = f32 ? 4 : 1;
  const y = block(ex, pixels * cout * eb), y2 = block(ex, pixels * cout * eb);
  const f = fn(f32 ? 'pointwise_f32' : 'pointwise');
  const call = f32
    ? (out: number) => f(x, pixels, cin, xStride, packed, bias, scale, cout, out, cout)
    : (out: number) => f(x, pixels, cin, xStride, packed, bias, scale, cout, out, cout, -5, -5, 127);
  return {
    run: (reps) => { for (let r = 0; r < reps; r++) call(y); },
    check: () => {
      call(y);
      const ref = fn(f32 ? 'pointwise_f32_reference' : 'pointwise_reference');
      if (f32) ref(x, pixels, cin, xStride, w, bias, scale, cout, y2, cout);
      else ref(x, pixels, cin, xStride, w, bias, scale, cout, y2, cout, -5, -5, 127);
      const n = pixels * cout * eb;
      const a = new Uint8Array(ex.memory.buffer, y, n), b = new Uint8Array(ex.memory.buffer, y2, n);
      for (let i = 0; i < n; i++) if (a[i] !== b[i]) return `${j.label}: pointwise differs from the reference at byte ${i}`;
      return null;
    },
  };
}

function median(a: number[]): number {
  const b = [...a].sort((p, q) => p - q);
  const n = b.length;
  return n % 2 ? b[n >> 1] : 0.5 * (b[n / 2 - 1] + b[n / 2]);
}

export interface JobResult {
  key: string;
  label: string;
  layers: number;
  macs: number;
  inTotal: boolean;
  im2col: boolean;
  /** per build: median and minimum ms per call */
  median: number[];
  min: number[];
}

/** The benchmark's job keys (distinct shapes, stem GEMM, im2col), optionally filtered by substring. */
export function jobKeys(filter?: string): string[] {
  return jobs(filter).map((j) => j.key);
}

/** A job prepared in every build: `runs[b](reps)` runs build b; `release()` frees the memory. */
export interface PreparedJob {
  job: JobResult;
  runs: ((reps: number) => void)[];
  /** ms per call of the fastest build, after warm-up (for choosing reps) */
  perRep: number;
  release(): void;
}

/**
 * Prepares one job (by exact key) in every build, checks each build's output against its
 * pointwise_reference, warms up (tier-up, caches) and calibrates: doubles reps until a run spans at
 * least `calibrateMs` (robust to millisecond clocks such as workerd's).
 */
export function prepareJob(builds: { name: string; ex: BenchExports }[], key: string, calibrateMs: number, now: () => number): PreparedJob {
  const j = jobs().find((q) => q.key === key);
  if (!j) throw new Error(`no benchmark job ${key}`);
  const marks = builds.map((b) => b.ex.mark());
  const release = () => builds.forEach((b, i) => b.ex.release(marks[i]));
  try {
    const runs = builds.map((b) => prepare(b.ex, j));
    runs.forEach((r, i) => {
      const err = r.check();
      if (err) throw new Error(`${err} (${builds[i].name})`);
    });
    let perRep = Infinity;
    for (const r of runs) {
      const t0 = now();
      let k = 0;
      while (k < 3 || now() - t0 < 20) { r.run(1); k++; }
      let n = 1;
      for (;;) {
        const t1 = now();
        r.run(n);
        const dt = now() - t1;
        if (dt >= calibrateMs || n >= 1 << 24) { perRep = Math.min(perRep, dt / n); break; }
        n *= 2;
      }
    }
    return {
      job: { key: j.key, label: j.label, layers: j.layers, macs: j.macs, inTotal: j.inTotal, im2col: !!j.im2col, median: [], min: [] },
      runs: runs.map((r) => r.run),
      perRep,
      release,
    };
  } catch (e) {
    release();
    throw e;
  }
}

/** Measures one job in every build with interleaved samples (build order rotated every sample). */
export function benchJob(builds: { name: string; ex: BenchExports }[], key: string, opt: BenchOptions, now: () => number): JobResult {
  const p = prepareJob(builds, key, opt.minSampleMs / 4, now);
  try {
    const reps = Math.max(1, Math.ceil(opt.minSampleMs / p.perRep));
    const times: number[][] = p.runs.map(() => []);
    for (let s = 0; s < opt.samples; s++) {
      for (let i = 0; i < p.runs.length; i++) {
        const b = (i + s) % p.runs.length;
        const t0 = now();
        p.runs[b](reps);
        times[b].push((now() - t0) / reps);
      }
    }
    return { ...p.job, median: times.map(median), min: times.map((t) => Math.min(...t)) };
  } finally {
    p.release();
  }
}

/** Formats results as the report: GMAC/s per shape and the total over all 1x1 layers. */
export class Report {
  private total: number[];
  private totalMin: number[];
  private totalMacs = 0;
  constructor(private names: string[], samples: number, private print: (line: string) => void) {
    this.total = names.map(() => 0);
    this.totalMin = names.map(() => 0);
    print(`pointwise: ${samples} interleaved samples per shape, median; GMAC/s per shape (min-time GMAC/s in brackets)`);
    print(`${'shape'.padEnd(22)}${'layers'.padStart(7)}${'MMAC'.padStart(8)}  ${names.map((n) => (n + ' GMAC/s').padStart(24)).join('')}`);
  }
  add(r: JobResult): void {
    const mmac = r.im2col ? 0 : r.macs / 1e6;
    const cells = r.median.map((m, b) => (r.im2col
      ? `${(m * 1000).toFixed(1)} us`
      : `${(mmac / m).toFixed(2)} [${(mmac / r.min[b]).toFixed(2)}]`).padStart(24));
    this.print(`${r.label.padEnd(22)}${String(r.layers).padStart(7)}${mmac.toFixed(2).padStart(8)}  ${cells.join('')}${r.inTotal ? '' : '   (not in total)'}`);
    if (r.inTotal) {
      this.totalMacs += r.macs * r.layers;
      r.median.forEach((m, b) => { this.total[b] += m * r.layers; });
      r.min.forEach((m, b) => { this.totalMin[b] += m * r.layers; });
    }
  }
  finish(): void {
    if (!this.totalMacs) return;
    this.print(`all 1x1 layers (${(this.totalMacs / 1e6).toFixed(1)} MMAC): sum over layers of the median time per call`);
    this.names.forEach((n, b) => this.print(`  ${n.padEnd(10)} ${this.total[b].toFixed(3)} ms  = ${(this.totalMacs / this.total[b] / 1e6).toFixed(2)} GMAC/s   (sum of per-shape minima: ${this.totalMin[b].toFixed(3)} ms)`));
  }
}

/** Runs the whole benchmark in this environment and prints the report. */
export function benchPointwise(builds: { name: string; ex: BenchExports }[], opt: BenchOptions, now: () => number, print: (line: string) => void): void {
  const report = new Report(builds.map((b) => b.name), opt.samples, print);
  for (const key of jobKeys(opt.filter)) report.add(benchJob(builds, key, opt, now));
  report.finish();
}

// ---------------------------------------------------------------- Node entry point

async function main(): Promise<void> {
  const { readFileSync, readdirSync, mkdtempSync, writeFileSync, copyFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join, resolve, dirname } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const { spawn, execFileSync } = await import('node:child_process');
  const here = dirname(fileURLToPath(import.meta.url));
  const root = resolve(here, '../..');

  const args = process.argv.slice(2);
  let samples = 31, filter: string | undefined, workerd = false, cpu = false;
  const v8Flags: string[] = [];
  const specs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--samples') samples = Math.max(30, Number(args[++i]));
    else if (args[i] === '--filter') filter = args[++i];
    else if (args[i] === '--workerd') workerd = true;
    else if (args[i] === '--cpu') cpu = true;
    else if (args[i] === '--v8-flag') v8Flags.push(args[++i]);
    else specs.push(args[i]);
  }
  if (!specs.length) specs.push('simd128', 'scalar');
  const builds = specs.map((s) => {
    const eq = s.indexOf('=');
    if (eq > 0) return { name: s.slice(0, eq), path: resolve(s.slice(eq + 1)) };
    if (s.endsWith('.wasm')) return { name: s.replace(/^.*\/|\.wasm$/g, ''), path: resolve(s) };
    return { name: s, path: join(root, 'build', `engine.${s}.wasm`) };
  });

  if (!workerd) {
    if (builds.some((b) => b.name.includes('relaxed'))) console.warn('warning: Node 20 computes relaxed SIMD wrongly; use --workerd for the relaxed build');
    const loaded = await Promise.all(builds.map(async (b) => {
      const instance = await WebAssembly.instantiate(new WebAssembly.Module(readFileSync(b.path)), { env: { abort: () => { throw new Error('engine abort'); } } });
      return { name: b.name, ex: instance.exports as unknown as BenchExports };
    }));
    console.log(`node ${process.version}, V8 ${process.versions.v8}; clock: ${cpu ? 'process CPU time' : 'wall time'}`);
    const clock = cpu ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();
    benchPointwise(loaded, { samples, minSampleMs: 2, filter }, clock, (l) => console.log(l));
    return;
  }

  // workerd: bundle a tiny worker around benchJob, serve it, fetch one job per request.
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-'));
  try {
    builds.forEach((b, i) => copyFileSync(b.path, join(dir, `b${i}.wasm`)));
    writeFileSync(join(dir, 'entry.ts'), [
      `import { prepareJob } from ${JSON.stringify(join(here, 'pointwise.ts'))};`,
      ...builds.map((_, i) => `import m${i} from './b${i}.wasm';`),
      `const mods = [${builds.map((_, i) => `m${i}`).join(', ')}];`,
      `const names = ${JSON.stringify(builds.map((b) => b.name))};`,
      'let builds = null, job = null;',
      'export default { async fetch(req) {',
      '  const u = new URL(req.url);',
      '  try {',
      '    if (!builds) {',
      '      builds = [];',
      '      for (let i = 0; i < mods.length; i++) {',
      "        const inst = await WebAssembly.instantiate(mods[i], { env: { abort() { throw new Error('engine abort'); } } });",
      '        builds.push({ name: names[i], ex: inst.exports });',
      '      }',
      '    }',
      "    if (u.searchParams.has('prepare')) {",
      '      if (job) job.release();',
      "      job = prepareJob(builds, u.searchParams.get('prepare'), 8, () => performance.now());",
      '      return Response.json({ job: job.job, perRep: job.perRep });',
      '    }',
      "    const b = Number(u.searchParams.get('run')), reps = Number(u.searchParams.get('reps'));",
      '    const t0 = performance.now();',
      '    if (b >= 0) job.runs[b](reps);',
      '    return Response.json({ ms: performance.now() - t0 });',
      "  } catch (e) { return new Response(String(e && e.stack || e), { status: 500 }); }",
      '} };',
    ].join('\n'));
    const esbuild = join(root, 'node_modules', '.bin', 'esbuild');
    execFileSync(esbuild, [join(dir, 'entry.ts'), '--bundle', '--format=esm', `--outfile=${join(dir, 'worker.js')}`, '--external:*.wasm', '--external:node:*', '--platform=neutral', '--log-level=warning'], { stdio: 'inherit' });
    const port = 20000 + Math.floor(Math.random() * 20000);
    writeFileSync(join(dir, 'config.capnp'), [
      'using Workerd = import "/workerd/workerd.capnp";',
      'const config :Workerd.Config = (',
      `  v8Flags = ${JSON.stringify(v8Flags)},`,
      '  services = [ (name = "main", worker = .w) ],',
      `  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],`,
      ');',
      'const w :Workerd.Worker = (',
      `  modules = [ (name = "worker.js", esModule = embed "worker.js")${builds.map((_, i) => `, (name = "b${i}.wasm", wasm = embed "b${i}.wasm")`).join('')} ],`,
      '  compatibilityDate = "2025-01-01",',
      ');',
    ].join('\n'));
    const bin = join(root, 'node_modules', '.bin', 'workerd');
    const version = execFileSync(bin, ['--version']).toString().trim();
    const child = spawn(bin, ['serve', join(dir, 'config.capnp')], { stdio: ['ignore', 'inherit', 'inherit'] });
    const stop = () => { child.kill('SIGKILL'); process.exit(130); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    try {
      const get = async (url: string): Promise<Response> => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await fetch(url);
          } catch (e) {
            if (attempt > 50) throw e;
            await new Promise((r) => setTimeout(r, 200)); // workerd still starting
          }
        }
      };
      // CPU time of the workerd process (all threads, ns) from /proc: robust on a loaded machine.
      const pid = child.pid!;
      const cpuNs = (): number => {
        let t = 0;
        for (const tid of readdirSync(`/proc/${pid}/task`)) {
          try { t += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]); } catch { /* thread exited */ }
        }
        return t;
      };
      let useCpu = true;
      try { cpuNs(); } catch { useCpu = false; }
      console.log(`${version} (workerd's V8); clock: ${useCpu ? 'workerd process CPU time (/proc schedstat), minus the cost of an empty request' : 'wall time inside the worker'}`);
      const report = new Report(builds.map((b) => b.name), samples, (l) => console.log(l));
      const base = `http://127.0.0.1:${port}/`;
      for (const key of jobKeys(filter)) {
        const res = await get(`${base}?prepare=${encodeURIComponent(key)}`);
        if (!res.ok) throw new Error(`workerd: ${await res.text()}`);
        const { job, perRep } = (await res.json()) as { job: JobResult; perRep: number };
        const reps = Math.max(1, Math.ceil(25 / perRep)); // ~25 ms of work per request
        const one = async (b: number): Promise<number> => {
          const c0 = cpuNs();
          const r = await get(`${base}?run=${b}&reps=${b >= 0 ? reps : 0}`);
          const { ms } = (await r.json()) as { ms: number };
          return useCpu ? (cpuNs() - c0) / 1e6 : ms;
        };
        const empty: number[] = [];
        for (let i = 0; i < 5; i++) empty.push(await one(-1));
        const overhead = useCpu ? median(empty) : 0;
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
      child.kill('SIGKILL');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (typeof process !== 'undefined' && process.argv?.[1] && /pointwise\.ts$/.test(process.argv[1])) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
