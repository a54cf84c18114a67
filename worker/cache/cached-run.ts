/**
 * One image's logits through the result cache: the key from the bytes (SHA-256), a lookup, and
 * only on a miss the pipeline (decode → preprocess → engine), whose logits are then stored. A hit
 * runs no decode and no inference.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import type { Limits } from '../middleware/limits.ts';
import type { ModelHeader } from '../model/format.ts';
import type { ImageStats } from '../image/domain.ts';
import type { ImageInput } from '../request/read.ts';
import { runImage, type RunContext, type Timing } from '../request/run.ts';
import { imageKey, type AnswerParams } from './key.ts';
import { ResultCache, type CacheStatus } from './results.ts';

/** The pipeline timings plus what the cache and the fetch cost (ms). */
export interface CachedTiming extends Timing {
  /** Hashing the image and looking it up (absent when the cache is off). */
  cache_ms?: number;
  /** Fetching the image by URL: connect, redirects and body (absent for uploads). */
  fetch_ms?: number;
}

export interface CachedLogits {
  logits: Float32Array;
  /** The decoded image's measurements (for the out-of-domain note), stored with the logits. */
  image: ImageStats;
  timing: CachedTiming;
  cache: CacheStatus;
}

const ms = (a: number, b: number) => Math.round((b - a) * 1000) / 1000;
export const NO_PIPELINE: Timing = { decode_ms: 0, preprocess_ms: 0, inference_ms: 0 };

export interface CacheScope {
  cache: ResultCache;
  params: AnswerParams;
  /** The Worker's own origin, the host part of every key. */
  origin: string;
  classes: number;
}

/** The result cache as this request uses it, for the model of `ctx`. */
export async function cacheScope(c: Context<AppEnv>, ctx: { sha256: string; header: ModelHeader; limits: Limits }): Promise<CacheScope> {
  let origin: string | undefined;
  return {
    cache: await ResultCache.forRequest(c),
    params: { modelSha256: ctx.sha256, maxDecodeBytes: ctx.limits.maxDecodeBytes, maxPixels: ctx.limits.maxPixels, decode: ctx.limits.decode },
    // Parsed when a key is made: a request with the cache off or bypassed parses no URL.
    get origin() {
      origin ??= new URL(c.req.url).origin;
      return origin;
    },
    classes: ctx.header.architecture.num_classes,
  };
}

/**
 * Logits of `image` for the model of `ctx`. `alsoUnder` are more keys to store the result under
 * (a URL request's URL key), on a hit as on a miss.
 */
export async function cachedLogits(image: ImageInput, ctx: RunContext, scope: CacheScope, alsoUnder: string[] = []): Promise<CachedLogits> {
  const { cache } = scope;
  if (!cache.active) {
    const run = await runImage(image, ctx);
    return { logits: run.output.logits, image: run.image, timing: run.timing, cache: cache.missStatus };
  }
  const t0 = performance.now();
  const key = await imageKey(scope.origin, image.bytes, scope.params);
  const hit = await cache.get(key, scope.classes);
  const cacheMs = ms(t0, performance.now());
  if (hit) {
    cache.put(alsoUnder, hit);
    return { ...hit, timing: { ...NO_PIPELINE, cache_ms: cacheMs }, cache: 'hit' };
  }
  const run = await runImage(image, ctx);
  const result = { logits: run.output.logits, image: run.image };
  cache.put([key, ...alsoUnder], result);
  return { ...result, timing: { ...run.timing, cache_ms: cacheMs }, cache: cache.missStatus };
}

/** Server-Timing entries beyond the pipeline's: the cache (with its status) and the fetch. */
export function cacheServerTiming(runs: Array<Pick<CachedLogits, 'timing' | 'cache'>>): string {
  const sum = (k: 'cache_ms' | 'fetch_ms') => Math.round(runs.reduce((a, r) => a + (r.timing[k] ?? 0), 0) * 1000) / 1000;
  const parts: string[] = [];
  if (runs.some((r) => r.timing.fetch_ms !== undefined)) parts.push(`fetch;dur=${sum('fetch_ms')}`);
  parts.push(`cache;desc="${runs.map((r) => r.cache).join(' ')}";dur=${sum('cache_ms')}`);
  return parts.join(', ');
}
