/** The JSON answer of /v1/classify (uploads and URLs alike), its schemas and headers. */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { cacheServerTiming, type CachedTiming } from '../cache/cached-run.ts';
import type { CacheStatus } from '../cache/results.ts';
import type { AppEnv } from '../env.ts';
import type { Prediction } from '../model/predictions.ts';
import type { DomainNote } from '../image/domain.ts';
import { serverTiming } from '../request/run.ts';
import { CacheStatusSchema, DomainSchema, ModelRefSchema, PredictionSchema, TimingSchema } from './schemas.ts';

export const DEFAULT_TOP_K = 5;

export const ClassifyResponseSchema = z
  .object({ model: ModelRefSchema, predictions: z.array(PredictionSchema), domain: DomainSchema.optional(), timing: TimingSchema, cache: CacheStatusSchema })
  .openapi('ClassifyResponse');

export const ClassifyBatchResponseSchema = z
  .object({
    model: ModelRefSchema,
    results: z
      .array(
        z.object({
          filename: z.string().optional().openapi({ description: 'the part’s filename, when it had one' }),
          predictions: z.array(PredictionSchema),
          domain: DomainSchema.optional(),
          timing: TimingSchema,
          cache: CacheStatusSchema,
        }),
      )
      .openapi({ description: 'one entry per `image` part, in request order' }),
  })
  .openapi('ClassifyBatchResponse');

export interface ClassifyResult {
  filename?: string;
  predictions: Prediction[];
  domain?: DomainNote;
  timing: CachedTiming;
  cache: CacheStatus;
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
