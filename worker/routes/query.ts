/**
 * The routes' query parameters, read and checked here rather than by the OpenAPI document's zod
 * schemas (schemas.ts ImageQuerySchema, ClassifyUrlQuerySchema, EmbedQuerySchema), so that the
 * Worker bundles no zod: the schemas only describe the routes in the OpenAPI document, which
 * `npm run build` generates (tools/build/openapi.ts). Evaluating them was ~30 ms of an isolate's
 * start-up CPU (docs/benchmarks/request.md, "Start-up by part").
 *
 * The answers are the schemas' own, as @hono/zod-openapi's query validator gave them: each key
 * once (a repeated key is an array, which is refused), the parameters checked in the schema's
 * order and the first failure answered 422 invalid_parameter with zod's message, unknown keys
 * dropped. test/node/query.test.ts holds this to the schemas, input by input.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { ApiError } from '../middleware/errors.ts';

export interface QueryParam {
  name: string;
  /** Digits only (an integer >= 0), as `digits()` in schemas.ts. */
  digits?: boolean;
  /** Required and non-empty (`z.string().min(1)`); otherwise optional. */
  required?: boolean;
}

/** POST /v1/classify (ImageQuerySchema). */
export const IMAGE_QUERY: readonly QueryParam[] = [{ name: 'top_k', digits: true }, { name: 'model' }];
/** GET /v1/classify (ClassifyUrlQuerySchema: ImageQuerySchema extended). */
export const CLASSIFY_URL_QUERY: readonly QueryParam[] = [...IMAGE_QUERY, { name: 'url', required: true }];
/** POST /v1/embed (EmbedQuerySchema: the model only). */
export const EMBED_QUERY: readonly QueryParam[] = [{ name: 'model' }];

/** The 422 of a bad parameter: `<name>: <message> (in the query).`, the name left out when the message names it. */
export function invalidParameter(name: string, message: string, target = 'query'): ApiError {
  return new ApiError(422, 'invalid_parameter', `${name && !message.includes(name) ? `${name}: ` : ''}${message} (in the ${target}).`);
}

/**
 * The parameters of `params` from `queries` (every value of every key, as Hono's
 * `c.req.queries()`), checked; throws the 422 of the first bad one.
 */
export function checkQuery(queries: Record<string, string[]>, params: readonly QueryParam[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of params) {
    const values = Object.hasOwn(queries, p.name) ? queries[p.name] : undefined;
    if (values === undefined || values.length === 0) {
      if (p.required) throw invalidParameter(p.name, 'Invalid input: expected string, received undefined');
      continue;
    }
    if (values.length > 1) throw invalidParameter(p.name, 'Invalid input: expected string, received array');
    const v = values[0];
    if (p.digits && !/^[0-9]+$/.test(v)) throw invalidParameter(p.name, `${p.name} must be an integer >= 0`);
    if (p.required && v.length < 1) throw invalidParameter(p.name, 'Too small: expected string to have >=1 characters');
    out[p.name] = v;
  }
  return out;
}

export const imageQuery = (c: Context<AppEnv>): { top_k?: string; model?: string } => checkQuery(c.req.queries(), IMAGE_QUERY);
export const classifyUrlQuery = (c: Context<AppEnv>) => checkQuery(c.req.queries(), CLASSIFY_URL_QUERY) as { top_k?: string; model?: string; url: string };
export const embedQuery = (c: Context<AppEnv>): { model?: string } => checkQuery(c.req.queries(), EMBED_QUERY);
