/** GET /openapi.json: OpenAPI 3.1, generated from the route schemas. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env.ts';

export function openapi(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'Only when the API_KEY secret is configured: `Authorization: Bearer <API_KEY>`.',
  });
  app.doc31('/openapi.json', (c) => ({
    openapi: '3.1.0',
    info: {
      title: 'ghostnet-edge',
      version: '1.0.0',
      description: 'GhostNetV2 image classification as int8 WebAssembly in a Cloudflare Worker. Every error answers {"error": {"code", "message"}}.',
    },
    servers: [{ url: new URL(c.req.url).origin }],
  }));
}
