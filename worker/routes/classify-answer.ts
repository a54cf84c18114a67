/** The JSON answer of /v1/classify (uploads and URLs alike), its schemas and headers. */
import type { Context } from 'hono';
import { cacheServerTiming, type CachedLogits, type CachedTiming } from '../cache/cached-run.ts';
import type { CacheStatus } from '../cache/results.ts';
import type { AppEnv } from '../env.ts';
import { domainNote, type DomainNote, type DomainSpec } from '../image/domain.ts';
import type { Preprocessing } from '../model/format.ts';
import { topK, type Prediction } from '../model/predictions.ts';
import { serverTiming } from '../request/run.ts';

export const DEFAULT_TOP_K = 5;

export interface ClassifyResult {
  filename?: string;
  predictions: Prediction[];
  domain?: DomainNote;
  timing: CachedTiming;
  cache: CacheStatus;
}

/** One image's entry: top_k of its logits, the out-of-domain note from its measurements, its timing and cache status. */
export function classifyResult(
  run: Pick<CachedLogits, 'logits' | 'image' | 'timing' | 'cache'>,
  ctx: { header: { labels: string[] }; preprocessing: Preprocessing; domain?: DomainSpec },
  k: number,
  filename?: string,
): ClassifyResult {
  const domain = domainNote(run.image, ctx.preprocessing, ctx.domain);
  return { ...(filename ? { filename } : {}), predictions: topK(run.logits, ctx.header.labels, k), ...(domain ? { domain } : {}), timing: run.timing, cache: run.cache };
}

/**
 * Headers of a 200 answer: Server-Timing sums the stages over the images and lists each image's
 * cache status; X-Cache lists them too (`hit`, or `hit, miss, hit` for three parts).
 */
function answerHeaders(c: Context<AppEnv>, results: ClassifyResult[]): void {
  c.header('Server-Timing', `${serverTiming(results.map((r) => r.timing))}, ${cacheServerTiming(results)}`);
  c.header('X-Cache', results.map((r) => r.cache).join(', '));
}

const modelRef = (m: { name: string; sha256: string }) => ({ name: m.name, sha256: m.sha256 });

/** One image's answer (raw, JSON and URL requests). */
export function answerOne(c: Context<AppEnv>, model: { name: string; sha256: string }, r: ClassifyResult) {
  answerHeaders(c, [r]);
  return c.json({ model: modelRef(model), predictions: r.predictions, ...(r.domain ? { domain: r.domain } : {}), timing: r.timing, cache: r.cache }, 200);
}

/** The batch answer (multipart, even with one part). */
export function answerBatch(c: Context<AppEnv>, model: { name: string; sha256: string }, results: ClassifyResult[]) {
  answerHeaders(c, results);
  return c.json({ model: modelRef(model), results }, 200);
}
