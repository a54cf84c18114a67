/**
 * API_KEY: configured per test by calling the same worker module with the secret added to env
 * (the default test bindings, from wrangler.toml, have no API_KEY, so every other test runs open).
 */
import { describe, expect, it } from 'vitest';
import { BASE, errorOf, fetchWithEnv, photo, preloadPhotos } from './support.ts';

await preloadPhotos(['video005_gray_150x103.jpg']);

const KEY = 'k3y-with-enough-entropy-0123456789';
const withKey = (path: string, init: RequestInit = {}) => fetchWithEnv(new Request(`${BASE}${path}`, init), { API_KEY: KEY });
const classify = (headers: Record<string, string>) => withKey('/v1/classify', { method: 'POST', body: photo('video005_gray_150x103.jpg') as Uint8Array<ArrayBuffer>, headers });

describe('API_KEY bearer auth', () => {
  it('no token → 401 with WWW-Authenticate, in the error shape', async () => {
    const res = await classify({});
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await errorOf(res)).code).toBe('unauthorized');
  });

  it.each([
    ['wrong token', `Bearer wrong`],
    ['token with a suffix', `Bearer ${KEY}x`],
    ['token prefix', `Bearer ${KEY.slice(0, -1)}`],
    ['token in another case', `Bearer ${KEY.toUpperCase()}`],
  ])('%s → 401 invalid_token', async (_, authorization) => {
    const res = await classify({ Authorization: authorization });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    expect(await errorOf(res)).toMatchObject({ code: 'unauthorized', message: 'The API key is not valid.' });
  });

  // What the header may look like is Hono's bearerAuth (RFC 9110 / RFC 6750), documented in docs/API.md.
  it.each([
    ['another scheme', `Basic ${btoa(`user:${KEY}`)}`],
    ['the scheme alone', 'Bearer'],
    ['a tab as separator', `Bearer\t${KEY}`],
    ['no separator', `Bearer${KEY}`],
    ['a token with a character outside token68', `Bearer ${KEY}!`],
    ['two tokens', `Bearer ${KEY} ${KEY}`],
  ])('malformed header, %s → 400 invalid_authorization', async (_, authorization) => {
    const res = await classify({ Authorization: authorization });
    expect(res.status).toBe(400);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_request"/);
    const err = await errorOf(res);
    expect(err.code).toBe('invalid_authorization');
    expect(err.message).not.toContain(KEY); // nothing of what was sent comes back
  });

  it.each([
    ['Bearer', `Bearer ${KEY}`],
    ['lowercase scheme (schemes are case-insensitive)', `bearer ${KEY}`],
    ['uppercase scheme', `BEARER ${KEY}`],
    ['several spaces before the token', `Bearer   ${KEY}`],
    ['trailing spaces (HTTP strips them from the value)', `Bearer ${KEY}   `],
  ])('right token, %s → 200', async (_, authorization) => {
    expect((await classify({ Authorization: authorization })).status).toBe(200);
  });

  it('an API_KEY no client could send (not token68) is a clear 500 misconfigured', async () => {
    const res = await fetchWithEnv(new Request(`${BASE}/v1/models`, { headers: { Authorization: 'Bearer a b' } }), { API_KEY: 'a b' });
    expect(res.status).toBe(500);
    expect((await errorOf(res)).code).toBe('misconfigured');
  });

  it('guards every /v1 route, but not health, docs or the demo page', async () => {
    expect((await withKey('/v1/models')).status).toBe(401);
    expect((await withKey('/v1/embed', { method: 'POST', body: 'x' })).status).toBe(401);
    expect((await withKey('/v1/models', { headers: { Authorization: `Bearer ${KEY}` } })).status).toBe(200);
    expect((await withKey('/healthz')).status).toBe(200);
    expect((await withKey('/openapi.json')).status).toBe(200);
    expect((await withKey('/')).status).toBe(200);
  });

  it('is checked before the body is read (no 413 for the unauthenticated)', async () => {
    const res = await withKey('/v1/classify', { method: 'POST', body: new Uint8Array(12 * 1024 * 1024) });
    expect(res.status).toBe(401);
  });

  it('without API_KEY everything is open', async () => {
    const res = await fetchWithEnv(new Request(`${BASE}/v1/models`), { API_KEY: '' });
    expect(res.status).toBe(200);
  });
});
