/** POST /v1/embed: the 1280-d feature vector (after conv_head + ReLU), same inputs as /v1/classify. */
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { bodyLimit } from '../middleware/body.ts';
import { inPart } from '../middleware/errors.ts';
import type { ModelRegistry } from '../model/registry.ts';
import { readImageRequest } from '../request/read.ts';
import { runContext, runImage, serverTiming, type Timing } from '../request/run.ts';
import { embedQuery } from './query.ts';

export function embed(registry: ModelRegistry) {
  const app = new Hono<AppEnv>();
  app.post('/v1/embed', bodyLimit(), async (c) => {
    const req = await readImageRequest(c, embedQuery(c), false);
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
