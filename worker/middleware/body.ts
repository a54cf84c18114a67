/**
 * Reading request bodies under MAX_BODY_BYTES and BODY_TIMEOUT_MS, so that every client gets its
 * answer.
 *
 * - The limit is enforced while reading: a lying or missing Content-Length cannot get more than
 *   MAX_BODY_BYTES into memory.
 * - A body over the limit is still read to its end, and thrown away, before the 413 is sent
 *   (up to DRAIN_LIMIT bytes). Answering while the client is still sending makes workerd close
 *   the connection with unread data in it: the kernel then sends a TCP reset, which can arrive
 *   before the client has read the answer, and most clients (Node's http, fetch) report a reset
 *   instead of the 413. Under `wrangler dev` the dev proxy's request to workerd fails too and it
 *   answers 503 "Your worker restarted mid-request" (docs/reliability.md, tools/repro/dev-proxy).
 * - The whole body must arrive within BODY_TIMEOUT_MS: a stalled or trickled upload gets 408
 *   instead of holding the request open.
 * - A body whose stream fails (the client disconnected, or broke the chunked encoding) is a
 *   ClientAbort: one log line, no stack.
 */
import { createMiddleware } from 'hono/factory';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from '../env.ts';
import { ApiError, type ErrorCode } from './errors.ts';
import { DEFAULT_LIMITS, limitsFrom } from './limits.ts';

