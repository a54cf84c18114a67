/**
 * routes/query.ts reads the routes' query parameters by hand so that no request needs zod; this
 * holds it to the zod query schemas the OpenAPI document is generated from (routes/schemas.ts),
 * input by input: the schema parsed as @hono/zod-openapi's query validator parsed it (each key's
 * values, one value as a string, more as an array) and its first issue formatted as the app's
 * validation hook formatted it, against checkQuery on the same values.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CLASSIFY_URL_QUERY, checkQuery, EMBED_QUERY, IMAGE_QUERY, type QueryParam } from '../../worker/routes/query.ts';
import { ClassifyUrlQuerySchema, EmbedQuerySchema, ImageQuerySchema } from '../../worker/routes/schemas.ts';

type Outcome = { data: Record<string, string> } | { status: number; message: string };

/** What the zod schema answered, through the validator and the app's hook (app.ts before the change). */
function bySchema(schema: z.ZodType, queries: Record<string, string[]>): Outcome {
  const value = Object.fromEntries(Object.entries(queries).map(([k, v]) => (v.length === 1 ? [k, v[0]] : [k, v])));
  const r = schema.safeParse(value);
  if (r.success) return { data: r.data as Record<string, string> };
  const issue = r.error.issues[0];
  const name = issue?.path.join('.') ?? '';
  const message = issue?.message ?? 'invalid parameter';
  return { status: 422, message: `${name && !message.includes(name) ? `${name}: ` : ''}${message} (in the query).` };
}

function byHand(params: readonly QueryParam[], queries: Record<string, string[]>): Outcome {
  try {
    return { data: checkQuery(queries, params) };
  } catch (e) {
    const err = e as { status: number; code: string; message: string };
    expect(err.code).toBe('invalid_parameter');
    return { status: err.status, message: err.message };
  }
}

/** Every combination of these values for the keys (absent, one value, repeated) plus an unknown key. */
function queriesOf(keys: string[]): Array<Record<string, string[]>> {
  const values: Array<string[] | undefined> = [undefined, [''], ['5'], ['0'], ['007'], ['abc'], ['-1'], ['1.5'], ['1e3'], [' 5'], ['٣'], ['1', '2'], ['', ''], ['x']];
  let out: Array<Record<string, string[]>> = [{}];
  for (const k of keys) {
    out = out.flatMap((q) => values.map((v) => (v === undefined ? q : { ...q, [k]: v })));
  }
  return [...out, ...out.slice(0, 50).map((q) => ({ ...q, foo: ['1'], bar: [''] })), { __proto__: ['1'] } as Record<string, string[]>, { constructor: ['1'], toString: ['x'] }];
}

describe('routes/query.ts agrees with the zod query schemas', () => {
  it.each([
    ['POST /v1/classify', ImageQuerySchema, IMAGE_QUERY, ['top_k', 'model']],
    ['GET /v1/classify', ClassifyUrlQuerySchema, CLASSIFY_URL_QUERY, ['top_k', 'model', 'url']],
    ['POST /v1/embed', EmbedQuerySchema, EMBED_QUERY, ['model', 'top_k']],
  ] as const)('%s: the same data or the same 422 message for every query', (_, schema, params, keys) => {
    const queries = queriesOf([...keys]);
    let refused = 0;
    for (const q of queries) {
      const want = bySchema(schema as unknown as z.ZodType, q);
      expect(byHand(params, q), JSON.stringify(q)).toEqual(want);
      if ('status' in want) refused++;
    }
    // Both kinds of outcome were exercised, and plenty of each.
    expect(refused).toBeGreaterThan(5);
    expect(queries.length - refused).toBeGreaterThan(10);
  });
});
