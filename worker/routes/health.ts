/** GET /healthz: liveness, cheap (never loads a model). */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../env.ts';
import { runtimeHasRelaxedSimd, type ModelRegistry } from '../model/registry.ts';

const HealthSchema = z
  .object({
    status: z.literal('ok'),
    models: z.array(z.string()).openapi({ description: 'bundled model names' }),
    loaded: z
      .array(z.object({ name: z.string(), build: z.enum(['simd128', 'relaxed']), memoryBytes: z.number().int() }))
      .openapi({ description: 'models instantiated in this isolate, with their WASM memory size' }),
    relaxed_simd: z.boolean().openapi({ description: 'the runtime validates relaxed-SIMD modules' }),
  })
  .openapi('Health');

export const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness',
  responses: { 200: { description: 'The Worker is up', content: { 'application/json': { schema: HealthSchema } } } },
});

export function health(registry: ModelRegistry) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const, models: registry.names, loaded: registry.loaded(), relaxed_simd: runtimeHasRelaxedSimd() }, 200));
  return app;
}
