/**
 * The real Worker in workerd, for `npm run bench:request`: bundled by wrangler exactly as
 * `wrangler deploy` bundles it (plus extra models, substituted for worker/models.ts by
 * an `alias`), run on 127.0.0.1 either by the benches' Miniflare harness (../miniflare.ts) or,
 * `server: 'plain'`, by workerd alone with the configuration `npm run serve` writes
 * (tools/serve/config.ts): the Worker is then the process's only isolate.
 *
 * Why both: Miniflare's workerd process also runs Miniflare's own Workers (its entry Worker, which
 * proxies every request, a cache service and an outbound filter), each in its own isolate, and V8
 * drops every isolate's baseline (Liftoff) WebAssembly code whenever workerd creates another
 * isolate (docs/benchmarks/request.md, "Liftoff code flushing"; tools/repro/liftoff-flush). The
 * isolates Miniflare creates after the Worker's start-up do that to the Worker's warm-up.
 *
 * workerd alone runs what `npm run serve` runs: its configuration as a binary Cap'n Proto message
 * (tools/serve/config.ts `workerdBinaryConfig`; `serve --binary`, as Miniflare feeds its own), the
 * text form written beside it for reading. The text form's compiler would take ~20-25 ms of CPU at
 * start-up to read the 5.4 MB default model into the config (config.ts; docs/benchmarks/request.md,
 * 2026-12-07 "start-up alone"), which Miniflare's rows never paid.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { unstable_readConfig } from 'wrangler';
import { bundleModules, type ModuleType, workerdBinaryConfig, workerdConfig, type Rule } from '../../serve/config.ts';
import { commandLine, processCpuNs, startMiniflare, type RunningWorker } from '../miniflare.ts';

export interface ExtraModel {
  name: string;
  /** The .gnv2 file (absolute path). */
  path: string;
}

export interface Bundle {
  scriptPath: string;
  /** Module rules, compatibility and vars from wrangler.toml. */
  config: ReturnType<typeof unstable_readConfig>;
  root: string;
}

/**
 * `wrangler deploy --dry-run --outdir <outdir>` of `root`'s Worker, with worker/models.ts replaced
 * by a list that adds `extra` after the bundled models (an `alias` in a copy of wrangler.toml).
 */
