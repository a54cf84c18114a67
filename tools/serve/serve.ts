/**
 * `npm run serve`: the deploy bundle served by workerd itself, with no dev proxy in front. This is
 * what someone self-hosting the Worker would run, and the fairest target for load tests.
 *
 *   npm run serve [-- --port 8787] [--ip 127.0.0.1] [--outdir dist] [--var NAME=VALUE]... [--workerd serve|wrangler]
 *                    [--inspector 9230] [--no-bundle] [--config-only] [--verbose]
 *
 * 1. `wrangler deploy --dry-run --outdir <outdir>`: the exact bundle `wrangler deploy` uploads.
 * 2. workerd's configuration for the bundle, generated from wrangler.toml (modules by its rules,
 *    [vars], compatibility date and flags; tools/serve/config.ts), written twice: <outdir>/workerd.capnp
 *    as text, for reading (`--config-only` prints its path), and <outdir>/workerd.config.bin, the
 *    same as a binary Cap'n Proto message, which is what runs (workerd's text compiler would spend
 *    ~20-25 ms of start-up CPU reading the embedded model). API_KEY, when set in the environment,
 *    becomes the secret (a `fromEnvironment` binding: its value is never written to either file).
 *    `--var NAME=VALUE` overrides one of its [vars] (e.g. CORS_ORIGINS=...), as `wrangler dev --var` does.
 *    RESULT_CACHE_TTL is 0 (the result cache off) unless a --var sets it: workerd alone has no
 *    storage behind the Cache API (`cache.match`/`put` throw "No Cache was configured"), so the
 *    cache would only cost a key hash and an error line per request.
 * 3. `workerd serve --binary <outdir>/workerd.config.bin` with the workerd pinned in tools/serve/package.json
 *    (installed into tools/serve/node_modules on first use), not the older one wrangler 4.86.0
 *    ships: that one closes kept-alive connections carrying a request it has not dispatched yet
 *    when the isolate is saturated (docs/reliability.md, section 1). `--workerd wrangler` runs
 *    wrangler's own (to compare); WORKERD_BIN=/path/to/workerd runs any other build.
 *
 * Ctrl-C (SIGINT) or SIGTERM stops workerd and exits.
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { unstable_readConfig } from 'wrangler';
import { headerHelp, int, oneOf, toolArgs, UsageError } from '../lib/args.ts';
import { bundleModules, workerdBinaryConfig, workerdConfig, type Rule, type WorkerdConfigInput } from './config.ts';

const root = resolve(import.meta.dirname, '../..');
const { values: o } = toolArgs('serve', headerHelp(import.meta.url), {
  options: {
    port: { type: 'string', default: '8787' },
    ip: { type: 'string', default: '127.0.0.1' },
    outdir: { type: 'string', default: 'dist' },
    'no-bundle': { type: 'boolean', default: false },
    'config-only': { type: 'boolean', default: false },
    var: { type: 'string', multiple: true, default: [] },
    /** Open workerd's inspector (DevTools protocol) on this port of --ip: heap usage, profiles. */
    inspector: { type: 'string' },
    /** serve: tools/serve's pinned workerd; wrangler: the one wrangler ships (node_modules/workerd). */
    workerd: { type: 'string', default: 'serve' },
    /** workerd's own informational messages (dropped connections, uncaught exceptions) on stderr. */
    verbose: { type: 'boolean', default: false },
  },
});
const outdir = resolve(root, o.outdir!);
const overrides: Record<string, string> = {};
for (const v of o.var!) {
  const eq = v.indexOf('=');
  if (eq < 1) throw new UsageError(`--var wants NAME=VALUE, got ${v}`);
  overrides[v.slice(0, eq)] = v.slice(eq + 1);
}
oneOf(o.workerd, '--workerd', ['serve', 'wrangler']);
int(o.port, '--port', 0, 1);
int(o.inspector, '--inspector', 0, 1);

/** The workerd package's default export is the path of its binary. */
function workerdBinary(): string {
  if (process.env.WORKERD_BIN) return process.env.WORKERD_BIN;
  if (o.workerd === 'wrangler') return createRequire(join(root, 'package.json'))('workerd').default;
  const install = spawnSync(process.execPath, [join(root, 'tools/lib/install-local.mjs'), join(root, 'tools/serve')], { stdio: 'inherit' });
  if (install.status !== 0) throw new Error('could not install tools/serve/node_modules (output above)');
  return createRequire(join(root, 'tools/serve/package.json'))('workerd').default;
}
const workerd = workerdBinary();
const quietEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' };

if (!o['no-bundle']) {
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', outdir], {
      cwd: root,
      env: quietEnv,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } catch {
    console.error('serve: `wrangler deploy --dry-run` failed (its output is above)');
    process.exit(1);
  }
}

const config = unstable_readConfig({ config: join(root, 'wrangler.toml') });
const input: WorkerdConfigInput = {
  modules: bundleModules(outdir, 'index.js', config.rules as Rule[]),
  compatibilityDate: config.compatibility_date!,
  compatibilityFlags: config.compatibility_flags,
  vars: { ...config.vars, RESULT_CACHE_TTL: '0', ...overrides },
  secretsFromEnv: process.env.API_KEY ? ['API_KEY'] : [],
  address: `${o.ip}:${o.port}`,
};
// The text form, for reading; the binary form (the same configuration, module bytes inside) runs.
const capnp = join(outdir, 'workerd.capnp');
writeFileSync(capnp, workerdConfig(input));
const binary = join(outdir, 'workerd.config.bin');
writeFileSync(binary, workerdBinaryConfig(outdir, input));
if (o['config-only']) {
  console.log(capnp);
  process.exit(0);
}

// Fail clearly on a busy port (else /healthz below could be answered by whoever holds it).
await new Promise<void>((ok) => {
  const probe = createServer()
    .once('error', (e: NodeJS.ErrnoException) => {
      console.error(`serve: cannot listen on ${o.ip}:${o.port} (${e.code}); pass another --port`);
      process.exit(1);
    })
    .listen(Number(o.port), o.ip, () => probe.close(() => ok()));
});

const child = spawn(workerd, ['serve', '--binary', binary, ...(o.verbose ? ['--verbose'] : []), ...(o.inspector ? [`--inspector-addr=${o.ip}:${o.inspector}`] : [])], {
  stdio: 'inherit',
  env: process.env,
});
// Importing wrangler installed SIGINT/SIGTERM handlers that call process.exit() at once, which
// would leave workerd running: ours pass the signal on and exit when workerd has.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.removeAllListeners(signal);
  process.on(signal, () => child.kill(signal));
}
process.on('exit', () => child.kill('SIGTERM')); // however this process ends
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));

// Say where it is once it answers (workerd itself prints nothing when it is ready).
const url = `http://${o.ip}:${o.port}`;
for (let i = 0; i < 600 && child.exitCode === null; i++) {
  try {
    const res = await fetch(`${url}/healthz`);
    await res.body?.cancel();
    console.log(`serve: ${o.outdir}/ under workerd ${execFileSync(workerd, ['--version']).toString().trim()} on ${url} (no dev proxy; Ctrl-C stops)`);
    if (overrides.RESULT_CACHE_TTL === undefined) console.log('serve: result cache off (workerd alone has no Cache API storage)');
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}
