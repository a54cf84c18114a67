/**
 * `npm run bench:recompiles`: which WebAssembly functions of the real Worker V8 compiles in each
 * request, after start-up, when another isolate was created after it in the same workerd process
 * (tools/repro/liftoff-flush: that drops every baseline (Liftoff) function; only optimised
 * (TurboFan) code survives), or with the Worker alone (`--alone`: nothing is dropped).
 *
 * The deploy bundle (`wrangler deploy --dry-run`, or `--bundle DIR` of an earlier one) runs in
 * workerd with `npm run serve`'s modules and wrangler.toml's vars (the result cache off), then an
 * empty Worker in its own isolate (created after ours, as Miniflare's are), V8's
 * `--trace-wasm-compilation-times` on. Each request (POST /v1/classify with the JPEG, `--requests`
 * times) gets the functions compiled while it ran: tier, module, function (the name section's
 * name, or the export's), body bytes and compile time. Functions are told apart by module: V8
 * prints a module's address and the function's index, and the module is the bundle's .wasm whose
 * function of that index has the printed body size.
 *
 *   npm run bench:recompiles [-- --alone] [--image FILE] [--requests N] [--bundle DIR] [--json]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { unstable_readConfig } from 'wrangler';
import { bundleModules, capnpString as q, type Rule } from '../serve/config.ts';
import { int, runTool, UsageError } from '../lib/args.ts';
import { wasmFunctions } from '../lib/wasm-functions.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export interface Compiled {
  tier: 'Liftoff' | 'TurboFan' | string;
  /** The bundle's .wasm file, without wrangler's hash prefix ('?' when no file matched). */
  module: string;
  index: number;
  /** The name section's name, else the export's name, else `#index`. */
  name: string;
  bodyBytes: number;
  us: number;
}

export interface Phase {
  /** `startup` (until workerd listens), then `request 1`, `request 2`, … */
  phase: string;
  compiled: Compiled[];
}

export interface RecompilesOptions {
  /** A folder with a `wrangler deploy --dry-run` bundle (index.js and its modules). */
  bundleDir: string;
  /** The Worker alone (no isolate created after it). */
  alone?: boolean;
  /** The JPEG each request sends. */
  image: string;
  requests: number;
  /** workerd binary (default: the one Miniflare runs, as bench:request uses). */
  workerd?: string;
}

/** `wrangler deploy --dry-run --outdir dir` of this repository's Worker. */
export function bundle(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  execFileSync(process.execPath, [join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', dir], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Runs the bundle as the header says and returns what V8 compiled in each phase. */
export async function recompiles(o: RecompilesOptions): Promise<Phase[]> {
  const config = unstable_readConfig({ config: join(ROOT, 'wrangler.toml') });
  const modules = bundleModules(o.bundleDir, 'index.js', config.rules as Rule[]);
  const vars = { ...(config.vars as Record<string, string>), RESULT_CACHE_TTL: '0' };
  const field = { ESModule: 'esModule', CommonJS: 'commonJsModule', CompiledWasm: 'wasm', Data: 'data', Text: 'text' } as const;
  const work = join(o.bundleDir, 'recompiles');
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'other.js'), 'export default { fetch() { return new Response("other"); } };\n');
  const capnp = [
    '# Written by tools/bench/recompiles.ts: the Worker, then (unless --alone) an empty Worker in another isolate.',
    'using Workerd = import "/workerd/workerd.capnp";',
    'const config :Workerd.Config = (',
    '  v8Flags = ["--trace-wasm-compilation-times"],',
    `  services = [ (name = "main", worker = .worker)${o.alone ? '' : ', (name = "other", worker = .other)'} ],`,
    '  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],',
    ');',
    'const worker :Workerd.Worker = (',
    `  modules = [ ${modules.map((m) => `(name = ${q(m.name)}, ${field[m.type]} = embed ${q(`../${m.name}`)})`).join(', ')} ],`,
    `  compatibilityDate = ${q(config.compatibility_date!)},`,
    `  compatibilityFlags = [${config.compatibility_flags.map(q).join(', ')}],`,
    `  bindings = [ ${Object.entries(vars)
      .map(([k, v]) => (typeof v === 'string' ? `(name = ${q(k)}, text = ${q(v)})` : `(name = ${q(k)}, json = ${q(JSON.stringify(v))})`))
      .join(', ')} ],`,
    ');',
    `const other :Workerd.Worker = ( modules = [ (name = "other.js", esModule = embed "other.js") ], compatibilityDate = ${q(config.compatibility_date!)} );`,
    '',
  ].join('\n');
  const configPath = join(work, o.alone ? 'alone.capnp' : 'other.capnp');
  writeFileSync(configPath, capnp);

  const workerd = o.workerd ?? (createRequire(join(ROOT, 'package.json'))('workerd') as { default: string }).default;
  // V8 prints with printf: line-buffered (stdbuf), so each line arrives while its phase runs.
  const child = spawn('stdbuf', ['-oL', workerd, 'serve', configPath, '--control-fd=3'], { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
  const lines: Array<[string, string]> = [];
  let phase = 'startup';
  createInterface(child.stdout as Readable).on('line', (l) => lines.push([phase, l]));
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const body = readFileSync(o.image);
  const phases = ['startup'];
  try {
    const port = await new Promise<number>((ok, fail) => {
      child.once('exit', (code) => fail(new Error(`workerd exited (${code}) before it listened`)));
      createInterface(child.stdio[3] as Readable).on('line', (l) => {
        try {
          const m = JSON.parse(l) as { event?: string; port?: number };
          if (m.event === 'listen' && m.port) ok(m.port);
        } catch {
          /* not a control message */
        }
      });
    });
    // Background (TurboFan) compiles the start-up started finish before the first request.
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 1; i <= o.requests; i++) {
      phase = `request ${i}`;
      phases.push(phase);
      const res = await fetch(`http://127.0.0.1:${port}/v1/classify`, { method: 'POST', body, headers: { 'content-type': 'image/jpeg' } });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`request ${i}: ${res.status} ${text.slice(0, 200)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    child.kill('SIGINT'); // exits normally: stdout is flushed
    await exited;
  }

  const wasm = readdirSync(o.bundleDir)
    .filter((f) => f.endsWith('.wasm'))
    .map((f) => ({ file: f.replace(/^[0-9a-f]{40}-/, ''), ...wasmFunctions(join(o.bundleDir, f)) }));
  const parsed = lines.flatMap(([p, l]) => {
    const m = /^Compiled function (0x[0-9a-f]+)#(\d+) using (\w+), took (\d+) μs .*bodysize (\d+)/.exec(l);
    return m ? [{ phase: p, native: m[1], index: Number(m[2]), tier: m[3], us: Number(m[4]), bodyBytes: Number(m[5]) }] : [];
  });
  // A module address is the file whose functions match all the (index, body size) pairs printed with it.
  const fileOf = new Map<string, (typeof wasm)[number] | undefined>();
  for (const native of new Set(parsed.map((x) => x.native))) {
    const seen = parsed.filter((x) => x.native === native);
    const match = wasm.filter((w) => seen.every((x) => w.bodies[x.index - w.imports] === x.bodyBytes));
    fileOf.set(native, match.length === 1 ? match[0] : undefined);
  }
  return phases.map((p) => ({
    phase: p,
    compiled: parsed
      .filter((x) => x.phase === p)
      .map((x) => {
        const w = fileOf.get(x.native);
        return { tier: x.tier, module: w?.file ?? '?', index: x.index, name: w?.names.get(x.index) ?? `#${x.index}`, bodyBytes: x.bodyBytes, us: x.us };
      }),
  }));
}