export async function bundleWorker(root: string, outdir: string, extra: ExtraModel[]): Promise<Bundle> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const list = join(outdir, '..', 'bench-models.ts');
  const rel = (p: string) => {
    const r = relative(join(outdir, '..'), p);
    return r.startsWith('.') ? r : `./${r}`;
  };
  writeFileSync(
    list,
    [
      `// Written by tools/bench/request/workerd.ts: the Worker's models plus the bench's.`,
      `import { MODELS as BUNDLED } from '${rel(join(root, 'worker/models.ts'))}';`,
      ...extra.map((m, i) => `import extra${i} from '${rel(m.path)}';`),
      `export const MODELS = [...BUNDLED, ${extra.map((m, i) => `{ name: ${JSON.stringify(m.name)}, data: extra${i}, sha256: '${digestOf(m.path)}' }`).join(', ')}];`,
      '',
    ].join('\n'),
  );
  // `wrangler deploy` ignores --alias (4.86: only the config's alias reaches the bundler), so the
  // bench bundles from a copy of wrangler.toml beside the list, with `main` and `alias` added.
  const config = join(outdir, '..', 'wrangler.toml');
  const toml = readFileSync(join(root, 'wrangler.toml'), 'utf8').replace(/^main\s*=.*$/m, `main = ${JSON.stringify(rel(join(root, 'worker/index.ts')))}`);
  if (!/^main = /m.test(toml)) throw new Error('wrangler.toml has no main');
  const alias = extra.length ? `alias = { "./models.ts" = ${JSON.stringify(rel(list))} }\n` : '';
  writeFileSync(config, `# Written by tools/bench/request/workerd.ts from wrangler.toml.\n${alias}${toml}`);
  const args = [join(root, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--config', config, '--outdir', outdir];
  try {
    await promisify(execFile)(process.execPath, args, {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`wrangler deploy --dry-run failed: ${(err.stderr || err.stdout || err.message).trim().split('\n').slice(-12).join('\n')}`);
  }
  const scriptPath = join(outdir, 'index.js');
  if (!existsSync(scriptPath)) throw new Error(`wrangler wrote no ${scriptPath}`);
  const js = readFileSync(scriptPath, 'utf8');
  for (const m of extra) {
    if (!js.includes(JSON.stringify(m.name))) throw new Error(`the bundle does not list model ${m.name}: the alias of worker/models.ts did not apply`);
  }
  return { scriptPath, config: unstable_readConfig({ config: join(root, 'wrangler.toml') }), root };
}

/** The file's recorded SHA-256 (its last 32 bytes), listed with it as worker/models.ts lists its models. */
function digestOf(path: string): string {
  const b = readFileSync(path);
  return b.subarray(b.length - 32).toString('hex');
}

/** `miniflare`: the Worker among Miniflare's own Workers; `plain`: the Worker alone, as `npm run serve` runs it. */
export type Server = 'miniflare' | 'plain';

export interface StartOptions {
  /** Vars on top of wrangler.toml's (the bench adds BENCH_ROUTES = "1"). */
  vars?: Record<string, string>;
  /** A script instead of the bundle (the bench's empty Worker, to subtract workerd's own start-up). */
  script?: string;
  /** Default `miniflare`. */
  server?: Server;
  /** `plain` only: open workerd's inspector (DevTools protocol) on 127.0.0.1:PORT (tools/bench/workerd-profile.ts). */
  inspectorPort?: number;
}

/** Starts one workerd process (a fresh isolate) serving the bundle on 127.0.0.1. */
export function startWorker(bundle: Bundle, o: StartOptions = {}): Promise<RunningWorker> {
  if (o.server === 'plain') return startPlain(bundle, o);
  const c = bundle.config;
  const common = { compatibilityDate: c.compatibility_date, compatibilityFlags: c.compatibility_flags };
  if (o.script) return startMiniflare({ ...common, modules: true, script: o.script });
  return startMiniflare({
    ...common,
    modules: true,
    scriptPath: bundle.scriptPath,
    modulesRules: c.rules.map((r: { type: 'ESModule' | 'CommonJS' | 'Text' | 'Data' | 'CompiledWasm'; globs: string[]; fallthrough?: boolean }) => ({
      type: r.type,
      include: r.globs,
      fallthrough: r.fallthrough,
    })),
    bindings: { ...(c.vars as Record<string, string>), ...o.vars },
  });
}

/**
 * The workerd binary Miniflare runs (MINIFLARE_WORKERD_PATH, else wrangler's `workerd` package),
 * so that the plain rows differ from Miniflare's in the configuration only.
 */
function workerdBinary(root: string): string {
  return process.env.MINIFLARE_WORKERD_PATH ?? (createRequire(join(root, 'package.json'))('workerd') as { default: string }).default;
}

/**
 * workerd alone serving the bundle (or `o.script`) with `npm run serve`'s configuration, on a port
 * it picks: ready when its control pipe (fd 3, as Miniflare reads it) says the socket listens, so
 * no request reaches the Worker before the one the caller sends.
 */
async function startPlain(bundle: Bundle, o: StartOptions): Promise<RunningWorker> {
  const c = bundle.config;
  const compat = { compatibilityDate: c.compatibility_date!, compatibilityFlags: c.compatibility_flags, secretsFromEnv: [], address: '127.0.0.1:0' };
  let dir: string;
  let scratch: string | undefined;
  let modules: Array<{ name: string; type: ModuleType }>;
  let vars: Record<string, unknown>;
  if (o.script) {
    dir = scratch = mkdtempSync(join(tmpdir(), 'bench-workerd-'));
    writeFileSync(join(dir, 'index.js'), o.script);
    modules = [{ name: 'index.js', type: 'ESModule' }];
    vars = {};
  } else {
    dir = dirname(bundle.scriptPath);
    vars = { ...(c.vars as Record<string, string>), ...o.vars };
    modules = bundleModules(dir, 'index.js', c.rules as Rule[]);
  }
  // The text form (`npm run serve`'s, for reading) and the same configuration in binary, which
  // workerd is given (the header: the text form's compiler costs ~20-25 ms with the model embedded).
  const config = workerdConfig({ ...compat, modules, vars });
  const configPath = join(dir, `bench-${createHash('sha256').update(config).digest('hex').slice(0, 12)}.capnp`);
  writeFileSync(configPath, config);
  const binaryPath = configPath.replace(/\.capnp$/, '.bin');
  writeFileSync(binaryPath, workerdBinaryConfig(dir, { ...compat, modules, vars }));
  const t0 = performance.now();
  const inspector = o.inspectorPort ? [`--inspector-addr=127.0.0.1:${o.inspectorPort}`] : [];
  const child = spawn(workerdBinary(bundle.root), ['serve', '--binary', binaryPath, '--control-fd=3', ...inspector], { stdio: ['ignore', 'inherit', 'inherit', 'pipe'] });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  };
  try {
    const port = await new Promise<number>((ok, fail) => {
      child.once('exit', (code, signal) => fail(new Error(`workerd serve ${configPath} exited (${code ?? signal}) before it listened`)));
      child.once('error', fail);
      const lines = createInterface(child.stdio[3] as Readable);
      lines.on('line', (line) => {
        try {
          const m = JSON.parse(line) as { event?: string; port?: number };
          if (m.event === 'listen' && m.port) ok(m.port);
        } catch {
          /* not a control message */
        }
      });
    });
    const wallMs = performance.now() - t0;
    const pid = child.pid!;
    const cpuMs = processCpuNs(pid) / 1e6;
    return {
      url: new URL(`http://127.0.0.1:${port}`),
      pid,
      cpuNs: () => processCpuNs(pid),
      mainThreadCpuNs: () => Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]),
      startup: { wallMs, cpuMs },
      argv: commandLine(pid),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
