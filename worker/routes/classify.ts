/**
 * POST /v1/classify: top-k classes of one image (raw body or JSON), of every `image` part
 * (multipart), or of the image at a JSON `url` (as GET /v1/classify?url=, routes/classify-url.ts).
 * Every image goes through the result cache (cache/cached-run.ts): the same bytes under the same
 * model are decoded and run once per data centre while the entry lives.
 */
import { Hono } from 'hono';
import { cachedLogits, cacheScope } from '../cache/cached-run.ts';
import type { AppEnv } from '../env.ts';
import { bodyLimit } from '../middleware/body.ts';
import { inPart } from '../middleware/errors.ts';
import type { ModelRegistry } from '../model/registry.ts';
import { answerBatch, answerOne, classifyResult, DEFAULT_TOP_K, type ClassifyResult } from './classify-answer.ts';
import { classifyUrl } from './classify-url.ts';
import { readImageRequest } from '../request/read.ts';
import { runContext } from '../request/run.ts';
import { imageQuery } from './query.ts';

export function classify(registry: ModelRegistry) {
  const app = new Hono<AppEnv>();
  app.post('/v1/classify', bodyLimit(), async (c) => {
    const req = await readImageRequest(c, imageQuery(c), true, true);
    if (req.url !== undefined) return classifyUrl(c, registry, { url: req.url, model: req.model, topK: req.topK });
    const ctx = await runContext(c, registry, req.model);
    const k = req.topK ?? DEFAULT_TOP_K;
    const scope = await cacheScope(c, ctx);
    const results: ClassifyResult[] = [];
    for (const image of req.images) {
      try {
        results.push(classifyResult(await cachedLogits(image, ctx, scope), ctx, k, image.filename));
      } catch (e) {
        throw req.multi ? inPart(image.label, e) : e;
      }
    }
    return req.multi ? answerBatch(c, ctx, results) : answerOne(c, ctx, results[0]);
  });
  return app;
}
