/**
 * GET /v1/classify?url= (and POST {"url"}) against a real HTTP origin on 127.0.0.1
 * (test/helpers/image-origin.ts, started by image-origin.setup.ts), fetched by workerd's own
 * fetch: the allow-list, redirects, the origin's failures, the limits while streaming, the
 * timeout, and Cache-Control following the origin. The result cache is off here (vitest.config.ts)
 * unless a test turns it on; result-cache.test.ts tests the cache.
 */
import { describe, expect, inject, it } from 'vitest';
import { BASE, classifyBytes, errorOf, fetchWithEnv, photo, preloadPhotos } from './support.ts';

const PORT = inject('imageOriginPort');
const ORIGIN = `http://127.0.0.1:${PORT}`;
const ALLOW = { IMAGE_ORIGINS: `127.0.0.1:${PORT}` };
const FLOWER = 'flower_640x427.jpg';
await preloadPhotos([FLOWER, 'chelsea_cat_451x300.png', 'plush_gophers_lossless_600x400.webp']);

const query = (url: string, extra = '') => `/v1/classify?url=${encodeURIComponent(url)}${extra}`;
const get = (url: string, env: Record<string, string> = ALLOW, extra = '', headers: Record<string, string> = {}) => fetchWithEnv(new Request(`${BASE}${query(url, extra)}`, { headers }), env);
const stats = async (path: string) => (await (await fetch(`${ORIGIN}/__stats?path=${encodeURIComponent(path)}`)).json()) as { requests: number; bytes: number; aborted: number };

interface Answer {
  model: { name: string };
  predictions: Array<{ label: string; index: number; score: number }>;
  timing: Record<string, number>;
  cache: string;
}

/** The error code of a refused request; its status must be `status`, and nothing of the origin may show. */
async function refused(res: Response, status: number): Promise<string> {
  const text = await res.clone().text();
  expect(res.status, text).toBe(status);
  expect(text).not.toContain('origin-secret');
  expect(text).not.toContain('secret-etag');
  for (const [k, v] of res.headers) {
    expect(k).not.toBe('x-origin-secret');
    expect(v).not.toContain('origin-secret');
    expect(k).not.toBe('etag');
  }
  return (await errorOf(res)).code;
}

