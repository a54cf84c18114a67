/**
 * The result cache (worker/cache) in workerd's Cache API: a hit answers the same predictions as a
 * miss without decoding or running the engine (counted: the classifier's `runs`, the decoder's
 * calls), the key follows the bytes, the model file and the answer-changing vars, and URL requests
 * add a first key from the origin's validator. The cache is on per request here (RESULT_CACHE_TTL);
 * fetchWithEnv waits for the answer's waitUntil, so a write is done before the next request.
 */
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import simd128 from '../../build/engine.simd128.wasm';
import { createApp } from '../../worker/app.ts';
import { RESULT_PIPELINE_VERSION } from '../../worker/cache/key.ts';
import { getDecoders } from '../../worker/image/decoders.ts';
import { imageToInput } from '../../worker/image/input.ts';
import { registry } from '../../worker/index.ts';
import { limitsFrom } from '../../worker/middleware/limits.ts';
import { readModelFile, writeModelFile } from '../../worker/model/format.ts';
import { ModelRegistry } from '../../worker/model/registry.ts';
import { MODELS } from '../../worker/models.ts';
import { inputLimits } from '../../worker/request/run.ts';
import { withJpegComment } from '../helpers/jpeg-comment.ts';
import { BASE, errorOf, fetchWithEnv, photo, preloadPhotos, sha256Hex } from './support.ts';

const PORT = inject('imageOriginPort');
const ORIGIN = `http://127.0.0.1:${PORT}`;
const ON = { RESULT_CACHE_TTL: '3600', IMAGE_ORIGINS: `127.0.0.1:${PORT}` };
const JPEG = 'grace_hopper_512x600.jpg';
const PHOTOS = [JPEG, 'chelsea_cat_451x300.png', 'plush_gophers_lossless_600x400.webp', 'coffee_cmyk_600x400.jpg'];
await preloadPhotos(PHOTOS);

/** Bytes no other test has sent: the JPEG with a comment (same pixels, new SHA-256). */
let nonce = 0;
const fresh = (name = JPEG) => withJpegComment(photo(name), `result-cache test ${Date.now()} ${nonce++}`);

interface Answer {
  model: { name: string; sha256: string };
  predictions: Array<{ label: string; index: number; score: number }>;
  timing: Record<string, number>;
  cache: string;
}

async function upload(bytes: Uint8Array, query = '?top_k=0', overrides: Record<string, string> = ON, headers: Record<string, string> = {}): Promise<{ res: Response; body: Answer }> {
  const res = await fetchWithEnv(new Request(`${BASE}/v1/classify${query}`, { method: 'POST', body: bytes as Uint8Array<ArrayBuffer>, headers }), overrides);
  expect(res.status, await res.clone().text()).toBe(200);
  return { res, body: (await res.json()) as Answer };
}

async function byUrl(path: string, query = '&top_k=0'): Promise<{ res: Response; body: Answer }> {
  const res = await fetchWithEnv(new Request(`${BASE}/v1/classify?url=${encodeURIComponent(ORIGIN + path)}${query}`), ON);
  expect(res.status, await res.clone().text()).toBe(200);
  return { res, body: (await res.json()) as Answer };
}

/** Inferences run so far by the bundled model (the same registry instance the Worker uses). */
const runs = async (name = 'fashion-mnist') => (await registry.classifier(name, registry.build(env.ENGINE))).runs;

afterEach(() => vi.restoreAllMocks());

