/**
 * The OpenAPI document and the app describe the same API. Since the Worker bundles no zod
 * (startup-imports.test.ts), the routes are plain Hono (worker/app.ts and routes/*.ts) and the
 * document is built from separate zod descriptions (routes/openapi-doc.ts) by `npm run build`:
 * two places that could drift. This holds them together: every route the app answers (but the
 * bench routes, off unless BENCH_ROUTES=1 and not part of the API, and /openapi.json) is in the document with the
 * same method and path, nothing else is, and each documented query parameter list is the one
 * its route reads (routes/query.ts).
 */
import { describe, expect, it } from 'vitest';
import { nodeApp } from '../../tools/lib/node-app.ts';
import { openApiDocument } from '../../worker/routes/openapi-doc.ts';
import { CLASSIFY_URL_QUERY, EMBED_QUERY, IMAGE_QUERY, type QueryParam } from '../../worker/routes/query.ts';

type Operation = { parameters?: Array<{ name: string; in: string; required?: boolean }> };

/** The query parameters each documented operation's route reads, as `<METHOD> <path>`. */
const READS: Record<string, readonly QueryParam[]> = {
  'POST /v1/classify': IMAGE_QUERY,
  'GET /v1/classify': CLASSIFY_URL_QUERY,
  'POST /v1/embed': EMBED_QUERY,
};

function documented(): Map<string, Operation> {
  const doc = openApiDocument('https://ghostnet-edge.invalid') as unknown as { paths: Record<string, Record<string, Operation>> };
  const ops = new Map<string, Operation>();
  for (const [path, byMethod] of Object.entries(doc.paths)) {
    // OpenAPI writes path parameters as {name}, Hono as :name.
    const honoPath = path.replace(/\{([^}]+)\}/g, ':$1');
    for (const [method, op] of Object.entries(byMethod)) ops.set(`${method.toUpperCase()} ${honoPath}`, op);
  }
  return ops;
}

describe('the OpenAPI document and the app', () => {
  it('document exactly the routes the app answers (method and path)', async () => {
    const { app } = await nodeApp([{ name: 'fashion-mnist', path: 'models/fashion-mnist/ghostnetv2_fmnist.int8.gnv2', default: true }], 'build/engine.simd128.wasm');
    const answered = new Set<string>();
    for (const r of app.routes) {
      // middleware, the bench routes, and the document itself (it never described itself, as with @hono/zod-openapi's doc31)
      if (r.method === 'ALL' || r.path.includes('*') || r.path.startsWith('/v1/bench/') || r.path === '/openapi.json') continue;
      answered.add(`${r.method} ${r.path}`);
    }
    expect(answered.size).toBeGreaterThan(5);
    expect([...answered].sort()).toEqual([...documented().keys()].sort());
  });

  it('document the query parameters each route reads, with the same required flags', () => {
    const ops = documented();
    for (const [key, op] of ops) {
      const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => `${p.name}${p.required ? '!' : ''}`);
      const reads = (READS[key] ?? []).map((p) => `${p.name}${p.required ? '!' : ''}`);
      expect(query.sort(), key).toEqual(reads.sort());
    }
  });
});