/** Bodies over the limit are read and discarded up to this many bytes in all; beyond it the connection is dropped. */
export const DRAIN_LIMIT = 64 * 1024 * 1024;

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) ? 1 : 0)} MiB`;

function tooLarge(max: number): ApiError {
  return new ApiError(413, 'body_too_large', `The request body is larger than the limit of ${max} bytes (${mb(max)}). Send a smaller image.`);
}

function timedOut(ms: number): ApiError {
  return new ApiError(408, 'body_timeout', `The request body did not arrive within ${ms / 1000} s (BODY_TIMEOUT_MS). Send it in one go, or a smaller image.`);
}

/** The body stream failed before its end: the client went away, or its chunked encoding is broken. */
export class ClientAbort extends Error {
  readonly status: ContentfulStatusCode = 400;
  readonly code: ErrorCode = 'body_incomplete';
  /** Logged as one line without a stack: the client's doing, not a bug. */
  readonly log = 'warn' as const;
  constructor(detail: string) {
    super(`The request body ended before its end (the connection closed, or the chunked encoding is malformed): ${detail}.`);
    this.name = 'ClientAbort';
  }
}

export interface BodyReadOptions {
  /** MAX_BODY_BYTES */
  max: number;
  /** BODY_TIMEOUT_MS: for the whole body, from the first read. */
  timeoutMs: number;
}

function declaredLength(req: Request): number | null {
  const v = req.headers.get('content-length')?.trim();
  return v !== undefined && /^\d{1,15}$/.test(v) ? Number(v) : null;
}

/**
 * Bytes asked for per read when the body's size is not known yet, and the size of the buffer a
 * drain reads into (one per drained body, reused for every read).
 */
const READ_BYTES = 256 * 1024;

/** One read: `value` is in the caller's buffer when `inPlace` (a BYOB read), else a chunk of the stream's own. */
interface BodyRead {
  done: boolean;
  value: Uint8Array | undefined;
  inPlace: boolean;
}

/**
 * A reader whose reads fail with 408 once `timeoutMs` has passed (one timer for the whole body:
 * it cancels the stream, which ends the pending read) and with ClientAbort when the stream errors.
 *
 * It reads into the caller's buffer (a BYOB reader) whenever the stream is a byte stream, as
 * workerd's request bodies are. workerd's default reader hands a body out in 4 KiB chunks, each a
 * new ArrayBuffer (3,074 for 12 MB) that stays in workerd's native heap until V8 collects it, and
 * that heap (tcmalloc) keeps freed memory rather than returning it to the system: the garbage of
 * concurrent uploads set the process's RSS for good (a minimal Worker draining 400 uploads of
 * 12 MB: 258 MiB with the default reader, 175 MiB with BYOB; docs/reliability.md, section 3).
 * Other streams (a ReadableStream built in JavaScript, as in Node) use the default reader.
 */
function deadlineReader(body: ReadableStream<Uint8Array>, timeoutMs: number) {
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = body.getReader({ mode: 'byob' });
  } catch {
    // not a byte stream
  }
  const reader = byob ?? body.getReader();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    reader.cancel().catch(() => {});
  }, timeoutMs);
  return {
    expired: () => expired,
    /**
     * The next bytes. A BYOB read fills (part of) `space` and transfers its buffer: the caller's
     * view of that buffer is detached afterwards and `value.buffer` is the same memory.
     */
    async read(space: Uint8Array): Promise<BodyRead> {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = byob ? await byob.read(space) : await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
      } catch (e) {
        if (expired) throw timedOut(timeoutMs);
        throw new ClientAbort(e instanceof Error ? e.message : String(e));
      }
      if (expired) throw timedOut(timeoutMs);
      const value = r.value === undefined || r.value instanceof Uint8Array ? r.value : new Uint8Array(r.value as ArrayBuffer);
      return { done: r.done, value, inPlace: byob !== null };
    },
    /** Stops reading: the rest of the body is not wanted. */
    async cancel(): Promise<void> {
      clearTimeout(timer);
      await reader.cancel().catch(() => {});
    },
    done(): void {
      clearTimeout(timer);
      reader.releaseLock();
    },
  };
}

/**
 * Reads and discards the rest of a body that will be refused, so the client can finish sending
 * and read the answer; stops (dropping the connection) past DRAIN_LIMIT bytes in all or at the
 * deadline. Never throws: the refusal being drained for is the answer. A byte stream is read into
 * one buffer of READ_BYTES, again and again: draining allocates nothing per chunk.
 */
async function drain(r: ReturnType<typeof deadlineReader>, alreadyRead: number): Promise<void> {
  let total = alreadyRead;
  let scratch: Uint8Array = new Uint8Array(READ_BYTES);
  try {
    for (;;) {
      const got = await r.read(scratch);
      if (got.inPlace && got.value) scratch = new Uint8Array(got.value.buffer);
      if (got.done) break;
      total += got.value?.byteLength ?? 0;
      if (total > DRAIN_LIMIT) return r.cancel();
    }
    r.done();
  } catch {
    await r.cancel();
  }
}

/** A copy of `buf`'s first `size` bytes in a buffer of `length`. */
function grown(buf: Uint8Array, size: number, length: number): Uint8Array {
  const next = new Uint8Array(length);
  next.set(buf.subarray(0, size));
  return next;
}

/**
 * Reads the whole body; 413 past `max` bytes (after draining), 408 past the deadline, ClientAbort
 * if the stream fails. A byte stream is read straight into the buffer returned (sized by a
 * plausible Content-Length, else grown by doubling): no copy, no chunk left behind.
 */
export async function readBodyCapped(req: Request, { max, timeoutMs }: BodyReadOptions): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array(0);
  const declared = declaredLength(req);
  const r = deadlineReader(req.body, timeoutMs);
  if (declared !== null && declared > max) {
    if (declared > DRAIN_LIMIT) await r.cancel();
    else await drain(r, 0);
    throw tooLarge(max);
  }
  const refuse = async (readSoFar: number): Promise<never> => {
    await drain(r, readSoFar);
    throw tooLarge(max);
  };
  // Trust a plausible Content-Length for the first allocation only: every read is counted.
  let buf: Uint8Array = new Uint8Array(Math.min(max, declared ?? READ_BYTES));
  let size = 0;
  for (;;) {
    if (size === buf.byteLength) {
      if (size >= max) {
        // Full at the limit: one more byte makes it too large.
        let got: BodyRead;
        try {
          got = await r.read(new Uint8Array(1));
        } catch (e) {
          await r.cancel();
          throw e;
        }
        if (got.done) break;
        buf = new Uint8Array(0); // let the body go before draining the rest
        return refuse(size + (got.value?.byteLength ?? 0));
      }
      buf = grown(buf, size, Math.min(max, Math.max(buf.byteLength * 2, READ_BYTES)));
    }
    let got: BodyRead;
    try {
      got = await r.read(buf.subarray(size));
    } catch (e) {
      await r.cancel();
      throw e;
    }
    if (got.inPlace && got.value) buf = new Uint8Array(got.value.buffer);
    if (got.done || !got.value) break;
    const chunk = got.value;
    if (got.inPlace) {
      size += chunk.byteLength;
      continue;
    }
    if (size + chunk.byteLength > max) {
      buf = new Uint8Array(0);
      return refuse(size + chunk.byteLength);
    }
    if (size + chunk.byteLength > buf.byteLength) buf = grown(buf, size, Math.min(max, Math.max(buf.byteLength * 2, size + chunk.byteLength)));
    buf.set(chunk, size);
    size += chunk.byteLength;
  }
  r.done();
  return size === buf.byteLength ? buf : buf.subarray(0, size);
}

/** Reads the body under MAX_BODY_BYTES into `c.var.body` (for POST routes that take images). */
export const bodyLimit = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const limits = limitsFrom(c.env);
    c.set('limits', limits);
    c.set('body', await readBodyCapped(c.req.raw, { max: limits.maxBodyBytes, timeoutMs: limits.bodyTimeoutMs }));
    await next();
  });

/**
 * For answers given without reading the body (401, 404, 405, 422 on the query, …): read and
 * discard what the client is still sending before the answer goes out, for the reason above.
 */
export const drainUnreadBody = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    await next();
    const req = c.req.raw;
    if (req.body && !req.bodyUsed) await drain(deadlineReader(req.body, (c.get('limits') ?? DEFAULT_LIMITS).bodyTimeoutMs), 0);
  });
