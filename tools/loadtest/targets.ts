/**
 * The servers a load test runs against, started the way a user starts them, and the resident
 * memory of each of their processes:
 *  - `start`: `wrangler dev` with the flags of `npm start` (a Node process, a workerd running
 *    wrangler's dev proxy and a workerd running the Worker);
 *  - `serve`: `npm run serve` (the deploy bundle under one workerd, no proxy);
 *  - a URL: a server someone else started (RSS only for the pids given; the first is taken as
 *    the Worker's workerd).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

export interface Proc {
  /** What the process is: "workerd (worker)", "workerd (dev proxy)", "wrangler (node)", ... */
  role: string;
  pid: number;
}

export interface Target {
  name: string;
  url: string;
  /** Where the server's own output goes (null for a server started elsewhere). */
  log: string | null;
  /** The Worker's inspector (http://host:port), when it was started with one. */
  inspector?: string;
  processes(): Proc[];
  stop(): Promise<void>;
}

/** Resident set size in MiB (VmRSS), or NaN once the process is gone. */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Every live descendant of `pid`. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

async function waitHealthy(url: string, child: ChildProcess, log: () => string, timeoutMs = 180_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${url}/healthz`);
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the server did not answer ${url}/healthz within ${timeoutMs / 1000} s:\n${log()}`);
}

/** How to start a server: [vars] overrides, the inspector port, which workerd `npm run serve` runs. */
export interface StartOptions {
  vars?: Record<string, string>;
  inspector?: number;
  workerd?: string;
}

async function launch(name: string, args: string[], port: number, log: string, roleOf: (cmd: string) => string | null, inspector?: number): Promise<Target> {
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' };
  // Its own process group, so stop() ends exactly what this started.
  const child = spawn(process.execPath, args, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  mkdirSync(dirname(log), { recursive: true });
  const file = createWriteStream(log);
  const keep = (d: Buffer) => {
    file.write(d);
    output = (output + d.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitHealthy(url, child, () => output);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    name,
    url,
    log,
    inspector: inspector ? `http://127.0.0.1:${inspector}` : undefined,
    processes: () => [child.pid!, ...descendants(child.pid!)].map((pid) => ({ pid, role: roleOf(cmdline(pid)) })).filter((p): p is Proc => p.role !== null),
    stop,
  };
}

/** `npm start`: wrangler dev on 127.0.0.1:port (the build must be current: `npm run build`). */
export function startDev(port: number, log: string, opts: StartOptions = {}): Promise<Target> {
  const wrangler = join(root, 'node_modules/wrangler/bin/wrangler.js');
  const extra = [...Object.entries(opts.vars ?? {}).flatMap(([k, v]) => ['--var', `${k}:${v}`]), ...(opts.inspector ? ['--inspector-port', String(opts.inspector)] : [])];
  const roleOf = (cmd: string) => {
    if (cmd.includes('wrangler-dist/cli.js')) return 'wrangler (node)';
    if (!/\/workerd serve /.test(cmd)) return null;
    return cmd.includes(`entry=127.0.0.1:${port}`) ? 'workerd (dev proxy)' : 'workerd (worker)';
  };
  // A fresh local state (the result cache's storage) for every run, beside the log: runs do not
  // inherit each other's cache, nor a .wrangler/state written by another wrangler version.
  const state = join(dirname(log), 'start.state');
  rmSync(state, { recursive: true, force: true });
  const args = [wrangler, 'dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state, ...extra];
  return launch('npm start (wrangler dev)', args, port, log, roleOf, opts.inspector);
}

/** `npm run serve`: the deploy bundle under workerd alone, bundled into `outdir`. */
export function startServe(port: number, outdir: string, log: string, opts: StartOptions = {}): Promise<Target> {
  const extra = [
    ...Object.entries(opts.vars ?? {}).flatMap(([k, v]) => ['--var', `${k}=${v}`]),
    ...(opts.inspector ? ['--inspector', String(opts.inspector)] : []),
    ...(opts.workerd ? ['--workerd', opts.workerd] : []),
  ];
  const args = ['--import', 'tsx', join(root, 'tools/serve/serve.ts'), '--port', String(port), '--outdir', outdir, '--verbose', ...extra];
  return launch(`npm run serve (workerd${opts.workerd === 'wrangler' ? ", wrangler's" : ''})`, args, port, log, (cmd) => (/\/workerd serve /.test(cmd) ? 'workerd (worker)' : null), opts.inspector);
}

export function attach(url: string, pids: number[]): Target {
  return {
    name: url,
    url: url.replace(/\/+$/, ''),
    log: null,
    // The first pid is taken as the Worker's process: warm-up rounds and --max-rss-growth use it.
    processes: () => pids.map((pid, i) => ({ pid, role: `${i === 0 ? 'workerd (worker) ' : ''}pid ${pid} (${cmdline(pid).split(' ')[0].split('/').pop()})` })),
    stop: async () => {},
  };
}