const HELP = `npm run bench:recompiles -- [options]   (or: npx tsx tools/bench/recompiles.ts after npm run build)

The WebAssembly functions V8 compiles in each request of the real Worker in workerd, after another
isolate was created in the process (V8 then drops all baseline code), or with --alone.
  --alone          the Worker alone in workerd (nothing dropped)
  --image FILE     the JPEG each request sends (default test/fixtures/photos/grace_hopper_512x600.jpg)
  --requests N     requests (default 2)
  --bundle DIR     use this wrangler deploy --dry-run output instead of bundling into tmp/recompiles/bundle
  --all            list every function (default: a line per module and the 12 largest)
  --json           print the phases as JSON`;

async function main(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      alone: { type: 'boolean', default: false },
      image: { type: 'string' },
      requests: { type: 'string' },
      bundle: { type: 'string' },
      all: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (o.help) {
    console.log(HELP);
    return 0;
  }
  const requests = int(o.requests, '--requests', 2, 1);
  let bundleDir = o.bundle ? resolve(o.bundle) : join(ROOT, 'tmp/recompiles/bundle');
  if (!o.bundle) bundle(bundleDir);
  else if (!readdirSync(bundleDir).includes('index.js')) throw new UsageError(`--bundle ${o.bundle}: no index.js there`);
  bundleDir = resolve(bundleDir);
  const image = resolve(o.image ?? join(ROOT, 'test/fixtures/photos/grace_hopper_512x600.jpg'));
  const phases = await recompiles({ bundleDir, alone: o.alone, image, requests });
  if (o.json) {
    console.log(JSON.stringify({ alone: o.alone, image: basename(image), phases }));
    return 0;
  }
  console.log(`the Worker ${o.alone ? 'alone in workerd' : 'in workerd with another isolate created after it'}; ${requests} × POST /v1/classify ${basename(image)}`);
  for (const p of phases) {
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    const total = p.compiled.reduce((a, c) => a + c.bodyBytes, 0);
    console.log(`\n${p.phase}: ${p.compiled.length} functions compiled, ${kb(total)} of bodies, ${(p.compiled.reduce((a, c) => a + c.us, 0) / 1000).toFixed(2)} ms (traced)`);
    const groups = new Map<string, Compiled[]>();
    for (const c of p.compiled) groups.set(`${c.module} ${c.tier}`, [...(groups.get(`${c.module} ${c.tier}`) ?? []), c]);
    for (const [k, cs] of groups) console.log(`  ${k}: ${cs.length} functions, ${kb(cs.reduce((a, c) => a + c.bodyBytes, 0))}`);
    const shown = o.all ? p.compiled : [...p.compiled].sort((a, b) => b.bodyBytes - a.bodyBytes).slice(0, 12);
    for (const c of shown) console.log(`    ${c.tier.padEnd(8)} ${c.module.padEnd(24)} ${c.name.padEnd(32)} ${String(c.bodyBytes).padStart(6)} B ${String(c.us).padStart(6)} µs`);
  }
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) runTool('bench:recompiles', HELP, main);
