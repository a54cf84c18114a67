/** Request limits from the environment (wrangler.toml [vars]); middleware/body.ts enforces the body ones. */
import type { Env, Limits } from '../env.ts';
import { DECODE_MODES, type DecodeMode } from '../image/budget.ts';
import { ApiError } from './errors.ts';

export type { Limits };

export const DEFAULT_LIMITS: Limits = { maxBodyBytes: 10 * 1024 * 1024, maxPixels: 40_000_000, maxDecodeBytes: 64 * 1024 * 1024, maxImages: 16, bodyTimeoutMs: 30_000, decode: 'exact' };

function positiveInt(env: Env, name: 'MAX_BODY_BYTES' | 'MAX_PIXELS' | 'MAX_DECODE_MB' | 'MAX_IMAGES' | 'BODY_TIMEOUT_MS', fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new ApiError(500, 'misconfigured', `The ${name} variable must be a positive integer, got ${JSON.stringify(raw)}.`);
  return n;
}

function decodeMode(raw: string | undefined): DecodeMode {
  const v = (raw ?? '').trim().toLowerCase();
  if (v === '') return DEFAULT_LIMITS.decode;
  if ((DECODE_MODES as readonly string[]).includes(v)) return v as DecodeMode;
  throw new ApiError(500, 'misconfigured', `The DECODE variable must be "exact" or "fast", got ${JSON.stringify(raw)}.`);
}

export function limitsFrom(env: Env): Limits {
  return {
    maxBodyBytes: positiveInt(env, 'MAX_BODY_BYTES', DEFAULT_LIMITS.maxBodyBytes),
    maxPixels: positiveInt(env, 'MAX_PIXELS', DEFAULT_LIMITS.maxPixels),
    maxDecodeBytes: positiveInt(env, 'MAX_DECODE_MB', DEFAULT_LIMITS.maxDecodeBytes / (1024 * 1024)) * 1024 * 1024,
    maxImages: positiveInt(env, 'MAX_IMAGES', DEFAULT_LIMITS.maxImages),
    bodyTimeoutMs: positiveInt(env, 'BODY_TIMEOUT_MS', DEFAULT_LIMITS.bodyTimeoutMs),
    decode: decodeMode(env.DECODE),
  };
}
