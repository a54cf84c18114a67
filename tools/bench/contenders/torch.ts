/**
 * PyTorch eager float32, one thread, in a persistent child process (tools/bench/torch_server.py).
 * The child times each inference itself with time.perf_counter, so the pipe round trip is not
 * counted; the round trip is recorded separately in `info.pipe_overhead_ms` for transparency.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { median } from '../../lib/median.ts';
import { Skip, type BenchInputs, type Contender } from './types.ts';

const SERVER = fileURLToPath(new URL('../torch_server.py', import.meta.url));

class LineChannel {
  private waiting: Array<{ resolve: (l: string) => void; reject: (e: Error) => void }> = [];
  private stderr = '';
  private dead: Error | null = null;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => this.waiting.shift()?.resolve(line));
    child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    child.on('exit', (code, signal) => {
      this.dead = new Error(`torch_server exited (${signal ?? code}): ${this.stderr.trim().split('\n').slice(-5).join(' | ')}`);
      for (const w of this.waiting.splice(0)) w.reject(this.dead);
    });
  }

  /** The next line from the child (the `ready` line needs no command). */
  next(): Promise<string> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  ask(cmd: string): Promise<string> {
    const p = this.next();
    this.child.stdin.write(cmd + '\n');
    return p;
  }
}

function expect(line: string, tag: string): string {
  if (!line.startsWith(tag + ' ')) throw new Error(`torch_server: expected "${tag} …", got "${line.slice(0, 200)}"`);
  return line.slice(tag.length + 1);
}

export async function createTorch(inp: BenchInputs, hasTorch: boolean): Promise<Contender> {
  if (!hasTorch) throw new Skip(`${inp.python} has no torch`);
  if (!inp.checkpoint) throw new Skip('no float checkpoint');
  if (!inp.inputNpy) throw new Skip('no input .npy for the PyTorch process');
  const child = spawn(inp.python, [SERVER, '--checkpoint', inp.checkpoint, '--width', String(inp.width), '--classes', String(inp.classes), '--input', inp.inputNpy, '--threads', '1'], {
    env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const ch = new LineChannel(child);
  let ready: Record<string, unknown>;
  try {
    ready = JSON.parse(expect(await ch.next(), 'ready'));
  } catch (e) {
    child.kill();
    throw new Skip(`PyTorch server did not start: ${(e as Error).message}`);
  }
  const info: Record<string, unknown> = { ...ready, precision: 'float32', mode: 'eager, eval, no_grad', timing: 'time.perf_counter inside the child' };
  const libs = (ready.blas_libraries as string[] | undefined) ?? [];
  if (libs.some((l) => /\/blas\/libblas\.so/.test(l)))
    info.note = `PyTorch ${ready.torch} (BLAS_INFO=${ready.blas_info}) runs on Debian's reference BLAS (${libs.find((l) => /\/blas\/libblas/.test(l))}), so its GEMM-based convs (the 1x1 ones) are unoptimized: a weak anchor, read it as "stock Debian PyTorch"`;
  const roundTrips: number[] = [];
  return {
    id: 'torch',
    label: `PyTorch ${ready.torch} eager`,
    info,
    async runOnce() {
      const t0 = performance.now();
      const ms = Number(expect(await ch.ask('run'), 'ms'));
      roundTrips.push(performance.now() - t0 - ms);
      info.pipe_overhead_ms = median(roundTrips);
      return ms;
    },
    async logits() {
      return Float32Array.from(JSON.parse(expect(await ch.ask('logits'), 'logits')) as number[]);
    },
    async close() {
      child.stdin.end('quit\n');
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => child.kill(), 5000);
        child.on('exit', () => (clearTimeout(t), resolve()));
      });
    },
  };
}
