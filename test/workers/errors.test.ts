/**
 * The error protocol (middleware/errors.ts), request ids (middleware/request-id.ts) and the cap on
 * echoed input (worker/quote.ts), through the real app.
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, isHttpError, onError } from '../../worker/middleware/errors.ts';
import { requestId } from '../../worker/middleware/request-id.ts';
import { BASE, errorOf, fetchWithEnv, photo, post, preloadPhotos } from './support.ts';

await preloadPhotos(['video005_gray_150x103.jpg']);

const get = (path: string, headers: Record<string, string> = {}) => fetchWithEnv(new Request(`${BASE}${path}`, { headers }), {});
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('every answer carries X-Request-Id; error bodies carry the same id', async () => {
    const answers = await Promise.all([
      get('/healthz'),
      get('/nope'),
      fetchWithEnv(new Request(`${BASE}/v1/classify`, { method: 'DELETE' }), {}),
      fetchWithEnv(new Request(`${BASE}/v1/classify`, { method: 'OPTIONS', headers: { Origin: 'https://a.example', 'Access-Control-Request-Method': 'POST' } }), {}),
      post('/v1/classify', photo('video005_gray_150x103.jpg') as Uint8Array<ArrayBuffer>),
      post('/v1/classify', new Uint8Array([1, 2, 3])),
    ]);
    const ids = answers.map((r) => r.headers.get('x-request-id'));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [i, res] of answers.entries()) {
      if (res.status >= 400) expect(((await res.json()) as { error: { request_id: string } }).error.request_id).toBe(ids[i]);
    }
  });

  it('is the cf-ray when Cloudflare sent one; a client-sent X-Request-Id is not taken', async () => {
    const res = await get('/nope', { 'cf-ray': '8f3a2b1c0d4e5f60-SJC', 'X-Request-Id': 'mine' });
    expect(res.headers.get('x-request-id')).toBe('8f3a2b1c0d4e5f60-SJC');
    expect(((await res.json()) as { error: { request_id: string } }).error.request_id).toBe('8f3a2b1c0d4e5f60-SJC');
    expect((await get('/healthz', { 'cf-ray': 'not a ray; <script>' })).headers.get('x-request-id')).toMatch(UUID);
  });
});

describe('echoed input is capped at ~100 characters', () => {
  const long = 'm'.repeat(100_000);

  it('a 100,000-character model → 422 of a few hundred bytes', async () => {
    const res = await post('/v1/classify', JSON.stringify({ image: [1, 2], model: long }), { 'Content-Type': 'application/json' });
    expect(res.status).toBe(422);
    const text = await res.text();
    expect(text.length).toBeLessThan(500);
    expect(text).toContain('(100002 characters)');
  });

  it('the same in the query, in a 100,000-character path, a multipart filename, JSON field names, top_k', async () => {
    const answers = [
      await post(`/v1/classify?model=${long}`, photo('video005_gray_150x103.jpg') as Uint8Array<ArrayBuffer>),
      await get(`/${long}`),
      await post('/v1/classify', JSON.stringify({ image: [1], [long]: 1, [`${long}2`]: 2 }), { 'Content-Type': 'application/json' }),
      await post(`/v1/classify?top_k=${long}`, photo('video005_gray_150x103.jpg') as Uint8Array<ArrayBuffer>),
      await post(`/v1/classify?top_k=1`, JSON.stringify({ image: [1], top_k: long }), { 'Content-Type': 'application/json' }),
    ];
    const form = new FormData();
    form.append('image', new File([new Uint8Array([1, 2, 3])], `${long}.gif`));
    answers.push(await post('/v1/classify', form));
    for (const res of answers) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      const err = await errorOf(res);
      expect(err.message.length, err.message.slice(0, 80)).toBeLessThan(400);
    }
  });
});

describe('errors answer by protocol (status + code), whatever their class', () => {
  const app = new Hono();
  app.use('*', requestId());
  app.onError(onError);
  class TeapotError extends Error {
    readonly status = 418;
    readonly code = 'teapot';
    readonly headers = { 'X-Brew': 'no' };
  }
  app.get('/teapot', () => {
    throw new TeapotError('I am a teapot.');
  });
  app.get('/api', () => {
    throw new ApiError(422, 'invalid_parameter', 'bad');
  });
  app.get('/hono', () => {
    throw new HTTPException(401, { message: 'nope', res: new Response('nope', { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } }) });
  });
  app.get('/bug', () => {
    throw new TypeError('secret internals at /srv/x.ts:12');
  });

  it('isHttpError is the protocol', () => {
    expect(isHttpError(new TeapotError('x'))).toBe(true);
    expect(isHttpError(new ApiError(400, 'invalid_json', 'x'))).toBe(true);
    expect(isHttpError(new Error('x'))).toBe(false);
    expect(isHttpError({ status: 400, code: 'x', message: 'not an Error' })).toBe(false);
  });

  it('any error carrying status and code answers as itself, with its headers', async () => {
    const res = await app.request('/teapot');
    expect(res.status).toBe(418);
    expect(res.headers.get('x-brew')).toBe('no');
    expect(await res.json()).toEqual({ error: { code: 'teapot', message: 'I am a teapot.', request_id: res.headers.get('x-request-id') } });
    expect((await app.request('/api')).status).toBe(422);
  });

  it("Hono's HTTPException keeps its status and headers", async () => {
    const res = await app.request('/hono');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  });

  it('anything else is a 500 that leaks nothing, logged once with its stack and request id', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const res = await app.request('/bug');
      expect(res.status).toBe(500);
      const body = (await res.json()) as { error: { code: string; message: string; request_id: string } };
      expect(body.error.code).toBe('internal_error');
      expect(body.error.message).not.toContain('secret');
      expect(error).toHaveBeenCalledTimes(1);
      const logged = JSON.parse(String(error.mock.calls[0][0])) as Record<string, string>;
      expect(logged).toMatchObject({ level: 'error', request_id: body.error.request_id, path: '/bug' });
      expect(logged.cause).toContain('TypeError: secret internals');
    } finally {
      error.mockRestore();
    }
  });
});
