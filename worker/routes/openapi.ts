/**
 * GET /openapi.json: OpenAPI 3.1, generated from the routes' zod descriptions
 * (routes/openapi-doc.ts) by `npm run build` into build/openapi.ts, with this Worker's origin as
 * the server. No zod in the Worker (tools/build/openapi.ts says why).
 */
import type { Hono } from 'hono';
import { OPENAPI_JSON, OPENAPI_ORIGIN } from '../../build/openapi.ts';
import type { AppEnv } from '../env.ts';

export function openapi(app: Hono<AppEnv>): void {
  const placeholder = JSON.stringify(OPENAPI_ORIGIN);
  app.get('/openapi.json', (c) =>
    c.body(
      OPENAPI_JSON.replace(placeholder, () => JSON.stringify(new URL(c.req.url).origin)),
      200,
      { 'Content-Type': 'application/json' },
    ),
  );
}
