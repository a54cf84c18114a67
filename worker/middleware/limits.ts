/**
 * Request limits from the environment, and the body reader that enforces MAX_BODY_BYTES while
 * reading (a lying or missing Content-Length cannot get more than the limit into memory).
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv, Env } from '../env.ts';
import { ApiError } from './errors.ts';

export interface Limits {
  maxBodyBytes: number;
  maxPixels: number;
  /** Memory budget of one image decode, in bytes (MAX_DECODE_MB is in MiB). */
  maxDecodeBytes: number;
  maxImages: number;
}

export const DEFAULT_LIMITS: Limits = { maxBodyBytes: 10 * 1024 * 1024, maxPixels: 40_000_000, maxDecodeBytes: 64 * 1024 * 1024, maxImages: 16 };

function positiveInt(env: Env, name: 'MAX_BODY_BYTES' | 'MAX_PIXELS' | 'MAX_DECODE_MB' | 'MAX_IMAGES', fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new ApiError(500, 'misconfigured', `The ${name} variable must be a positive integer, got ${JSON.stringify(raw)}.`);
  return n;
}

export function limitsFrom(env: Env): Limits {
  return {
    maxBodyBytes: positiveInt(env, 'MAX_BODY_BYTES', DEFAULT_LIMITS.maxBodyBytes),
    maxPixels: positiveInt(env, 'MAX_PIXELS', DEFAULT_LIMITS.maxPixels),
    maxDecodeBytes: positiveInt(env, 'MAX_DECODE_MB', DEFAULT_LIMITS.maxDecodeBytes / (1024 * 1024)) * 1024 * 1024,
    maxImages: positiveInt(env, 'MAX_IMAGES', DEFAULT_LIMITS.maxImages),
  };
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) ? 1 : 0)} MiB`;

function tooLarge(max: number): ApiError {
  return new ApiError(413, 'body_too_large', `The request body is larger than the limit of ${max} bytes (${mb(max)}). Send a smaller image.`);
}

/** Reads the whole body, failing with 413 as soon as it passes `max` bytes. */
export async function readBodyCapped(req: Request, max: number): Promise<Uint8Array> {
  const declared = req.headers.get('content-length');
  const length = declared !== null && /^\d+$/.test(declared.trim()) ? Number(declared) : null;
  if (length !== null && length > max) {
    await req.body?.cancel().catch(() => {});
    throw tooLarge(max);
  }
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  // Trust a plausible Content-Length for the first allocation only; the loop checks every chunk.
  let buf = new Uint8Array(length ?? 64 * 1024);
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBuffer);
    if (size + chunk.byteLength > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge(max);
    }
    if (size + chunk.byteLength > buf.byteLength) {
      const grown = new Uint8Array(Math.min(max, Math.max(buf.byteLength * 2, size + chunk.byteLength)));
      grown.set(buf.subarray(0, size));
      buf = grown;
    }
    buf.set(chunk, size);
    size += chunk.byteLength;
  }
  return size === buf.byteLength ? buf : buf.subarray(0, size);
}

/** Reads the body under MAX_BODY_BYTES into `c.var.body` (for POST routes that take images). */
export const bodyLimit = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const limits = limitsFrom(c.env);
    c.set('limits', limits);
    c.set('body', await readBodyCapped(c.req.raw, limits.maxBodyBytes));
    await next();
  });
