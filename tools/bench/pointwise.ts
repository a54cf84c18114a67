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

/** Runs the benchmark; environment-agnostic (Node or workerd). Returns the printed report. */
export function benchPointwise(builds: { name: string; ex: BenchExports }[], opt: BenchOptions, now: () => number, print: (line: string) => void): string {
  const lines: string[] = [];
  const out = (s: string) => { lines.push(s); print(s); };
  const names = builds.map((b) => b.name);
  const col = (s: string, n: number) => s.padStart(n);
  out(`pointwise: ${opt.samples} interleaved samples per shape, median; GMAC/s per shape (min-time GMAC/s in brackets)`);
  out(`${'shape'.padEnd(22)}${col('layers', 7)}${col('MMAC', 8)}  ${names.map((n) => col(n + ' GMAC/s', 24)).join('')}`);
  const total = names.map(() => 0);
  const totalMin = names.map(() => 0);
  let totalMacs = 0;
  for (const j of jobs(opt.filter)) {
    const marks = builds.map((b) => b.ex.mark());
    try {
      const runs = builds.map((b) => prepare(b.ex, j));
      for (const r of runs) {
        const err = r.check();
        if (err) throw new Error(`${err} (${names[runs.indexOf(r)]})`);
      }
      // warm-up: tier up, caches; then calibrate reps on the fastest build
      let fastest = Infinity;
      for (const r of runs) {
        const t0 = now();
        let k = 0;
        while (k < 3 || now() - t0 < 20) { r.run(1); k++; }
        const t1 = now();
        r.run(4);
        fastest = Math.min(fastest, (now() - t1) / 4);
      }
      const reps = Math.max(1, Math.ceil(opt.minSampleMs / Math.max(fastest, 1e-4)));
      const times: number[][] = runs.map(() => []);
      for (let s = 0; s < opt.samples; s++) {
        for (let i = 0; i < runs.length; i++) {
          const b = (i + s) % runs.length;
          const t0 = now();
          runs[b].run(reps);
          times[b].push((now() - t0) / reps);
        }
      }
      const med = times.map(median), mins = times.map((t) => Math.min(...t));
      const mmac = j.im2col ? 0 : j.macs / 1e6;
      const cells = med.map((m, b) => j.im2col
        ? col(`${(m * 1000).toFixed(1)} us`, 24)
        : col(`${(mmac / m).toFixed(2)} [${(mmac / mins[b]).toFixed(2)}]`, 24));
      out(`${j.label.padEnd(22)}${col(String(j.layers), 7)}${col(mmac.toFixed(2), 8)}  ${cells.join('')}${j.inTotal ? '' : '   (not in total)'}`);
      if (j.inTotal) {
        totalMacs += j.macs * j.layers;
        med.forEach((m, b) => { total[b] += m * j.layers; });
        mins.forEach((m, b) => { totalMin[b] += m * j.layers; });
      }
    } finally {
      builds.forEach((b, i) => b.ex.release(marks[i]));
    }
  }
  if (totalMacs) {
    out(`all 1x1 layers (${(totalMacs / 1e6).toFixed(1)} MMAC):`);
    names.forEach((n, b) => out(`  ${n.padEnd(10)} ${total[b].toFixed(3)} ms  = ${(totalMacs / total[b] / 1e6).toFixed(2)} GMAC/s   (sum of per-shape minima: ${totalMin[b].toFixed(3)} ms)`));
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------- Node entry point

async function main(): Promise<void> {
  const { readFileSync, mkdtempSync, writeFileSync, copyFileSync, rmSync } = await import('node:fs');
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
      const { instance } = await WebAssembly.instantiate(readFileSync(b.path), { env: { abort: () => { throw new Error('engine abort'); } } });
      return { name: b.name, ex: instance.exports as unknown as BenchExports };
    }));
    console.log(`node ${process.version}, V8 ${process.versions.v8}; clock: ${cpu ? 'process CPU time' : 'wall time'}`);
    const clock = cpu ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();
    benchPointwise(loaded, { samples, minSampleMs: 2, filter }, clock, (l) => console.log(l));
    return;
  }

  // workerd: bundle a tiny worker around benchPointwise, serve it, fetch the report.
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-'));
  try {
    builds.forEach((b, i) => copyFileSync(b.path, join(dir, `b${i}.wasm`)));
    writeFileSync(join(dir, 'entry.ts'), [
      `import { benchPointwise } from ${JSON.stringify(join(here, 'pointwise.ts'))};`,
      ...builds.map((_, i) => `import m${i} from './b${i}.wasm';`),
      `const mods = [${builds.map((_, i) => `m${i}`).join(', ')}];`,
      `const names = ${JSON.stringify(builds.map((b) => b.name))};`,
      'export default { async fetch(req) {',
      '  const u = new URL(req.url);',
      '  const builds = [];',
      '  for (let i = 0; i < mods.length; i++) {',
      "    const inst = await WebAssembly.instantiate(mods[i], { env: { abort() { throw new Error('engine abort'); } } });",
      '    builds.push({ name: names[i], ex: inst.exports });',
      '  }',
      "  try { return new Response(benchPointwise(builds, { samples: Number(u.searchParams.get('samples')), minSampleMs: 25, filter: u.searchParams.get('filter') || undefined }, () => performance.now(), () => {}) + '\\n'); }",
      "  catch (e) { return new Response(String(e && e.stack || e) + '\\n', { status: 500 }); }",
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
    try {
      let text = '';
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/?samples=${samples}&filter=${encodeURIComponent(filter ?? '')}`);
          text = await res.text();
          break;
        } catch (e) {
          if (attempt > 50) throw e;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      console.log(`${version} (workerd's V8)`);
      process.stdout.write(text);
    } finally {
      child.kill();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (typeof process !== 'undefined' && process.argv?.[1] && /pointwise\.ts$/.test(process.argv[1])) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
