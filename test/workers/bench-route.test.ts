/**
 * POST /v1/bench/noop, the do-nothing route `npm run bench:request` subtracts: off (404) unless
 * BENCH_ROUTES = "1"; on, it reads the body like the image routes (under MAX_BODY_BYTES) and
 * answers only its length; it is never in the OpenAPI document.
 */
import { describe, expect, it } from 'vitest';
import { BASE, errorOf, fetchWithEnv, post } from './support.ts';

const noop = (body: Uint8Array, overrides: Record<string, string> = { BENCH_ROUTES: '1' }) =>
  fetchWithEnv(new Request(`${BASE}/v1/bench/noop`, { method: 'POST', body: body as Uint8Array<ArrayBuffer> }), overrides);

describe('POST /v1/bench/noop', () => {
  it('is off by default: 404 in the error shape', async () => {
    const res = await post('/v1/bench/noop', new Uint8Array(10));
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('not_found');
    expect((await noop(new Uint8Array(10), { BENCH_ROUTES: '0' })).status).toBe(404);
  });

  it('with BENCH_ROUTES=1 reads the whole body and answers its length', async () => {
    const res = await noop(new Uint8Array(123_457));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ bytes: 123_457 });
  });

  it('enforces MAX_BODY_BYTES like the image routes', async () => {
    const res = await noop(new Uint8Array(2001), { BENCH_ROUTES: '1', MAX_BODY_BYTES: '2000' });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('body_too_large');
  });

  it('is not in the OpenAPI document', async () => {
    const doc = (await (await fetchWithEnv(new Request(`${BASE}/openapi.json`), { BENCH_ROUTES: '1' })).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).not.toContain('/v1/bench/noop');
    expect(Object.keys(doc.paths)).toContain('/v1/classify');
  });
});
