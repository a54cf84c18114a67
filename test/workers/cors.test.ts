/** CORS from the CORS_ORIGINS allow-list. */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { allowedOrigin } from '../../worker/middleware/cors.ts';
import { BASE, fetchWithEnv, photo, preloadPhotos } from './support.ts';

await preloadPhotos(['video005_gray_150x103.jpg']);

describe('CORS', () => {
  it('CORS_ORIGINS="*" (wrangler.toml): any origin, Server-Timing exposed', async () => {
    const res = await SELF.fetch(`${BASE}/v1/models`, { headers: { Origin: 'https://app.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toContain('Server-Timing');
    expect(res.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
  });

  it('preflight answers 204 with methods and headers', async () => {
    const res = await SELF.fetch(`${BASE}/v1/classify`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')!.toLowerCase()).toContain('authorization');
  });

  it('error answers carry CORS headers too (so browsers can read the message)', async () => {
    const res = await SELF.fetch(`${BASE}/v1/classify?top_k=x`, { method: 'POST', body: 'x', headers: { Origin: 'https://app.example' } });
    expect(res.status).toBe(422);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('an allow-list echoes listed origins only, with Vary: Origin', async () => {
    const list = { CORS_ORIGINS: 'https://a.example, https://b.example' };
    const ok = await fetchWithEnv(new Request(`${BASE}/v1/models`, { headers: { Origin: 'https://b.example' } }), list);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://b.example');
    expect(ok.headers.get('vary')).toMatch(/origin/i);
    const no = await fetchWithEnv(new Request(`${BASE}/v1/models`, { headers: { Origin: 'https://evil.example' } }), list);
    expect(no.status).toBe(200);
    expect(no.headers.get('access-control-allow-origin')).toBeNull();
    const post = await fetchWithEnv(
      new Request(`${BASE}/v1/classify`, { method: 'POST', body: photo('video005_gray_150x103.jpg') as Uint8Array<ArrayBuffer>, headers: { Origin: 'https://a.example' } }),
      list,
    );
    expect(post.headers.get('access-control-allow-origin')).toBe('https://a.example');
  });

  it('no CORS_ORIGINS: no CORS headers', async () => {
    const res = await fetchWithEnv(new Request(`${BASE}/v1/models`, { headers: { Origin: 'https://a.example' } }), { CORS_ORIGINS: '' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allowedOrigin parses the list', () => {
    expect(allowedOrigin('*', 'https://x')).toBe('*');
    expect(allowedOrigin('https://x, https://y/', 'https://y')).toBe('https://y');
    expect(allowedOrigin('https://x', 'https://x.evil')).toBeNull();
    expect(allowedOrigin('https://x', '')).toBeNull();
    expect(allowedOrigin(undefined, 'https://x')).toBeNull();
  });
});
