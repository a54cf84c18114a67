/**
 * The bench-only routes (routes/bench.ts): off (404) unless BENCH_ROUTES = "1", never in the
 * OpenAPI document. POST /v1/bench/noop, the do-nothing route `npm run bench:request` subtracts,
 * reads the body like the image routes (under MAX_BODY_BYTES) and answers only its length.
 * POST /v1/bench/stages runs the classify pipeline up to a stage, `repeat` times.
 */
import { describe, expect, it } from 'vitest';
import { BASE, classifyBytes, errorOf, fetchWithEnv, photo, post, preloadPhotos } from './support.ts';

const IMAGE = 'grace_hopper_512x600.jpg';
await preloadPhotos([IMAGE]);

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
    expect(Object.keys(doc.paths)).not.toContain('/v1/bench/stages');
    expect(Object.keys(doc.paths)).toContain('/v1/classify');
  });
});

describe('POST /v1/bench/stages', () => {
  const stages = (until: string, extra = '', overrides: Record<string, string> = { BENCH_ROUTES: '1' }) =>
    fetchWithEnv(new Request(`${BASE}/v1/bench/stages?until=${until}${extra}`, { method: 'POST', body: photo(IMAGE) as Uint8Array<ArrayBuffer> }), overrides);
  type Stages = { until: string; repeat: number; check: number; answer: { predictions: unknown[]; domain?: unknown } | null };

  it('is off by default: 404', async () => {
    expect((await post('/v1/bench/stages?until=decode', photo(IMAGE) as Uint8Array<ArrayBuffer>)).status).toBe(404);
  });

  it('until=answer builds the predictions /v1/classify answers for the same image', async () => {
    const classify = (await (await classifyBytes(photo(IMAGE), '?top_k=5')).json()) as { predictions: unknown[] };
    const res = await stages('answer', '&repeat=2');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Stages;
    expect(body.answer!.predictions).toEqual(classify.predictions);
  });

  it('runs the stages `repeat` times: the check sums grow with it', async () => {
    for (const until of ['decode', 'resize', 'infer']) {
      const once = ((await (await stages(until)).json()) as Stages).check;
      const thrice = ((await (await stages(until, '&repeat=3')).json()) as Stages).check;
      expect(once, until).not.toBe(0);
      expect(thrice, until).toBeCloseTo(3 * once, 4);
    }
  });

  it('refuses an unknown stage or repeat count with 422', async () => {
    expect((await stages('everything')).status).toBe(422);
    expect((await stages('decode', '&repeat=0')).status).toBe(422);
    expect((await stages('decode', '&repeat=1000')).status).toBe(422);
  });
});
