/**
 * The real Worker in workerd, for `npm run bench:request`: bundled by wrangler exactly as
 * `wrangler deploy` bundles it (plus extra models, substituted for worker/models.ts by
 * an `alias`), run by the benches' Miniflare harness (../miniflare.ts) on 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { unstable_readConfig } from 'wrangler';
import { startMiniflare, type RunningWorker } from '../miniflare.ts';

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

export interface StartOptions {
  /** Vars on top of wrangler.toml's (the bench adds BENCH_ROUTES = "1"). */
  vars?: Record<string, string>;
  /** A script instead of the bundle (the bench's empty Worker, to subtract workerd's own start-up). */
  script?: string;
}

/** Starts one workerd process (a fresh isolate) serving the bundle on 127.0.0.1. */
export function startWorker(bundle: Bundle, o: StartOptions = {}): Promise<RunningWorker> {
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
