import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import bundled from '../../models/manifest.json';
import fixtures from '../fixtures/models/manifest.json';
import { registry } from '../../worker/index.ts';
import { BASE, classifyBytes, errorOf } from './support.ts';

interface Health {
  status: string;
  models: string[];
  loaded: Array<{ name: string; build: string; memoryBytes: number }>;
  relaxed_simd: boolean;
}

async function health(): Promise<Health> {
  const res = await SELF.fetch(`${BASE}/healthz`);
  expect(res.status).toBe(200);
  return (await res.json()) as Health;
}

/** A 1x1 white PNG (Pillow-written): enough to make the registry load a model. */
const PIXEL_PNG = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC'), (c) => c.charCodeAt(0));

describe('GET /healthz (workerd)', () => {
  it('lists every bundled model (the manifests: models/ and, in the tests, test/fixtures/models/)', async () => {
    const body = await health();
    expect(body.status).toBe('ok');
    expect([...body.models].sort()).toEqual([...bundled.models, ...fixtures.models].map((m) => m.name).sort());
    // workerd implements relaxed SIMD (test/workers/relaxed-engine.test.ts runs the relaxed build here).
    expect(body.relaxed_simd).toBe(true);
  });

  it('lists a model as loaded once a request has used it, with its build and WASM memory', async () => {
    const res = await classifyBytes(PIXEL_PNG, '?model=tiny-synthetic');
    expect(res.status, await res.clone().text()).toBe(200);
    const { loaded, models } = await health();
    for (const l of loaded) expect(models).toContain(l.name);
    const tiny = loaded.find((l) => l.name === 'tiny-synthetic');
    expect(tiny, JSON.stringify(loaded)).toBeDefined();
    expect(tiny!.build).toBe(registry.build(env.ENGINE)); // wrangler.toml: ENGINE = "auto": relaxed on AVX-VNNI, else simd128
    expect(tiny!.memoryBytes).toBeGreaterThan(0);
    expect(tiny!.memoryBytes % 65536).toBe(0); // whole WASM pages
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
