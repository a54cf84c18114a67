import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, errorOf } from './support.ts';

describe('GET /healthz (workerd)', () => {
  it('answers ok without loading a model', async () => {
    const res = await SELF.fetch(`${BASE}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; models: string[]; loaded: unknown[]; relaxed_simd: boolean };
    expect(body.status).toBe('ok');
    expect(body.models.length).toBeGreaterThan(0);
    expect(Array.isArray(body.loaded)).toBe(true);
    expect(typeof body.relaxed_simd).toBe('boolean');
  });

  it('answers HEAD with no body', async () => {
    const res = await SELF.fetch(`${BASE}/healthz`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });
});

describe('unknown paths and methods', () => {
  it('404 in the error shape', async () => {
    const res = await SELF.fetch(`${BASE}/v1/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect((await errorOf(res)).code).toBe('not_found');
  });

  it.each([
    ['POST', '/healthz', 'GET'],
    ['DELETE', '/v1/models', 'GET'],
    ['PUT', '/v1/classify', 'POST'],
    ['DELETE', '/v1/classify', 'GET'], // GET is classify by URL
    ['PUT', '/v1/embed', 'POST'],
    ['POST', '/openapi.json', 'GET'],
    ['POST', '/', 'GET'],
  ])('%s %s → 405 with Allow', async (method, path, allowed) => {
    const res = await SELF.fetch(`${BASE}${path}`, { method });
    expect(res.status).toBe(405);
    const allow = res.headers.get('allow')!.split(/,\s*/);
    expect(allow).toContain(allowed);
    const err = await errorOf(res);
    expect(err.code).toBe('method_not_allowed');
    expect(err.message).toContain(allowed);
  });
});
