/** POST /v1/classify: top-k classes of one image (raw body or JSON) or of every `image` part (multipart). */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../env.ts';
import { PartError } from '../middleware/errors.ts';
import { bodyLimit } from '../middleware/limits.ts';
import { topK } from '../model/predictions.ts';
import type { ModelRegistry } from '../model/registry.ts';
import type { DomainNote } from '../image/domain.ts';
import { readImageRequest } from '../request/read.ts';
import { runContext, runImage, serverTiming, type Timing } from '../request/run.ts';
import {
  bearerSecurity,
  DomainSchema,
  errorResponses,
  ImageQuerySchema,
  imageRequestBody,
  JsonImageBodySchema,
  ModelRefSchema,
  MultipartImageBodySchema,
  PredictionSchema,
  TimingSchema,
} from './schemas.ts';

export const DEFAULT_TOP_K = 5;

const ClassifyResponseSchema = z
  .object({ model: ModelRefSchema, predictions: z.array(PredictionSchema), domain: DomainSchema.optional(), timing: TimingSchema })
  .openapi('ClassifyResponse');

const ClassifyBatchResponseSchema = z
  .object({
    model: ModelRefSchema,
    results: z
      .array(
        z.object({
          filename: z.string().optional().openapi({ description: 'the part’s filename, when it had one' }),
          predictions: z.array(PredictionSchema),
          domain: DomainSchema.optional(),
          timing: TimingSchema,
        }),
      )
      .openapi({ description: 'one entry per `image` part, in request order' }),
  })
  .openapi('ClassifyBatchResponse');

export const classifyRoute = createRoute({
  method: 'post',
  path: '/v1/classify',
  summary: 'Classify an image',
  description:
    'Answers the top_k classes with softmax scores, highest first. Raw and JSON bodies answer `ClassifyResponse`; ' +
    'multipart bodies always answer `ClassifyBatchResponse` (one result per `image` part, even for one part). ' +
    'A multipart request fails as a whole on the first bad part; the error message names the part. ' +
    'The same timings are sent in a Server-Timing header (summed over parts).',
  security: bearerSecurity,
  middleware: [bodyLimit()] as const,
  request: { query: ImageQuerySchema, body: imageRequestBody },
  responses: {
    200: {
      description: 'Predictions',
      headers: { 'Server-Timing': { schema: { type: 'string' }, description: 'decode, preprocess, inference (ms)' } },
      content: { 'application/json': { schema: z.union([ClassifyResponseSchema, ClassifyBatchResponseSchema]) } },
    },
    ...errorResponses,
  },
});

export function classify(registry: ModelRegistry) {
  const app = new OpenAPIHono<AppEnv>();
  app.openAPIRegistry.register('JsonImageBody', JsonImageBodySchema);
  app.openAPIRegistry.register('MultipartImageBody', MultipartImageBodySchema);

  app.openapi(classifyRoute, async (c) => {
    const req = await readImageRequest(c, c.req.valid('query'), true);
    const ctx = await runContext(c, registry, req.model);
    const k = req.topK ?? DEFAULT_TOP_K;
    const labels = ctx.header.labels;
    const results: Array<{ filename?: string; predictions: ReturnType<typeof topK>; domain?: DomainNote; timing: Timing }> = [];
    for (const image of req.images) {
      try {
        const { output, timing, domain } = await runImage(image, ctx);
        results.push({ ...(image.filename ? { filename: image.filename } : {}), predictions: topK(output.logits, labels, k), ...(domain ? { domain } : {}), timing });
      } catch (e) {
        throw req.multi ? new PartError(image.label, e) : e;
      }
    }
    c.header('Server-Timing', serverTiming(results.map((r) => r.timing)));
    const model = { name: ctx.name, sha256: ctx.sha256 };
    if (req.multi) return c.json({ model, results }, 200);
    const { predictions, domain, timing } = results[0];
    return c.json({ model, predictions, ...(domain ? { domain } : {}), timing }, 200);
  });
  return app;
}
