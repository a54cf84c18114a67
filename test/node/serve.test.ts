/**
 * `npm run serve` (tools/serve): the deploy bundle under workerd alone. Starts it as a user would
 * (its own outdir, a free port), classifies a photo and sends an oversized body over real HTTP,
 * then stops it with SIGTERM. Also checks the generated workerd config against wrangler.toml.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';
import { bundleModules, capnpString, moduleType, workerdConfig, type Rule } from '../../tools/serve/config.ts';

const root = resolve(import.meta.dirname, '../..');
const outdir = 'tmp/test-serve';

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

let child: ChildProcess;
let base: string;
let log = '';

/** Starts `npm run serve` as package.json runs it, on a free port; resolves once it says it answers. */
async function startServe(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; base: string; log: () => string }> {
  const port = await freePort();
  let out = '';
  // As package.json's script runs it: node --import tsx (the tsx CLI wrapper would SIGKILL serve.ts if
  // it did not acknowledge a relayed signal within 30 ms, orphaning workerd on a loaded machine).
  const c = spawn(process.execPath, ['--import', 'tsx', 'tools/serve/serve.ts', '--port', String(port), '--outdir', outdir, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  c.stdout!.on('data', (d) => (out += d));
  c.stderr!.on('data', (d) => (out += d));
  // serve prints its line once workerd answers /healthz.
  for (let i = 0; i < 1200 && !/serve: .* on http/.test(out); i++) {
    if (c.exitCode !== null) throw new Error(`serve exited (${c.exitCode}):\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(out).toMatch(/under workerd .* \(no dev proxy/);
  return { child: c, base: `http://127.0.0.1:${port}`, log: () => out };
}

async function stop(c: ChildProcess | undefined): Promise<void> {
  if (c && c.exitCode === null) {
    c.kill('SIGTERM');
    await new Promise((r) => c.once('exit', r));
  }
}

/** The command line of the workerd that serve (process `pid`) started. */
function workerdArgv(pid: number): string[] {
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').slice(0, -1);
      if (argv[1] === 'serve') return argv;
    } catch {
      /* gone */
    }
  }
  throw new Error(`no workerd child of ${pid}`);
}

beforeAll(async () => {
  // --var overrides a [vars] entry (checked through CORS below).
  const s = await startServe(['--var', 'CORS_ORIGINS=https://serve.test'], { API_KEY: '' });
  child = s.child;
  base = s.base;
  log = s.log();
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  // The workerd pinned in tools/serve/package.json (1.20261117.1 prints 2026-11-17), not wrangler's.
  const pinned = JSON.parse(readFileSync(join(root, 'tools/serve/package.json'), 'utf8')).dependencies.workerd as string;
  expect(log).toContain(`under workerd workerd ${pinned.replace(/^1\.(\d{4})(\d\d)(\d\d)\.\d+$/, '$1-$2-$3')} on`);
}, 240_000); // the first run installs tools/serve's workerd (~8 s from the npm registry)

afterAll(() => stop(child));

describe('npm run serve', () => {
  it('classifies a photo over HTTP, with a request id and the --var override', async () => {
    const photo = readFileSync(join(root, 'test/fixtures/photos/grace_hopper_512x600.jpg'));
    const res = await fetch(`${base}/v1/classify?top_k=2`, { method: 'POST', body: photo, headers: { 'Content-Type': 'image/jpeg', Origin: 'https://serve.test' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://serve.test'); // --var CORS_ORIGINS
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as { model: { name: string }; predictions: Array<{ label: string; score: number }>; cache: string };
    expect(body.model.name).toBe('fashion-mnist');
    expect(body.predictions).toHaveLength(2);
    // workerd alone has no Cache API storage: serve turns the result cache off instead of failing
    // on every request (no "result cache read failed" line, X-Cache off).
    expect(body.cache).toBe('off');
    expect(res.headers.get('x-cache')).toBe('off');
    expect(log).toContain('serve: result cache off');
    expect(log).not.toContain('result cache read failed');
  });

  it('answers a 12 MB upload (Content-Length, no Expect) with the 413 JSON, and the connection stays usable', async () => {
    const big = Buffer.alloc(12 * 1024 * 1024, 0x41);
    const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 1 });
    const send = (body: Buffer | null) =>
      new Promise<{ status?: number; text: string; error?: string }>((res) => {
        const u = new URL(`${base}/v1/classify`);
        const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: body ? 'POST' : 'GET', agent, headers: body ? { 'content-length': String(body.length) } : {} }, (r) => {
          let text = '';
          r.on('data', (d) => (text += d));
          r.on('end', () => res({ status: r.statusCode, text }));
        });
        req.on('error', (e: NodeJS.ErrnoException) => res({ text: '', error: e.code }));
        req.end(body ?? undefined);
      });
    for (let i = 0; i < 3; i++) {
      const r = await send(big);
      expect(r.error).toBeUndefined();
      expect(r.status).toBe(413);
      expect(JSON.parse(r.text).error.code).toBe('body_too_large');
      // The same kept-alive connection then answers the next request.
      expect((await send(null)).status).toBe(422); // GET /v1/classify without ?url=
    }
    agent.destroy();
  });

  it('request headers: 100 KiB reach the Worker (JSON); 600 KiB get workerd’s own 431 text/plain (docs/API.md)', async () => {
    const get = (headerBytes: number) =>
      new Promise<{ status?: number; type?: string; error?: string }>((res) => {
        const u = new URL(`${base}/v1/nope`);
        const req = request({ host: u.hostname, port: u.port, path: u.pathname, headers: { 'x-padding': 'a'.repeat(headerBytes) } }, (r) => {
          r.resume();
          r.on('end', () => res({ status: r.statusCode, type: r.headers['content-type'] }));
        });
        req.on('error', (e: NodeJS.ErrnoException) => res({ error: e.code }));
        req.end();
      });
    expect(await get(100 * 1024)).toMatchObject({ status: 404, type: expect.stringContaining('application/json') });
    expect(await get(600 * 1024)).toMatchObject({ status: 431, type: expect.stringContaining('text/plain') });
  });

  it('stops on SIGTERM', async () => {
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', (c, s) => r(c ?? s)));
    expect([0, 'SIGTERM']).toContain(code);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});

describe('npm run serve with API_KEY set', () => {
  let keyed: Awaited<ReturnType<typeof startServe>> | undefined;
  afterAll(() => stop(keyed?.child));

  it('runs workerd on the binary config, whose fromEnvironment binding gives the Worker the key (401 without it, 200 with it)', async () => {
    keyed = await startServe(['--no-bundle'], { API_KEY: 'serve-test-key' });
    // workerd reads the binary form (its text compiler reads the embedded model at start-up: config.ts).
    const argv = workerdArgv(keyed.child.pid!);
    expect(argv.slice(1, 3)).toEqual(['serve', '--binary']);
    expect(argv[3]).toBe(resolve(root, outdir, 'workerd.config.bin'));
    const photo = readFileSync(join(root, 'test/fixtures/photos/grace_hopper_512x600.jpg'));
    const classify = (headers: Record<string, string>) => fetch(`${keyed!.base}/v1/classify?top_k=1`, { method: 'POST', body: photo, headers: { 'Content-Type': 'image/jpeg', ...headers } });
    const without = await classify({});
    expect(without.status).toBe(401);
    await without.body?.cancel();
    const wrong = await classify({ Authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    await wrong.body?.cancel();
    const ok = await classify({ Authorization: 'Bearer serve-test-key' });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { predictions: unknown[] }).predictions).toHaveLength(1);
  }, 120_000);
});

describe('the generated workerd config', () => {
  const config = unstable_readConfig({ config: join(root, 'wrangler.toml') });

  it('types modules by wrangler.toml rules first, then wrangler defaults', () => {
    const rules = config.rules as Array<{ type: 'Data' | 'CompiledWasm'; globs: string[] }>;
    expect(moduleType('abc-ghostnetv2_fmnist.int8.gnv2', rules)).toBe('Data');
    expect(moduleType('abc-engine.simd128.wasm', rules)).toBe('CompiledWasm');
    expect(moduleType('chunk.js', rules)).toBe('ESModule');
    expect(moduleType('notes.txt', rules)).toBe('Text');
    expect(moduleType('index.js.map', rules)).toBeNull();
  });

  it('embeds the modules the entry imports, not the leftovers of earlier builds in the same folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'serve-modules-'));
    try {
      writeFileSync(join(dir, 'index.js'), 'import a from "./new-engine.wasm";\nimport m from "./m.gnv2";\n');
      for (const f of ['new-engine.wasm', 'old-engine.wasm', 'm.gnv2', 'index.js.map', 'README.md']) writeFileSync(join(dir, f), '');
      expect(bundleModules(dir, 'index.js', config.rules as Rule[])).toEqual([
        { name: 'index.js', type: 'ESModule' },
        { name: 'm.gnv2', type: 'Data' },
        { name: 'new-engine.wasm', type: 'CompiledWasm' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('carries wrangler.toml vars, compatibility date and flags, and the socket address', () => {
    const text = workerdConfig({
      modules: [
        { name: 'index.js', type: 'ESModule' },
        { name: 'a.wasm', type: 'CompiledWasm' },
        { name: 'm.gnv2', type: 'Data' },
      ],
      compatibilityDate: config.compatibility_date!,
      compatibilityFlags: config.compatibility_flags,
      vars: config.vars,
      secretsFromEnv: ['API_KEY'],
      address: '127.0.0.1:9999',
    });
    expect(text).toContain(`compatibilityDate = "${config.compatibility_date}"`);
    expect(text).toContain('compatibilityFlags = ["nodejs_compat", "no_nodejs_global_timers"]');
    for (const [k, v] of Object.entries(config.vars)) expect(text).toContain(`(name = "${k}", text = "${v}")`);
    expect(text).toContain('(name = "API_KEY", fromEnvironment = "API_KEY")');
    expect(text).toContain('(name = "a.wasm", wasm = embed "a.wasm")');
    expect(text).toContain('(name = "m.gnv2", data = embed "m.gnv2")');
    expect(text).toContain('address = "127.0.0.1:9999"');
  });

  it('quotes strings for Cap’n Proto', () => {
    expect(capnpString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(capnpString('é\n')).toBe('"\\xc3\\xa9\\x0a"');
  });
});
