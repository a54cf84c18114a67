/**
 * The one way the benches run code in workerd: Miniflare starts a workerd process serving a Worker
 * on 127.0.0.1, and this module finds that process so the CPU time of all its threads can be read
 * from /proc (per thread, in nanoseconds) — a request's CPU measured from outside, robust on a loaded
 * machine. Used by bench:request (the real Worker as wrangler bundles it), bench:workerd and
 * bench:pointwise --workerd (a small bench Worker bundled by esbuild).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { Miniflare, type MiniflareOptions } from 'miniflare';

/** Nanoseconds of CPU every thread of `pid` has run so far (/proc/<pid>/task/<tid>/schedstat). */
export function processCpuNs(pid: number): number {
  let ns = 0;
  const dir = `/proc/${pid}/task`;
  for (const tid of readdirSync(dir)) {
    try {
      ns += Number(readFileSync(`${dir}/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      /* the thread exited between the listing and the read */
    }
  }
  return ns;
}

/** The command line of process `pid` (/proc/<pid>/cmdline). */
export function commandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

function childWorkerds(): Set<number> {
  const out = new Set<number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === 'workerd' && ppid === process.pid) out.add(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

export interface RunningWorker {
  url: URL;
  pid: number;
  /** CPU ns of the whole workerd process so far (all threads, V8's background compilers included). */
  cpuNs(): number;
  /**
   * CPU ns of workerd's main thread (tid = pid), the one that runs the Worker's isolate: what
   * Workers bill a request for. The rest is V8's background threads (optimising compiles, GC).
   */
  mainThreadCpuNs(): number;
  /** Wall ms from `new Miniflare` to ready, and the workerd process's CPU ms by then. */
  startup: { wallMs: number; cpuMs: number };
  /** The process's command line (/proc/<pid>/cmdline): how it was started. */
  argv: string[];
  close(): Promise<void>;
}

/** Starts one workerd process (a fresh isolate) with these Miniflare options, served on 127.0.0.1. */
export async function startMiniflare(options: MiniflareOptions): Promise<RunningWorker> {
  const before = childWorkerds();
  const t0 = performance.now();
  const mf = new Miniflare({ ...options, host: '127.0.0.1', port: 0 } as MiniflareOptions);
  const url = await mf.ready;
  const wallMs = performance.now() - t0;
  const pids = [...childWorkerds()].filter((p) => !before.has(p));
  if (pids.length !== 1) {
    await mf.dispose();
    throw new Error(`expected one new workerd process, found ${pids.length}`);
  }
  const pid = pids[0];
  const cpuMs = processCpuNs(pid) / 1e6;
  const mainThreadCpuNs = () => Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]);
  return { url, pid, cpuNs: () => processCpuNs(pid), mainThreadCpuNs, startup: { wallMs, cpuMs }, argv: commandLine(pid), close: () => mf.dispose() };
}

/** A module the bench Worker imports by a bare sibling name ('./name'): a compiled .wasm, a data file, generated JS. */
export interface ExtraModule {
  name: string;
  type: 'CompiledWasm' | 'Data' | 'ESModule';
  contents: Uint8Array | string;
}

/**
 * Bundles a bench Worker (a TypeScript entry) with esbuild and starts it in workerd. The entry
 * imports its WASM builds, data files and generated modules by bare sibling names ('./x.wasm');
 * those stay external in the bundle and are served as the `modules` given.
 */
export async function startBenchWorker(entry: string, modules: ExtraModule[], compatibilityDate = '2026-04-01'): Promise<RunningWorker> {
  const external = modules.map((m) => `./${m.name}`);
  const out = await build({ entryPoints: [entry], bundle: true, format: 'esm', write: false, platform: 'neutral', external, logLevel: 'error' });
  return startMiniflare({
    compatibilityDate,
    modules: [{ type: 'ESModule', path: 'entry.mjs', contents: out.outputFiles[0].text }, ...modules.map((m) => ({ type: m.type, path: m.name, contents: m.contents }))],
  } as MiniflareOptions);
}