describe('result cache: uploads', () => {
  it('a miss, then a hit with identical predictions, no decode and no inference', async () => {
    const bytes = fresh();
    const r0 = await runs();
    const miss = await upload(bytes);
    expect(miss.body.cache).toBe('miss');
    expect(miss.res.headers.get('x-cache')).toBe('miss');
    expect(await runs()).toBe(r0 + 1);

    const decode = vi.spyOn(getDecoders().jpeg, 'decode');
    const hit = await upload(bytes);
    expect(hit.body.cache).toBe('hit');
    expect(hit.res.headers.get('x-cache')).toBe('hit');
    expect(hit.res.headers.get('server-timing')).toMatch(/cache;desc="hit";dur=[\d.]+/);
    // the header is the body's timing, in the documented order (docs/API.md)
    for (const { res, body } of [miss, hit]) {
      const t = body.timing as Record<string, number>;
      expect(res.headers.get('server-timing')).toBe(`decode;dur=${t.decode_ms}, preprocess;dur=${t.preprocess_ms}, inference;dur=${t.inference_ms}, cache;desc="${body.cache}";dur=${t.cache_ms}`);
    }
    expect((hit.body.timing as Record<string, number>).decode_ms).toBe(0);
    expect(hit.body.predictions).toEqual(miss.body.predictions); // every class, bit-identical scores
    expect(hit.body.model).toEqual(miss.body.model);
    expect(await runs()).toBe(r0 + 1); // the engine did not run
    expect(decode).not.toHaveBeenCalled();
    expect(hit.body.timing).toMatchObject({ decode_ms: 0, preprocess_ms: 0, inference_ms: 0 });
  });

  it('hit and miss agree on every photo format (JPEG, PNG, WebP, CMYK JPEG), and top_k is applied to a hit', async () => {
    for (const name of PHOTOS) {
      const bytes = name.endsWith('.jpg') ? fresh(name) : photo(name);
      const first = await upload(bytes, '?top_k=0', ON, { 'cache-control': 'no-cache' }); // computed even if an earlier run stored it
      expect(first.body.cache, name).toBe('miss');
      const again = await upload(bytes, '?top_k=0');
      expect(again.body.cache, name).toBe('hit');
      expect(again.body.predictions, name).toEqual(first.body.predictions);
      const top3 = await upload(bytes, '?top_k=3');
      expect(top3.body.cache, name).toBe('hit');
      expect(top3.body.predictions, name).toEqual(first.body.predictions.slice(0, 3));
    }
  });

  it('new bytes with the same pixels are a new key (a miss), with the same predictions', async () => {
    const a = await upload(fresh());
    const b = await upload(fresh());
    expect([a.body.cache, b.body.cache]).toEqual(['miss', 'miss']);
    expect(b.body.predictions).toEqual(a.body.predictions);
  });

  it('another model misses, and each model then hits its own answer', async () => {
    const bytes = fresh();
    const fm = await upload(bytes, '?top_k=0&model=fashion-mnist');
    const r0 = await runs('tiny-synthetic');
    const tiny = await upload(bytes, '?top_k=0&model=tiny-synthetic');
    expect(tiny.body.cache).toBe('miss');
    expect(await runs('tiny-synthetic')).toBe(r0 + 1);
    expect(tiny.body.model.sha256).not.toBe(fm.body.model.sha256);
    expect((await upload(bytes, '?top_k=0&model=fashion-mnist')).body).toMatchObject({ cache: 'hit', predictions: fm.body.predictions });
    expect((await upload(bytes, '?top_k=0&model=tiny-synthetic')).body).toMatchObject({ cache: 'hit', predictions: tiny.body.predictions });
  });

  it('a new file of the same model (same name and weights, another SHA-256) misses', async () => {
    const bytes = fresh();
    const old = await upload(bytes);
    expect(old.body.cache).toBe('miss');
    // The bundled fashion-mnist file rewritten with another provenance: same weights, new digest.
    const bundled = MODELS.find((m) => m.name === 'fashion-mnist')!;
    const file = await readModelFile(bundled.data);
    const { tensors, ...header } = file.header;
    const remade = await writeModelFile(
      { ...header, provenance: { ...header.provenance, created: 'retrained' } },
      tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: file.tensor(t.name) })),
    );
    const next = new ModelRegistry([{ name: 'fashion-mnist', data: remade }], { simd128 });
    const app = createApp(next);
    const call = async () => {
      const ctx = createExecutionContext();
      const res = await app.fetch(new Request(`${BASE}/v1/classify?top_k=0`, { method: 'POST', body: bytes as Uint8Array<ArrayBuffer> }), { ...env, ...ON }, ctx);
      await waitOnExecutionContext(ctx);
      return (await res.json()) as Answer;
    };
    const fresh1 = await call();
    expect(fresh1.model.sha256).not.toBe(old.body.model.sha256);
    expect(fresh1.cache).toBe('miss');
    expect((await next.classifier('fashion-mnist', 'simd128')).runs).toBe(1);
    expect(fresh1.predictions).toEqual(old.body.predictions); // same weights: same answer, computed again
    expect((await call()).cache).toBe('hit');
    expect((await upload(bytes)).body.cache).toBe('hit'); // the old file's entry is still its own
  });

  it('the answer-changing vars are part of the key: another MAX_DECODE_MB or DECODE misses', async () => {
    const bytes = fresh();
    await upload(bytes);
    expect((await upload(bytes, '?top_k=0', { ...ON, MAX_DECODE_MB: '63' })).body.cache).toBe('miss');
    expect((await upload(bytes, '?top_k=0', { ...ON, DECODE: 'fast' })).body.cache).toBe('miss');
    expect((await upload(bytes, '?top_k=0', { ...ON, DECODE: 'fast' })).body.cache).toBe('hit');
    expect((await upload(bytes, '?top_k=0', { ...ON, DECODE: 'exact' })).body.cache).toBe('hit'); // the default's key is unchanged
  });

  it('request Cache-Control: no-cache recomputes (and stores), no-store bypasses; RESULT_CACHE_TTL = 0 is off', async () => {
    const bytes = fresh();
    const r0 = await runs();
    expect((await upload(bytes, '?top_k=0', ON, { 'cache-control': 'no-store' })).body.cache).toBe('bypass');
    expect((await upload(bytes, '?top_k=0', ON, { 'cache-control': 'no-cache' })).body.cache).toBe('miss');
    expect((await upload(bytes)).body.cache).toBe('hit'); // no-cache stored its result
    expect((await upload(bytes, '?top_k=0', { ...ON, RESULT_CACHE_TTL: '0' })).body.cache).toBe('off');
    expect(await runs()).toBe(r0 + 3);
    const bad = await fetchWithEnv(new Request(`${BASE}/v1/classify`, { method: 'POST', body: bytes as Uint8Array<ArrayBuffer> }), { RESULT_CACHE_TTL: '-1' });
    expect(bad.status).toBe(500);
    expect((await errorOf(bad)).code).toBe('misconfigured');
  });

  it('multipart: each part has its own status, X-Cache lists them', async () => {
    const a = fresh();
    await upload(a);
    const form = new FormData();
    form.append('image', new File([a as Uint8Array<ArrayBuffer>], 'a.jpg'));
    form.append('image', new File([fresh() as Uint8Array<ArrayBuffer>], 'b.jpg'));
    const res = await fetchWithEnv(new Request(`${BASE}/v1/classify`, { method: 'POST', body: form }), ON);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: Array<{ cache: string }> };
    expect(body.results.map((r) => r.cache)).toEqual(['hit', 'miss']);
    expect(res.headers.get('x-cache')).toBe('hit, miss');
  });

  it('errors are not cached: a broken image is a 400 every time', async () => {
    const broken = fresh().slice(0, 3000);
    for (let i = 0; i < 2; i++) {
      const res = await fetchWithEnv(new Request(`${BASE}/v1/classify`, { method: 'POST', body: broken as Uint8Array<ArrayBuffer> }), ON);
      expect(res.status).toBe(400);
    }
  });
});

