/** GET /openapi.json: OpenAPI 3.1 generated from the route schemas. */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE } from './support.ts';

type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<
    string,
    Record<
      string,
      { parameters?: Array<{ name: string; in: string; required?: boolean }>; requestBody?: { content: Record<string, unknown> }; responses: Record<string, unknown>; security?: unknown[] }
    >
  >;
  components: { schemas: Record<string, unknown>; securitySchemes?: Record<string, { type: string; scheme: string }> };
};

async function doc(): Promise<Doc> {
  const res = await SELF.fetch(`${BASE}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  return JSON.parse(await res.text());
}

/** Every $ref points at something that exists. */
function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refs(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe('GET /openapi.json', () => {
  it('is OpenAPI 3.1 with every route', async () => {
    const d = await doc();
    expect(d.openapi).toMatch(/^3\.1\.\d+$/);
    expect(d.info.title).toBe('ghostnet-edge');
    expect(Object.keys(d.paths).sort()).toEqual(['/', '/demo/samples.json', '/healthz', '/v1/classify', '/v1/embed', '/v1/models']);
    expect(Object.keys(d.paths['/v1/classify']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(d.paths['/v1/models'])).toEqual(['get']);
  });

  it('documents classify: query parameters, every body form, every error status', async () => {
    const op = (await doc()).paths['/v1/classify'].post;
    expect(op.parameters!.map((p) => `${p.in}:${p.name}`).sort()).toEqual(['query:model', 'query:top_k']);
    expect(Object.keys(op.requestBody!.content).sort()).toEqual(['application/json', 'application/octet-stream', 'image/jpeg', 'image/png', 'image/webp', 'multipart/form-data'].sort());
    expect(Object.keys(op.responses).sort()).toEqual(['200', '400', '401', '403', '408', '413', '415', '422', '502', '503', '504']);
    expect(op.security).toEqual([{}, { bearer: [] }]);
  });

  it('documents classify by URL: the url parameter (required), the origin errors, X-Cache and Cache-Control', async () => {
    const d = await doc();
    const op = d.paths['/v1/classify'].get;
    expect(op.parameters!.map((p) => `${p.in}:${p.name}:${p.required === true}`).sort()).toEqual(['query:model:false', 'query:top_k:false', 'query:url:true']);
    expect(op.requestBody).toBeUndefined();
    expect(Object.keys(op.responses).sort()).toEqual(['200', '400', '401', '403', '413', '415', '422', '502', '503', '504']);
    const ok = op.responses['200'] as unknown as { headers: Record<string, unknown> };
    expect(Object.keys(ok.headers).sort()).toEqual(['Cache-Control', 'Server-Timing', 'X-Cache']);
    const answer = d.components.schemas.ClassifyResponse as { properties: Record<string, unknown>; required: string[] };
    expect(answer.required).toContain('cache');
    expect(d.components.schemas.CacheStatus).toMatchObject({ enum: ['hit', 'miss', 'bypass', 'off'] });
    const body = d.components.schemas.JsonImageBody as { properties: Record<string, unknown>; required?: string[] };
    expect(Object.keys(body.properties)).toContain('url');
    expect(body.required ?? []).not.toContain('image');
  });

  it('every $ref resolves; shared schemas are components', async () => {
    const d = await doc();
    for (const r of refs(d)) {
      const name = r.replace('#/components/schemas/', '');
      expect(d.components.schemas, r).toHaveProperty(name);
    }
    for (const name of ['Error', 'Prediction', 'Timing', 'CacheStatus', 'ClassifyResponse', 'ClassifyBatchResponse', 'EmbedResponse', 'ModelsResponse', 'JsonImageBody', 'MultipartImageBody']) {
      expect(d.components.schemas).toHaveProperty(name);
    }
    expect(d.components.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