describe('classify by URL: switched on by IMAGE_ORIGINS', () => {
  it("off when IMAGE_ORIGINS is empty (wrangler.toml's default, checked in bundle.test.ts): 403 url_fetch_disabled, before any fetch", async () => {
    const res = await get(`${ORIGIN}/img/${FLOWER}?n=off`, { IMAGE_ORIGINS: ' , ' });
    expect(await refused(res, 403)).toBe('url_fetch_disabled');
    expect((await stats(`/img/${FLOWER}?n=off`)).requests).toBe(0);
  });

  it('an allowed origin: 200, the same predictions as uploading the same bytes', async () => {
    for (const name of [FLOWER, 'chelsea_cat_451x300.png', 'plush_gophers_lossless_600x400.webp']) {
      const res = await get(`${ORIGIN}/img/${name}`, ALLOW, '&top_k=0');
      expect(res.status, await res.clone().text()).toBe(200);
      const byUrl = (await res.json()) as Answer;
      const upload = (await (await classifyBytes(photo(name), '?top_k=0')).json()) as Answer;
      expect(byUrl.predictions, name).toEqual(upload.predictions);
      expect(byUrl.model).toEqual(upload.model);
      expect(byUrl.cache).toBe('off');
      expect(byUrl.timing.fetch_ms).toBeGreaterThanOrEqual(0);
      expect(res.headers.get('server-timing')).toMatch(/fetch;dur=[\d.]+/);
      const t = byUrl.timing as unknown as Record<string, number>;
      expect(res.headers.get('server-timing')).toBe(`decode;dur=${t.decode_ms}, preprocess;dur=${t.preprocess_ms}, inference;dur=${t.inference_ms}, fetch;dur=${t.fetch_ms}, cache;desc="off";dur=0`);
    }
  });

  it('POST {"url"} answers as GET; top_k and model apply; "image" with "url", or url on /v1/embed, is a 422', async () => {
    const url = `${ORIGIN}/img/${FLOWER}`;
    const viaGet = (await (await get(url, ALLOW, '&top_k=3&model=tiny-synthetic')).json()) as Answer;
    const post = (body: unknown, path = '/v1/classify') =>
      fetchWithEnv(new Request(`${BASE}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }), ALLOW);
    const res = await post({ url, top_k: 3, model: 'tiny-synthetic' });
    expect(res.status).toBe(200);
    const viaPost = (await res.json()) as Answer;
    expect(viaPost.predictions).toEqual(viaGet.predictions);
    expect(viaPost.predictions).toHaveLength(3);
    expect(viaPost.model.name).toBe('tiny-synthetic');
    expect(await refused(await post({ url, image: 'AAAA' }), 422)).toBe('invalid_parameter');
    expect(await refused(await post({ url: 42 }), 422)).toBe('invalid_parameter');
    expect(await refused(await post({ url }, '/v1/embed'), 422)).toBe('invalid_parameter');
  });

  it('the model is resolved before the fetch: an unknown model is a 422 and the origin sees nothing', async () => {
    const res = await get(`${ORIGIN}/img/${FLOWER}?n=unknown-model`, ALLOW, '&model=nope');
    expect(await refused(res, 422)).toBe('unknown_model');
    expect((await stats(`/img/${FLOWER}?n=unknown-model`)).requests).toBe(0);
  });
});

describe('the allow-list', () => {
  it.each([
    ['another host', `http://localhost:${PORT}/img/${FLOWER}`, ALLOW],
    ['another port of an allowed host', `http://127.0.0.1:1/img/${FLOWER}`, ALLOW],
    ['a host-only entry allows the default port only', `${ORIGIN}/img/${FLOWER}`, { IMAGE_ORIGINS: '127.0.0.1' }],
    ['a similar-looking host', `http://127.0.0.10:${PORT}/img/${FLOWER}`, ALLOW],
  ])('%s → 403 origin_not_allowed', async (_, url, env) => {
    expect(await refused(await get(url, env), 403)).toBe('origin_not_allowed');
  });

  it('several entries, spaces and case: any listed one is allowed', async () => {
    const res = await get(`${ORIGIN}/img/${FLOWER}`, { IMAGE_ORIGINS: ` images.example.com , LOCALHOST:8080,127.0.0.1:${PORT} ` });
    expect(res.status).toBe(200);
  });

  it('a malformed entry is a configuration error (500 misconfigured), not ignored', async () => {
    expect(await refused(await get(`${ORIGIN}/img/${FLOWER}`, { IMAGE_ORIGINS: `https://127.0.0.1:${PORT}/` }), 500)).toBe('misconfigured');
  });

  it.each([
    ['not a URL', 'flower.jpg'],
    ['a relative URL', `/img/${FLOWER}`],
    ['ftp', `ftp://127.0.0.1:${PORT}/img/${FLOWER}`],
    ['data:', 'data:image/png;base64,iVBORw0KGgo='],
    ['javascript:', 'javascript:alert(1)'],
    ['file:', 'file:///etc/passwd'],
    ['credentials', `http://user:pw@127.0.0.1:${PORT}/img/${FLOWER}`],
    ['too long', `${ORIGIN}/img/${'a'.repeat(5000)}.jpg`],
  ])('%s → 422 invalid_url', async (_, url) => {
    expect(await refused(await get(url), 422)).toBe('invalid_url');
  });

  it('no url → 422 invalid_parameter', async () => {
    const res = await fetchWithEnv(new Request(`${BASE}/v1/classify?top_k=3`), ALLOW);
    expect(await refused(res, 422)).toBe('invalid_parameter');
  });
});

describe('redirects', () => {
  it('followed within the allow-list, up to 3', async () => {
    const direct = (await (await get(`${ORIGIN}/img/${FLOWER}`)).json()) as Answer;
    for (const hops of [1, 3]) {
      const res = await get(`${ORIGIN}/redirect/${hops}/img/${FLOWER}`);
      expect(res.status, `${hops} hops`).toBe(200);
      expect(((await res.json()) as Answer).predictions).toEqual(direct.predictions);
    }
  });

  it('a 4th redirect → 502 too_many_redirects', async () => {
    expect(await refused(await get(`${ORIGIN}/redirect/4/img/${FLOWER}`), 502)).toBe('too_many_redirects');
  });

  it('a redirect leaving the allow-list is not followed (403), also after allowed hops', async () => {
    expect(await refused(await get(`${ORIGIN}/away`), 403)).toBe('origin_not_allowed');
    const res = await get(`${ORIGIN}/redirect/2/away`);
    expect(await refused(res, 403)).toBe('origin_not_allowed');
  });

  it('a redirect to a host that answers but is not allowed (this origin as `localhost`): refused, and that host never asked', async () => {
    const target = `/img/${FLOWER}?n=away-local-${Date.now()}`;
    expect(await refused(await get(`${ORIGIN}/redirect/1/away-local${target}`), 403)).toBe('origin_not_allowed');
    expect((await stats(target)).requests).toBe(0);
  });
});

describe("the origin's failures, mapped (and never leaked)", () => {
  it.each([
    [404, 422, 'image_not_found'],
    [410, 422, 'image_not_found'],
    [401, 422, 'origin_denied'],
    [403, 422, 'origin_denied'],
    [451, 422, 'origin_denied'],
    [429, 503, 'origin_rate_limited'],
    [500, 502, 'origin_error'],
    [503, 502, 'origin_error'],
    [400, 502, 'origin_error'],
    [204, 502, 'origin_error'],
    [206, 502, 'origin_error'],
    [304, 502, 'origin_error'],
  ])('origin %i → %i %s', async (origin, status, code) => {
    expect(await refused(await get(`${ORIGIN}/status/${origin}`), status)).toBe(code);
  });

  it('an unreachable origin → 502 origin_unreachable', async () => {
    const res = await get(`http://127.0.0.1:1/img/${FLOWER}`, { IMAGE_ORIGINS: '127.0.0.1:1' });
    expect(await refused(res, 502)).toBe('origin_unreachable');
  });

  it('an empty body → 502 origin_error; a web page → 415 (from its first bytes)', async () => {
    expect(await refused(await get(`${ORIGIN}/empty`), 502)).toBe('origin_error');
    const page = await get(`${ORIGIN}/html`);
    expect((await errorOf(page.clone())).message).toMatch(/^The image at the URL: The body is not a recognised image/);
    expect(await refused(page, 415)).toBe('unsupported_media_type');
  });
});

describe('limits while streaming, and the timeout', () => {
  it('a Content-Length over MAX_BODY_BYTES → 413 before reading the body', async () => {
    const res = await get(`${ORIGIN}/huge`);
    expect(await refused(res, 413)).toBe('image_too_large');
    expect((await errorOf(await get(`${ORIGIN}/huge`))).message).toMatch(/52428800 bytes .*MAX_BODY_BYTES/);
  });

  it('an endless chunked body stops at MAX_BODY_BYTES: 413, and the origin sees the stream cancelled', async () => {
    const t0 = Date.now();
    const res = await get(`${ORIGIN}/endless.jpg`, { ...ALLOW, MAX_BODY_BYTES: String(1024 * 1024) });
    expect(await refused(res, 413)).toBe('image_too_large');
    expect(Date.now() - t0).toBeLessThan(5000);
    let s = await stats('/endless.jpg');
    for (let i = 0; i < 50 && s.aborted === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      s = await stats('/endless.jpg');
    }
    expect(s.aborted).toBe(1); // the endless stream was cut by us
    expect(s.bytes).toBeLessThan(16 * 1024 * 1024); // 1 MiB read + what the sockets buffered
  });

  it('a PNG header over MAX_PIXELS → 413 from its first bytes, without waiting for the rest', async () => {
    const t0 = Date.now();
    const res = await get(`${ORIGIN}/bomb.png`);
    const e = await errorOf(res.clone());
    expect(await refused(res, 413)).toBe('image_too_large');
    expect(e.message).toMatch(/60000x60000 is 3600\.0 megapixels/);
    expect(Date.now() - t0).toBeLessThan(3000);
    let s = await stats('/bomb.png');
    for (let i = 0; i < 50 && s.aborted === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      s = await stats('/bomb.png');
    }
    expect(s.aborted).toBe(1);
    expect(s.bytes).toBeLessThan(512 * 1024);
  });

  it('FETCH_TIMEOUT_MS bounds the wait for headers and for the body → 504 origin_timeout', async () => {
    for (const path of ['/slow-headers', `/slow-body/${FLOWER}`]) {
      const t0 = Date.now();
      const res = await get(`${ORIGIN}${path}`, { ...ALLOW, FETCH_TIMEOUT_MS: '400' });
      expect(await refused(res, 504), path).toBe('origin_timeout');
      expect(Date.now() - t0, path).toBeLessThan(3000);
    }
  });

  it('a bad FETCH_TIMEOUT_MS is a configuration error', async () => {
    expect(await refused(await get(`${ORIGIN}/img/${FLOWER}`, { ...ALLOW, FETCH_TIMEOUT_MS: 'soon' }), 500)).toBe('misconfigured');
  });
});

describe('Cache-Control follows the origin', () => {
  it.each([
    ['/img/', 'public, max-age=300'],
    ['/private/', 'private, max-age=60'],
    ['/nostore/', 'no-store'],
    ['/plain/', 'no-cache'],
    ['/lm/', 'no-cache'],
  ])('%s → %s', async (prefix, expected) => {
    const res = await get(`${ORIGIN}${prefix}${FLOWER}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe(expected);
  });

  it('Expires − Date − Age gives the max-age', async () => {
    const res = await get(`${ORIGIN}/expires/${FLOWER}`);
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=(9[5-9]|100)$/);
  });

  it('with an API key configured the answer is private (a shared cache must not serve it to others)', async () => {
    const key = 'k3y-with-enough-entropy-0123456789';
    const res = await get(`${ORIGIN}/img/${FLOWER}`, { ...ALLOW, API_KEY: key }, '', { authorization: `Bearer ${key}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, max-age=300');
    expect(await refused(await get(`${ORIGIN}/img/${FLOWER}`, { ...ALLOW, API_KEY: key }), 401)).toBe('unauthorized');
  });

  it('an error answer never carries the origin-derived Cache-Control (a 413 after a cacheable origin answer)', async () => {
    const res = await get(`${ORIGIN}/img/${FLOWER}`, { ...ALLOW, MAX_BODY_BYTES: '1000' });
    expect(await refused(res, 413)).toBe('image_too_large');
    expect(res.headers.get('cache-control')).toBeNull();
  });

  it('uploads carry no Cache-Control of ours', async () => {
    const res = await classifyBytes(photo(FLOWER));
    expect(res.headers.get('cache-control')).toBeNull();
  });
});
