/**
 * POST /v1/classify: top-k classes of one image (raw body or JSON), of every `image` part
 * (multipart), or of the image at a JSON `url` (as GET /v1/classify?url=, routes/classify-url.ts).
 * Every image goes through the result cache (cache/cached-run.ts): the same bytes under the same
 * model are decoded and run once per data centre while the entry lives.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { cachedLogits, cacheScope } from '../cache/cached-run.ts';
import type { AppEnv } from '../env.ts';
import { bodyLimit } from '../middleware/body.ts';
import { inPart } from '../middleware/errors.ts';
import type { ModelRegistry } from '../model/registry.ts';
import { answerBatch, answerOne, ClassifyBatchResponseSchema, classifyResult, ClassifyResponseSchema, DEFAULT_TOP_K, type ClassifyResult } from './classify-answer.ts';
import { classifyUrl } from './classify-url.ts';
import { readImageRequest } from '../request/read.ts';
import { runContext } from '../request/run.ts';
import { bearerSecurity, bodyErrorResponses, errorResponses, ImageQuerySchema, imageRequestBody, JsonImageBodySchema, MultipartImageBodySchema, urlErrorResponses } from './schemas.ts';

export const classifyRoute = createRoute({
  method: 'post',
  path: '/v1/classify',
  summary: 'Classify an image',
  description:
    'Answers the top_k classes with softmax scores, highest first. Raw and JSON bodies answer `ClassifyResponse`; ' +
    'multipart bodies always answer `ClassifyBatchResponse` (one result per `image` part, even for one part). ' +
    'A multipart request fails as a whole on the first bad part; the error message names the part. ' +
    'A JSON body may give `url` instead of `image`: then it answers as GET /v1/classify?url= (and can fail as it does). ' +
    'The same timings are sent in a Server-Timing header (summed over parts). Results are cached by image content and model (`cache`, X-Cache).',
  security: bearerSecurity,
  middleware: [bodyLimit()] as const,
  request: { query: ImageQuerySchema, body: imageRequestBody },
  responses: {
    200: {
      description: 'Predictions',
      headers: {
        'Server-Timing': { schema: { type: 'string' }, description: 'decode, preprocess, inference, cache (ms)' },
        'X-Cache': { schema: { type: 'string' }, description: 'the result cache status of each image, comma-separated' },
      },
      content: { 'application/json': { schema: z.union([ClassifyResponseSchema, ClassifyBatchResponseSchema]) } },
    },
    ...errorResponses,
    ...bodyErrorResponses,
    ...urlErrorResponses,
  },
});

export function classify(registry: ModelRegistry) {
  const app = new OpenAPIHono<AppEnv>();
  app.openAPIRegistry.register('JsonImageBody', JsonImageBodySchema);
  app.openAPIRegistry.register('MultipartImageBody', MultipartImageBodySchema);

  app.openapi(classifyRoute, async (c) => {
    const req = await readImageRequest(c, c.req.valid('query'), true, true);
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
