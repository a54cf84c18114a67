/**
 * The Hono app: middleware and routes wired together, nothing else. Plain Hono: the routes read
 * their query parameters with routes/query.ts, and the OpenAPI document is built from zod schemas
 * by `npm run build` (routes/openapi.ts serves it), so that the Worker bundles no zod.
 */
import { Hono } from 'hono';
import type { AppEnv } from './env.ts';
import { auth } from './middleware/auth.ts';
import { drainUnreadBody } from './middleware/body.ts';
import { cors } from './middleware/cors.ts';
import { notFound, onError } from './middleware/errors.ts';
import { requestId } from './middleware/request-id.ts';
import type { ModelRegistry } from './model/registry.ts';
import { bench } from './routes/bench.ts';
import { classify } from './routes/classify.ts';
import { classifyByUrl } from './routes/classify-url.ts';
import { demo } from './routes/demo.ts';
import { embed } from './routes/embed.ts';
import { health } from './routes/health.ts';
import { models } from './routes/models.ts';
import { openapi } from './routes/openapi.ts';

export function createApp(registry: ModelRegistry): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(onError);

  app.use('*', requestId());
  app.use('*', drainUnreadBody());
  app.use('*', cors());
  app.use('/v1/*', auth());

  app.route('/', demo(registry));
  app.route('/', health(registry));
  app.route('/', models(registry));
  app.route('/', classify(registry));
  app.route('/', classifyByUrl(registry));
  app.route('/', embed(registry));
  app.route('/', bench(registry));
  openapi(app);

  app.notFound(notFound(allowedMethods(app)));
  return app;
}

/** path → methods, from the app's own route table (for 405 + Allow). */
function allowedMethods(app: Hono<AppEnv>): (path: string) => string[] | undefined {
  let table: Map<string, Set<string>> | undefined;
  return (path) => {
    if (!table) {
      table = new Map();
      for (const r of app.routes) {
        if (r.method === 'ALL' || r.path.includes('*') || r.path.includes(':')) continue;
        const set = table.get(r.path) ?? new Set<string>();
        set.add(r.method);
        if (r.method === 'GET') set.add('HEAD');
        set.add('OPTIONS');
        table.set(r.path, set);
      }
    }
    const methods = table.get(path);
    return methods && [...methods];
  };
}
