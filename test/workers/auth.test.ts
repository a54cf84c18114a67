/**
 * API_KEY: configured per test by calling the same worker module with the secret added to env
 * (the default test bindings, from wrangler.toml, have no API_KEY, so every other test runs open).
 */
import { describe, expect, it } from 'vitest';
import { secretsEqual } from '../../worker/middleware/auth.ts';
import { BASE, errorOf, fetchWithEnv, photo, preloadPhotos } from './support.ts';

await preloadPhotos(['video005_gray_150x103.jpg']);

const KEY = 'k3y-with-enough-entropy-0123456789';
const withKey = (path: string, init: RequestInit = {}) => fetchWithEnv(new Request(`${BASE}${path}`, init), { API_KEY: KEY });
const classify = (headers: Record<string, string>) =>
  withKey('/v1/classify', { method: 'POST', body: photo('video005_gray_150x103.jpg') as Uint8Array<ArrayBuffer>, headers });

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
    ['other scheme', `Basic ${btoa(`user:${KEY}`)}`],
    ['empty bearer', 'Bearer '],
  ])('%s → 401', async (_, authorization) => {
    const res = await classify({ Authorization: authorization });
    expect(res.status).toBe(401);
  });

  it('right token → 200 (scheme is case-insensitive)', async () => {
    expect((await classify({ Authorization: `Bearer ${KEY}` })).status).toBe(200);
    expect((await classify({ Authorization: `bearer ${KEY}` })).status).toBe(200);
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

  it('secretsEqual compares digests', async () => {
    expect(await secretsEqual('abc', 'abc')).toBe(true);
    expect(await secretsEqual('abc', 'abd')).toBe(false);
    expect(await secretsEqual('abc', 'abcd')).toBe(false);
    expect(await secretsEqual('', 'a')).toBe(false);
  });
});