describe('result cache: URLs', () => {
  it('URL + strong ETag: the second request hits without decoding; the upload of the same bytes hits too', async () => {
    const path = `/img/${JPEG}?n=etag-${Date.now()}`;
    const r0 = await runs();
    const miss = await byUrl(path);
    expect(miss.body.cache).toBe('miss');
    const decode = vi.spyOn(getDecoders().jpeg, 'decode');
    const hit = await byUrl(path);
    expect(hit.body.cache).toBe('hit');
    expect(hit.body.predictions).toEqual(miss.body.predictions);
    expect(hit.body.timing.fetch_ms).toBeGreaterThanOrEqual(0);
    expect(await runs()).toBe(r0 + 1);
    // the same bytes uploaded: the content key hits
    const served = new Uint8Array(await (await fetch(ORIGIN + path)).arrayBuffer());
    expect((await upload(served)).body).toMatchObject({ cache: 'hit', predictions: miss.body.predictions });
    expect(decode).not.toHaveBeenCalled();
  });

  it('no validator (/plain): the content key still hits; Last-Modified + length (/lm) works as a first key', async () => {
    for (const kind of ['plain', 'lm']) {
      const path = `/${kind}/${JPEG}?n=${kind}-${Date.now()}`;
      const miss = await byUrl(path);
      const hit = await byUrl(path);
      expect([miss.body.cache, hit.body.cache], kind).toEqual(['miss', 'hit']);
      expect(hit.body.predictions).toEqual(miss.body.predictions);
    }
  });

  it('a changing ETag: new content misses; the old bytes under a new ETag hit by content', async () => {
    // Versions 1 and 3 serve the same photo (VERSIONS in test/helpers/image-origin.ts), 2 another.
    const set = (v: number) => fetch(`${ORIGIN}/__version/${v}`);
    const url = `/versioned`;
    await set(2);
    const two = await byUrl(url, '&top_k=0&model=tiny-synthetic'); // whatever an earlier run left: read it
    await set(1);
    const v1 = await byUrl(url, '&top_k=0&model=tiny-synthetic');
    await set(2);
    const v2 = await byUrl(url, '&top_k=0&model=tiny-synthetic');
    expect(v2.body.cache).toBe('hit');
    expect(v2.body.predictions).toEqual(two.body.predictions);
    expect(v2.body.predictions).not.toEqual(v1.body.predictions); // another image: the ETag changed, the answer did
    await set(3);
    const v3 = await byUrl(url, '&top_k=0&model=tiny-synthetic');
    expect(v3.body.cache).toBe('hit'); // a new ETag, but bytes already classified (as version 1)
    expect(v3.body.predictions).toEqual(v1.body.predictions);
    await set(1);
  });
});

