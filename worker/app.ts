/** The Hono app: middleware and routes wired together, nothing else. */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './env.ts';
import { auth } from './middleware/auth.ts';
import { drainUnreadBody } from './middleware/body.ts';
import { cors } from './middleware/cors.ts';
import { ApiError, notFound, onError } from './middleware/errors.ts';
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

export function createApp(registry: ModelRegistry): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // Query validation failures (e.g. top_k=abc) answer 422 in the common error shape.
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const name = issue?.path.join('.') ?? '';
        const message = issue?.message ?? 'invalid parameter';
        throw new ApiError(422, 'invalid_parameter', `${name && !message.includes(name) ? `${name}: ` : ''}${message} (in the ${result.target}).`);
      }
    },
  });
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
function allowedMethods(app: OpenAPIHono<AppEnv>): (path: string) => string[] | undefined {
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
