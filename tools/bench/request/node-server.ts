/**
 * The Worker's app served by Node instead of workerd, for `npm run bench:request --node`: a child
 * process (one Node main thread, like workerd's one isolate thread) that serves `createApp` over
 * HTTP on 127.0.0.1 with the same models, vars and decoders, so the bench can send it the same
 * requests, interleaved with workerd's, and read its CPU from /proc the same way. What workerd
 * costs beyond Node is then one ratio from one run, under the same machine conditions.
 *
 *   node --import tsx tools/bench/request/node-server.ts '<json: {models, vars}>'   (prints its URL)
 *
 * The adapter reads the whole body into one Uint8Array before the app sees it (a Request body of
 * one chunk); workerd streams it to the app in 4 KiB chunks. Both are inside the no-op route the
 * bench subtracts.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { commandLine, processCpuNs, type RunningWorker } from '../miniflare.ts';

export interface NodeServerConfig {
  /** The bundled models as the Worker lists them: name, .gnv2 path, whether it is the default. */
  models: Array<{ name: string; path: string; default?: boolean }>;
  vars: Record<string, string>;
  /** The engine build (build/engine.simd128.wasm): what workerd's Worker runs with ENGINE = simd128. */
  engineWasm: string;
}

const SELF = fileURLToPath(import.meta.url);

/** Starts the child and resolves once it listens. */
export function startNodeServer(config: NodeServerConfig): Promise<RunningWorker> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`the Node app server exited (${code}) before listening: ${out.trim()}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^listening (http:\/\/\S+)$/m.exec(out);
      if (!m) return;
      child.removeAllListeners('exit');
      const pid = child.pid!;
      resolve({
        url: new URL(m[1]),
        pid,
        cpuNs: () => processCpuNs(pid),
        mainThreadCpuNs: () => Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]),
        startup: { wallMs: performance.now() - t0, cpuMs: processCpuNs(pid) / 1e6 },
        argv: commandLine(pid),
        close: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.kill();
          }),
      });
    });
  });
}

async function serve(config: NodeServerConfig): Promise<void> {
  const { nodeApp } = await import('../../lib/node-app.ts');
  const { app, ctx } = await nodeApp(config.models, config.engineWasm);
  const body = (req: IncomingMessage) =>
    new Promise<Uint8Array>((ok, fail) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => ok(new Uint8Array(Buffer.concat(chunks))));
      req.on('error', fail);
    });
  const server = createServer(async (req, res) => {
    try {
      const bytes = req.method === 'GET' || req.method === 'HEAD' ? null : await body(req);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const answer = await app.fetch(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body: bytes as Uint8Array<ArrayBuffer> | null }), config.vars, ctx);
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(Buffer.from(await answer.arrayBuffer()));
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });
  server.listen(0, '127.0.0.1', () => {
    const a = server.address() as { port: number };
    process.stdout.write(`listening http://127.0.0.1:${a.port}/\n`);
  });
}

if (process.argv[1] === SELF) await serve(JSON.parse(process.argv[2]) as NodeServerConfig);
