/**
 * GET /openapi.json: OpenAPI 3.1, generated from the route schemas (routes/openapi-doc.ts), which
 * are imported here on the first ask, not at start-up: nothing else in the Worker needs zod.
 */
import type { Hono } from 'hono';
import type { AppEnv } from '../env.ts';

export function openapi(app: Hono<AppEnv>): void {
  app.get('/openapi.json', async (c) => {
    const { openApiDocument } = await import('./openapi-doc.ts');
    try {
      return c.json(openApiDocument(new URL(c.req.url).origin));
    } catch (e) {
      return c.json(e, 500);
    }
  });
}
