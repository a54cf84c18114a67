/**
 * Query validation for the image routes, in the handler rather than by @hono/zod-openapi's
 * validator middleware. The middleware parses every request's query with zod's async parser
 * (safeParseAsync, then the hook, each awaited), ~30 µs of a warm 640×427 classify request in Node
 * (bench:request's "answer" stage), also when there is no query string at all, as for most
 * uploads. Here: no query string, no parse (the schemas' keys are all optional, so the parse of {}
 * is {}); otherwise the same schema on the same value, synchronously, and the same 422 as
 * app.ts's defaultHook. The OpenAPI document is unchanged: the route is registered whole.
 */
import type { OpenAPIHono, RouteConfig, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { ApiError } from '../middleware/errors.ts';

/** The 422 of a request part that fails its schema (app.ts's defaultHook and validQuery). */
export function invalidParameter(error: z.ZodError | undefined, target: string): ApiError {
  const issue = error?.issues[0];
  const name = issue?.path.join('.') ?? '';
  const message = issue?.message ?? 'invalid parameter';
  return new ApiError(422, 'invalid_parameter', `${name && !message.includes(name) ? `${name}: ` : ''}${message} (in the ${target}).`);
}

/** What the validator middleware hands zod for a query: one string per key, an array for a repeated key. */
function queryValue(c: Context): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => (v.length === 1 ? [k, v[0]] : [k, v])));
}

/**
 * `c.req.valid('query')` for a route whose query keys are all optional: `{}` when the URL has no
 * query string, else `schema` parsed as the validator middleware would.
 */
export function validQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  if (!c.req.url.includes('?')) return {} as z.output<S>;
  const result = schema.safeParse(queryValue(c));
  if (!result.success) throw invalidParameter(result.error, 'query');
  return result.data;
}

/**
 * Registers `route` in the OpenAPI document as `app.openapi` does, and returns the route to give
 * `app.openapi` for the handler: the same without `request.query`, so no validator middleware is
 * added (the handler calls validQuery) and without registering it a second time.
 */
export function withQueryInHandler<R extends RouteConfig>(app: OpenAPIHono<AppEnv>, route: R): Omit<R, 'request'> & { request: Omit<NonNullable<R['request']>, 'query'>; hide: true } {
  const { middleware: _middleware, hide: _hide, ...doc } = route;
  app.openAPIRegistry.registerPath(doc);
  const { query: _query, ...request } = route.request ?? {};
  return { ...route, request, hide: true } as never;
}
