/**
 * POST /v1/bench/noop: a request that does nothing but what every image request does before its
 * work starts (routing, the middleware, reading the body under MAX_BODY_BYTES), answering a tiny
 * JSON. `npm run bench:request` times it with the same bodies as /v1/classify and subtracts it,
 * so what remains is the classification's own cost.
 *
 * Off unless the var BENCH_ROUTES is "1" (the bench sets it): otherwise it answers 404 like any
 * unknown path, and it is not in the OpenAPI document.
 */
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { ApiError } from '../middleware/errors.ts';
import { bodyLimit } from '../middleware/body.ts';

const enabled = createMiddleware<AppEnv>(async (c, next) => {
  if (c.env.BENCH_ROUTES !== '1') throw new ApiError(404, 'not_found', `No route ${c.req.path}. See /openapi.json for the API.`);
  await next();
});

export function bench() {
  const app = new Hono<AppEnv>();
  app.post('/v1/bench/noop', enabled, bodyLimit(), (c) => c.json({ bytes: c.get('body').length }, 200));
  return app;
}