describe('result cache: the pipeline version', () => {
  // The result cache outlives deployments: if decoding, preprocessing or the engine start to give
  // other pixels or logits for the same bytes, entries made by the old code must not be served.
  // This pins what they give today for three photos. If it fails after an intended change, bump
  // RESULT_PIPELINE_VERSION in worker/cache/key.ts and record the new digests here.
  const PINNED = {
    version: 1,
    pixels: '1f1d81797f5a3be14a0794ce18097af3c046df4d2e6e0dd8473b69be8ad9bd77',
    logits: '0dcade44fff302fa333bd5e65af4003e95a911158b4fd0c6e0a9642b1da95223',
  };

  it('the pixels and logits of three photos are the ones RESULT_PIPELINE_VERSION was pinned with', async () => {
    const file = await registry.file('fashion-mnist');
    const classifier = await registry.classifier('fashion-mnist', registry.build(env.ENGINE));
    const p = file.header.preprocessing;
    const limits = limitsFrom(env);
    const pixels: Uint8Array[] = [];
    const logits: Uint8Array[] = [];
    for (const name of PHOTOS.slice(0, 3)) {
      const { pixels: hwc } = await imageToInput(photo(name), p, inputLimits(limits));
      pixels.push(hwc);
      const out = classifier.runPixels(hwc).logits;
      logits.push(new Uint8Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength)));
    }
    const digest = async (parts: Uint8Array[]) => sha256Hex(new Uint8Array(parts.flatMap((x) => Array.from(x))));
    const now = { version: RESULT_PIPELINE_VERSION, pixels: await digest(pixels), logits: await digest(logits) };
    expect(now, 'the pipeline output changed: bump RESULT_PIPELINE_VERSION (worker/cache/key.ts) and re-pin').toEqual(PINNED);
  });
});
