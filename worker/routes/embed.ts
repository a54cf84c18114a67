/** POST /v1/embed: the 1280-d feature vector (after conv_head + ReLU), same inputs as /v1/classify. */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../env.ts';
import { bodyLimit } from '../middleware/body.ts';
import { inPart } from '../middleware/errors.ts';
import type { ModelRegistry } from '../model/registry.ts';
import { readImageRequest } from '../request/read.ts';
import { runContext, runImage, serverTiming, type Timing } from '../request/run.ts';
import { bearerSecurity, EmbedQuerySchema, bodyErrorResponses, errorResponses, imageRequestBody, ModelRefSchema, TimingSchema } from './schemas.ts';

const Embedding = z.array(z.number()).openapi({ description: 'the dequantized conv_head output (after ReLU)' });
const Dim = z.number().int().openapi({ example: 1280 });

const EmbedResponseSchema = z.object({ model: ModelRefSchema, embedding: Embedding, dim: Dim, timing: TimingSchema }).openapi('EmbedResponse');
const EmbedBatchResponseSchema = z
  .object({
    model: ModelRefSchema,
    dim: Dim,
    results: z.array(z.object({ filename: z.string().optional(), embedding: Embedding, timing: TimingSchema })),
  })
  .openapi('EmbedBatchResponse');

export const embedRoute = createRoute({
  method: 'post',
  path: '/v1/embed',
  summary: 'Image embedding',
  description: 'The model’s pooled feature vector (`dim` = 1280 for GhostNetV2). Same body forms as /v1/classify; multipart answers one result per part.',
  security: bearerSecurity,
  middleware: [bodyLimit()] as const,
  request: { query: EmbedQuerySchema, body: imageRequestBody },
  responses: {
    200: {
      description: 'Embedding',
      headers: { 'Server-Timing': { schema: { type: 'string' } } },
      content: { 'application/json': { schema: z.union([EmbedResponseSchema, EmbedBatchResponseSchema]) } },
    },
    ...errorResponses,
    ...bodyErrorResponses,
  },
});

export function embed(registry: ModelRegistry) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(embedRoute, async (c) => {
    const req = await readImageRequest(c, c.req.valid('query'), false);
    const ctx = await runContext(c, registry, req.model);
    const results: Array<{ filename?: string; embedding: number[]; timing: Timing }> = [];
    for (const image of req.images) {
      try {
        const { output, timing } = await runImage(image, ctx);
        results.push({ ...(image.filename ? { filename: image.filename } : {}), embedding: Array.from(output.features), timing });
      } catch (e) {
        throw req.multi ? inPart(image.label, e) : e;
      }
    }
    c.header('Server-Timing', serverTiming(results.map((r) => r.timing)));
    const model = { name: ctx.name, sha256: ctx.sha256 };
    const dim = ctx.header.architecture.feature_dim;
    if (req.multi) return c.json({ model, dim, results }, 200);
    return c.json({ model, embedding: results[0].embedding, dim, timing: results[0].timing }, 200);
  });
  return app;
}
