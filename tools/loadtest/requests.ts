/**
 * What a load test sends, and how one request is sent and judged.
 *
 * Three kinds, each with the statuses it must get:
 *  - photo: a real photo, raw body → 200 with predictions;
 *  - hostile: a file of test/fixtures/hostile → the `expected_status` of its manifest entry;
 *  - oversize: a 12 MB body over MAX_BODY_BYTES, with Content-Length (no `Expect: 100-continue`)
 *    or chunked → 413 `body_too_large`.
 * Every answer must be JSON: `{predictions}` for 200, `{"error": {"code", "message"}}` otherwise.
 */
import http from 'node:http';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mulberry32 } from '../lib/rng.ts';

const root = resolve(import.meta.dirname, '../..');

export type Kind = 'photo' | 'hostile' | 'oversize';

export interface Case {
  kind: Kind;
  name: string;
  body: Buffer;
  contentType: string;
  framing: 'content-length' | 'chunked';
  expect: number;
}

export interface Result {
  kind: Kind;
  name: string;
  /** When the request started, ms since the run began. */
  start: number;
  ms: number;
  status?: number;
  /** No answer: ECONNRESET, EPIPE, "socket hang up", timeout. */
  error?: string;
  /** Why an answer is not the expected one (wrong status, not JSON, wrong shape). */
  unexpected?: string;
  /** The connection it went out on, and what that connection carried before (for resets on a kept-alive connection). */
  socket?: number;
  localPort?: number;
  previousOnSocket?: string;
}

/** What each connection carried last ("oversize … → 413") and when its answer ended, by socket number. */
const socketIds = new WeakMap<object, number>();
const lastOnSocket = new Map<number, { what: string; ended?: number }>();
let nextSocketId = 0;

const OVERSIZE_BYTES = 12 * 1024 * 1024;

/** The real 12 MB hostile photo when the shared data has it, else a JPEG header padded to 12 MiB. */
function oversizeBody(hostileDirs: string[]): { name: string; body: Buffer } {
  for (const dir of hostileDirs) {
    const f = join(dir, 'large_12mb_5312x2988.jpg');
    if (existsSync(f)) return { name: 'large_12mb_5312x2988.jpg', body: readFileSync(f) };
  }
  const body = Buffer.alloc(OVERSIZE_BYTES, 0x5a);
  body.set([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);
  return { name: 'synthetic 12 MiB JPEG-like', body };
}

export function loadCases(photoDir: string, hostileDir: string): Record<Kind, Case[]> {
  const photos = readdirSync(photoDir)
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort()
    .map((f): Case => ({ kind: 'photo', name: f, body: readFileSync(join(photoDir, f)), contentType: 'application/octet-stream', framing: 'content-length', expect: 200 }));
  const manifest = JSON.parse(readFileSync(join(hostileDir, 'manifest.json'), 'utf8')) as Array<{ file: string; content_type: string; expected_status: number }>;
  const hostile = manifest
    .filter((h) => existsSync(join(hostileDir, h.file)))
    .map((h): Case => ({ kind: 'hostile', name: h.file, body: readFileSync(join(hostileDir, h.file)), contentType: h.content_type, framing: 'content-length', expect: h.expected_status }));
  const big = oversizeBody([hostileDir, join(root, '../shared/data/hostile'), '/work/shared/data/hostile']);
  const oversize = (['content-length', 'chunked'] as const).map(
    (framing): Case => ({ kind: 'oversize', name: `${big.name} (${framing})`, body: big.body, contentType: 'image/jpeg', framing, expect: 413 }),
  );
  return { photo: photos, hostile, oversize };
}

/**
 * `n` requests drawn from `cases` with a seeded generator (the same sequence for the same seed): a
 * 12 MB body with probability `oversize` (its framings in turn), a hostile file with `hostile`,
 * else a photo.
 */
export function mix(cases: Record<Kind, Case[]>, n: number, seed: number, p: { oversize: number; hostile: number }): Case[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const out: Case[] = [];
  let big = 0;
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < p.oversize) out.push(cases.oversize[big++ % cases.oversize.length]);
    else if (r < p.oversize + p.hostile) out.push(pick(cases.hostile));
    else out.push(pick(cases.photo));
  }
  return out;
}

/** Resolves when the request can take more body, or is closed. */
function writable(req: http.ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      req.off('drain', done);
      req.off('close', done);
      resolve();
    };
    req.on('drain', done);
    req.on('close', done);
  });
}

function judge(c: Case, status: number, contentType: string, text: string): string | undefined {
  if (status !== c.expect) return `status ${status}, expected ${c.expect}: ${text.slice(0, 120)}`;
  if (!contentType.startsWith('application/json')) return `${status} as ${contentType || 'no content type'}: ${text.slice(0, 120)}`;
  let body: { predictions?: unknown[]; error?: { code?: unknown; message?: unknown } };
  try {
    body = JSON.parse(text);
  } catch {
    return `${status} with a body that is not JSON: ${text.slice(0, 120)}`;
  }
  if (status === 200 ? !Array.isArray(body.predictions) : typeof body.error?.code !== 'string' || typeof body.error?.message !== 'string') {
    return `${status} with an unexpected JSON shape: ${text.slice(0, 120)}`;
  }
  return undefined;
}

/** POST one case to /v1/classify, streaming the body in 64 KiB writes as a client would. */
export function send(agent: http.Agent, base: URL, c: Case, t0: number, timeoutMs: number): Promise<Result> {
  return new Promise((resolve) => {
    const start = performance.now();
    const out: Result = { kind: c.kind, name: c.name, start: start - t0, ms: 0 };
    let settled = false;
    const finish = (patch: Partial<Result>) => {
      if (settled) return;
      settled = true;
      resolve({ ...out, ...patch, ms: performance.now() - start });
    };
    const headers: Record<string, string> = { 'content-type': c.contentType };
    if (c.framing === 'content-length') headers['content-length'] = String(c.body.length);
    const req = http.request({ host: base.hostname, port: base.port, method: 'POST', path: '/v1/classify?top_k=1', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const status = res.statusCode!;
        if (out.socket !== undefined) lastOnSocket.set(out.socket, { what: `${c.kind} ${c.name} → ${status}`, ended: performance.now() });
        finish({ status, unexpected: judge(c, status, String(res.headers['content-type'] ?? ''), Buffer.concat(chunks).toString('utf8')) });
      });
      res.on('error', (e: NodeJS.ErrnoException) => finish({ status: res.statusCode, error: e.code ?? e.message }));
    });
    req.on('socket', (sock) => {
      let id = socketIds.get(sock);
      if (id === undefined) socketIds.set(sock, (id = ++nextSocketId));
      out.socket = id;
      out.localPort = (sock as import('node:net').Socket).localPort;
      const last = lastOnSocket.get(id);
      if (req.reusedSocket && last) out.previousOnSocket = `${last.what}${last.ended !== undefined ? `, idle ${Math.round(performance.now() - last.ended)} ms` : ''}`;
      lastOnSocket.set(id, { what: `${c.kind} ${c.name}` });
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: `no answer in ${timeoutMs / 1000} s` })));
    (async () => {
      for (let off = 0; off < c.body.length && !req.destroyed; off += 64 * 1024) {
        if (!req.write(c.body.subarray(off, off + 64 * 1024))) await writable(req);
      }
      if (!req.destroyed) req.end();
    })();
  });
}
