/** GET /healthz: liveness, cheap (never loads a model). */
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { runtimeHasRelaxedSimd, type ModelRegistry } from '../model/registry.ts';

export function health(registry: ModelRegistry) {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' as const, models: registry.names, loaded: registry.loaded(), relaxed_simd: runtimeHasRelaxedSimd() }, 200));
  return app;
}
