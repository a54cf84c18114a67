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
 * With `--js`, also the JavaScript V8 compiles on a function's first call (lazily) and the
 * functions it marks for optimisation, per phase (the Worker's isolate only).
 *
 *   npm run bench:recompiles [-- --alone] [--image FILE] [--requests N] [--bundle DIR] [--js] [--json]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, SourceMap } from 'node:module';
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
  /** With `js`: what V8 did with JavaScript in this phase (the Worker's isolate). */
  js?: JsPhase;
}

/** A JavaScript function, where it is: the script (`index.js` is the bundle; workerd's own are `node-internal:…`), and for the bundle, its source. */
export interface JsFunction {
  script: string;
  /** V8's name for it (minified in the bundle). */
  name: string;
  /** For the bundle's functions: file and line in the sources (through the bundle's source map), e.g. `worker/image/resample.ts:69`. */
  source?: string;
}

export interface JsPhase {
  /** Functions compiled on their first call (V8's lazy compilation: `parse-function` events). */
  lazy: JsFunction[];
  /** Functions marked for optimisation (`--trace-opt`): they ran in unoptimised code until then. */
  marked: JsFunction[];
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
  /** Also trace JavaScript (V8's --log-function-events and --trace-opt): `Phase.js`. */
  js?: boolean;
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
  const configFor = (flags: string[]) =>
    [
      '# Written by tools/bench/recompiles.ts: the Worker, then (unless --alone) an empty Worker in another isolate.',
      'using Workerd = import "/workerd/workerd.capnp";',
      'const config :Workerd.Config = (',
      `  v8Flags = [${flags.map(q).join(', ')}],`,
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
  const workerd = o.workerd ?? (createRequire(join(ROOT, 'package.json'))('workerd') as { default: string }).default;
  const body = readFileSync(o.image);
  const phases = ['startup', ...Array.from({ length: o.requests }, (_, i) => `request ${i + 1}`)];

  /** One workerd process with these V8 flags: its stdout lines by phase, and where each phase ends in every isolate's V8 log. */
  const serve = async (name: string, flags: string[]) => {
    const configPath = join(work, `${name}.capnp`);
    writeFileSync(configPath, configFor(flags));
    // V8 prints with printf: line-buffered (stdbuf), so each line arrives while its phase runs.
    const child = spawn('stdbuf', ['-oL', workerd, 'serve', configPath, '--control-fd=3'], { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
    const lines: Array<[string, string]> = [];
    let phase = 'startup';
    createInterface(child.stdout as Readable).on('line', (l) => lines.push([phase, l]));
    const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
    const logSizes: Array<Map<string, number>> = [];
    const markLogs = () =>
      logSizes.push(
        new Map(
          readdirSync(work)
            .filter((f) => f.endsWith('-js.log'))
            .map((f) => [f, statSync(join(work, f)).size]),
        ),
      );
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
      markLogs();
      for (let i = 1; i <= o.requests; i++) {
        phase = `request ${i}`;
        const res = await fetch(`http://127.0.0.1:${port}/v1/classify`, { method: 'POST', body, headers: { 'content-type': 'image/jpeg' } });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`request ${i}: ${res.status} ${text.slice(0, 200)}`);
        await new Promise((r) => setTimeout(r, 100));
        markLogs();
      }
    } finally {
      child.kill('SIGINT'); // exits normally: stdout is flushed
      await exited;
    }
    return { lines, logSizes };
  };

  // --trace-opt only prints; --log-function-events changes what V8 optimises when (a function the
  // first request marks without it was not marked with it), so the lazy compiles come from a second
  // process. V8 writes one log per isolate (isolate-<address>-<pid>-js.log).
  const { lines } = await serve(o.alone ? 'alone' : 'other', ['--trace-wasm-compilation-times', ...(o.js ? ['--trace-opt'] : [])]);
  let js: JsPhase[] | null = null;
  if (o.js) {
    for (const f of readdirSync(work)) if (f.endsWith('-js.log')) rmSync(join(work, f));
    const events = await serve(`${o.alone ? 'alone' : 'other'}-js`, ['--log-function-events', `--logfile=${join(work, 'js.log')}`]);
    js = jsPhases(work, o.bundleDir, events.logSizes, lines, phases);
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
  return phases.map((p, i) => ({
    phase: p,
    ...(js ? { js: js[i] } : {}),
    compiled: parsed
      .filter((x) => x.phase === p)
      .map((x) => {
        const w = fileOf.get(x.native);
        return { tier: x.tier, module: w?.file ?? '?', index: x.index, name: w?.names.get(x.index) ?? `#${x.index}`, bodyBytes: x.bodyBytes, us: x.us };
      }),
  }));
}

/**
 * Per phase, from V8's function-event log of the Worker's isolate (cut at `sizes`) and the
 * `--trace-opt` lines of workerd's stdout: the functions compiled lazily and those marked for
 * optimisation, the bundle's named by their place in the sources.
 */
function jsPhases(work: string, bundleDir: string, sizes: Array<Map<string, number>>, lines: Array<[string, string]>, phaseNames: string[]): JsPhase[] {
  const logs = readdirSync(work).filter((f) => f.endsWith('-js.log'));
  const texts = new Map(logs.map((f) => [f, readFileSync(join(work, f), 'latin1')]));
  const ours = logs.filter((f) => /^script-details,\d+,index\.js,/m.test(texts.get(f)!));
  if (ours.length !== 1) throw new Error(`expected one V8 log that loads index.js, found ${ours.length} (${logs.join(', ')})`);
  const text = texts.get(ours[0])!;
  const scripts = new Map([...text.matchAll(/^script-details,(\d+),([^,\n]*),/gm)].map((m) => [m[1], m[2] || `#${m[1]}`]));
  const src = readFileSync(join(bundleDir, 'index.js'), 'utf8');
  const map = new SourceMap(JSON.parse(readFileSync(join(bundleDir, 'index.js.map'), 'utf8')));
  // V8's positions are character offsets in the script; the source map wants line and column.
  const lineStarts = [0];
  for (let i = src.indexOf('\n'); i >= 0; i = src.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const sourceOf = (offset: number): string | undefined => {
    let line = lineStarts.length - 1;
    while (lineStarts[line] > offset) line--;
    const e = map.findEntry(line, offset - lineStarts[line]) as { originalSource?: string; originalLine?: number };
    // Wrangler's map names its sources relative to where it was written: keep the part from the repository's folders on.
    const file = /(?:^|\/)((?:worker|node_modules|build|assembly)\/.*)$/.exec(e.originalSource ?? '')?.[1];
    return file ? `${file}:${(e.originalLine ?? 0) + 1}` : undefined;
  };
  const fn = (script: string, name: string, start: number): JsFunction => (script === 'index.js' ? { script, name, source: sourceOf(start) } : { script, name });
  // The bundle's functions by V8's name, for the --trace-opt lines (which give only the name).
  const byName = new Map<string, number>();
  const events = text.split('\n').map((l) => l.split(','));
  for (const f of events) if (f[0] === 'function' && scripts.get(f[2]) === 'index.js' && f[7]) byName.set(f.slice(7).join(','), Number(f[3]));
  let from = 0;
  return sizes.map((size, i) => {
    const to = size.get(ours[0]) ?? text.length;
    const part = text
      .slice(from, to)
      .split('\n')
      .map((l) => l.split(','));
    from = to;
    const lazy = part.filter((f) => f[0] === 'function' && f[1] === 'parse-function').map((f) => fn(scripts.get(f[2]) ?? `#${f[2]}`, f.slice(7).join(',') || '(anonymous)', Number(f[3])));
    const marked = lines
      .filter(([p, l]) => p === phaseNames[i] && l.startsWith('[marking '))
      .map(([, l]) => {
        const name = /<JSFunction (\S*) ?\(sfi/.exec(l)?.[1] ?? '';
        // A name the log does not have (a function V8 never compiled there): its declaration in the bundle.
        const decl = src.indexOf(`function ${name}(`);
        const at = byName.get(name) ?? (name && decl >= 0 ? decl : undefined);
        return at === undefined ? { script: '?', name } : fn('index.js', name, at);
      });
    return { lazy, marked };
  });
}

const HELP = `npm run bench:recompiles -- [options]   (or: npx tsx tools/bench/recompiles.ts after npm run build)

The WebAssembly functions V8 compiles in each request of the real Worker in workerd, after another
isolate was created in the process (V8 then drops all baseline code), or with --alone.
  --alone          the Worker alone in workerd (nothing dropped)
  --image FILE     the JPEG each request sends (default test/fixtures/photos/grace_hopper_512x600.jpg)
  --requests N     requests (default 2)
  --bundle DIR     use this wrangler deploy --dry-run output instead of bundling into tmp/recompiles/bundle
  --all            list every function (default: a line per module and the 12 largest)
  --js             also JavaScript (V8's --log-function-events, --trace-opt): per phase, the functions
                   compiled on their first call and those marked for optimisation (named by their
                   place in the sources through the bundle's source map)
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
      js: { type: 'boolean', default: false },
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
  const phases = await recompiles({ bundleDir, alone: o.alone, image, requests, js: o.js });
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
    if (p.js) {
      const where = (f: JsFunction) => `${f.script} ${f.name}${f.source ? ` (${f.source})` : ''}`;
      console.log(`  JavaScript: ${p.js.lazy.length} functions compiled on first call, ${p.js.marked.length} marked for optimisation`);
      if (p.phase !== 'startup' || o.all) for (const f of p.js.lazy) console.log(`    lazy    ${where(f)}`);
      if (p.phase !== 'startup' || o.all) for (const f of p.js.marked) console.log(`    marked  ${where(f)}`);
    }
  }
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) runTool('bench:recompiles', HELP, main);
