/** The URL fetch's settings from the vars: IMAGE_ORIGINS, FETCH_TIMEOUT_MS, and the upload limits. */
import type { Env } from '../env.ts';
import { ApiError } from '../middleware/errors.ts';
import type { Limits } from '../middleware/limits.ts';
import { parseAllowList } from './allow-list.ts';
import { urlFetchDisabled } from './errors.ts';
import type { OriginOptions } from './fetch-image.ts';

export const DEFAULT_FETCH_TIMEOUT_MS = 10_000;

export function fetchTimeoutMs(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_FETCH_TIMEOUT_MS;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new ApiError(500, 'misconfigured', `The FETCH_TIMEOUT_MS variable must be a positive integer (milliseconds), got ${JSON.stringify(raw.slice(0, 40))}.`);
  return n;
}

/** Throws 403 url_fetch_disabled when IMAGE_ORIGINS is empty. */
export function originOptions(env: Env, limits: Limits): OriginOptions {
  const allow = parseAllowList(env.IMAGE_ORIGINS);
  if (!allow) throw urlFetchDisabled();
  return { allow, timeoutMs: fetchTimeoutMs(env.FETCH_TIMEOUT_MS), maxBytes: limits.maxBodyBytes, maxPixels: limits.maxPixels };
}
