/**
 * GET /v1/classify?url=…: classify the image at an allowed URL (also POST /v1/classify with a
 * JSON `url`, which lands in `classifyUrl` too).
 *
 *   model (422 before any fetch) → origin's final answer (worker/origin) → result cache by URL +
 *   validator (a hit answers without reading the body) → body under the upload limits → result
 *   cache by content → pipeline → JSON, with Cache-Control following the origin's.
 */
import { Hono, type Context } from 'hono';
import { cachedLogits, cacheScope, NO_PIPELINE, type CachedTiming } from '../cache/cached-run.ts';
import { urlKey } from '../cache/key.ts';
import type { AppEnv } from '../env.ts';
import { inPart } from '../middleware/errors.ts';
import { limitsFrom } from '../middleware/limits.ts';
import type { ModelRegistry } from '../model/registry.ts';
import { originOptions } from '../origin/config.ts';
import { openImage, parseImageUrl } from '../origin/fetch-image.ts';
import { answerCacheControl } from '../origin/freshness.ts';
import { isImageError } from '../image/errors.ts';
import { answerOne, classifyResult, DEFAULT_TOP_K, type ClassifyResult } from './classify-answer.ts';
import { parseTopK } from '../request/read.ts';
import { runContext } from '../request/run.ts';
import { classifyUrlQuery } from './query.ts';

const ms = (a: number, b: number) => Math.round((b - a) * 1000) / 1000;

/** The answer to a URL request (GET ?url= or POST {"url"}). */
export async function classifyUrl(c: Context<AppEnv>, registry: ModelRegistry, q: { url: string; model?: string; topK?: number }) {
  if (!c.get('limits')) c.set('limits', limitsFrom(c.env));
  const limits = c.get('limits');
  const options = originOptions(c.env, limits);
  const start = parseImageUrl(q.url);
  const ctx = await runContext(c, registry, q.model);
  const scope = await cacheScope(c, ctx);
  const { cache } = scope;
  const k = q.topK ?? DEFAULT_TOP_K;

  const t0 = performance.now();
  const image = await openImage(start, options);
  try {
    // Set on the 200 only: an error (a 413 or 415 from the body, read later) must not carry the image's freshness.
    const cacheControl = answerCacheControl(image.headers, { keyed: Boolean(c.env.API_KEY) });
    const answer = (r: ClassifyResult) => {
      c.header('Cache-Control', cacheControl);
      return answerOne(c, ctx, r);
    };
    let byUrl: string[] = [];
    if (cache.active && image.validator) {
      const t1 = performance.now();
      const key = await urlKey(scope.origin, image.url, image.validator, scope.params);
      const hit = await cache.get(key, scope.classes);
      if (hit) {
        const t2 = performance.now();
        await image.close();
        const timing: CachedTiming = { ...NO_PIPELINE, cache_ms: ms(t1, t2), fetch_ms: ms(t0, t1) };
        return answer(classifyResult({ ...hit, timing, cache: 'hit' }, ctx, k));
      }
      byUrl = [key];
    }
    let fetchMs = 0;
    let run;
    try {
      const bytes = await image.read();
      fetchMs = ms(t0, performance.now());
      run = await cachedLogits({ bytes, label: 'the image at the URL' }, ctx, scope, byUrl);
    } catch (e) {
      // The image's own problems answer as for uploads (400/413/415), saying where the image came from.
      throw isImageError(e) ? inPart('The image at the URL', e) : e;
    }
    const timing: CachedTiming = { ...run.timing, fetch_ms: fetchMs };
    return answer(classifyResult({ ...run, timing }, ctx, k));
  } finally {
    await image.close();
  }
}

export function classifyByUrl(registry: ModelRegistry) {
  const app = new Hono<AppEnv>();
  app.get('/v1/classify', async (c) => {
    const query = classifyUrlQuery(c);
    const k = query.top_k === undefined ? undefined : parseTopK(query.top_k, 'query parameter');
    return classifyUrl(c, registry, { url: query.url, model: query.model, topK: k });
  });
  return app;
}
