/** POST /v1/classify: every body form, parameters, answer shape, errors. */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { cosine } from '../../tools/lib/cosine.ts';
import { classifyBytes, errorOf, loadPhotos, photo, post, preloadPhotos, sha256Hex } from './support.ts';

const photos = await loadPhotos();
await preloadPhotos(['video005_gray_150x103.jpg', 'chelsea_cat_451x300.png', 'grace_hopper_512x600.jpg', 'grace_hopper_exif_orient6_600x512.jpg']);

interface Prediction {
  label: string;
  index: number;
  score: number;
}
interface Answer {
  model: { name: string; sha256: string };
  predictions: Prediction[];
  timing: { decode_ms: number; preprocess_ms: number; inference_ms: number };
}
interface BatchAnswer {
  model: { name: string; sha256: string };
  results: Array<{ filename?: string; predictions: Prediction[]; timing: Answer['timing'] }>;
}

const SMALL = 'video005_gray_150x103.jpg';

function expectPredictions(p: Prediction[], k: number) {
  expect(p).toHaveLength(k);
  for (const x of p) {
    expect(typeof x.label).toBe('string');
    expect(Number.isInteger(x.index)).toBe(true);
    expect(x.score).toBeGreaterThanOrEqual(0);
    expect(x.score).toBeLessThanOrEqual(1);
  }
  for (let i = 1; i < p.length; i++) expect(p[i - 1].score).toBeGreaterThanOrEqual(p[i].score);
}

/** A copy of a JPEG with its EXIF Orientation (IFD0 tag 0x0112) set to `value`. */
function withOrientation(jpeg: Uint8Array, value: number): Uint8Array {
  const b = jpeg.slice();
  const exif = b.findIndex((_, i) => b[i] === 0x45 && b[i + 1] === 0x78 && b[i + 2] === 0x69 && b[i + 3] === 0x66 && b[i + 4] === 0 && b[i + 5] === 0);
  const tiff = exif + 6;
  const le = b[tiff] === 0x49;
  const dv = new DataView(b.buffer);
  const ifd = tiff + dv.getUint32(tiff + 4, le);
  const n = dv.getUint16(ifd, le);
  for (let e = 0; e < n; e++) {
    const at = ifd + 2 + 12 * e;
    if (dv.getUint16(at, le) === 0x0112) {
      dv.setUint16(at + 8, value, le);
      return b;
    }
  }
  throw new Error('no Orientation tag');
}

async function numClasses(): Promise<number> {
  const res = await classifyBytes(photo(SMALL), '?top_k=0');
  return ((await res.json()) as Answer).predictions.length;
}

describe('every photo in test/fixtures/photos', () => {
  it('has them all, byte-exact', async () => {
    expect(photos.length).toBeGreaterThanOrEqual(17);
    for (const p of photos) {
      expect(p.data, p.file).toBeDefined();
      if (p.sha256) expect(await sha256Hex(p.data!), p.file).toBe(p.sha256);
    }
  });

  it.each(photos.map((p) => [p.file, p] as const))('%s → 200 with predictions', async (_, p) => {
    const res = await classifyBytes(p.data!);
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as Answer;
    expectPredictions(body.predictions, Math.min(5, body.predictions.length));
    expect(body.predictions.length).toBeGreaterThan(0);
    expect(body.model.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('answer', () => {
  it('has model, predictions (softmax, highest first), timing and Server-Timing', async () => {
    const res = await classifyBytes(photo('chelsea_cat_451x300.png'), '', 'image/png');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const st = res.headers.get('server-timing')!;
    expect(st).toMatch(/decode;dur=[\d.]+/);
    expect(st).toMatch(/preprocess;dur=[\d.]+/);
    expect(st).toMatch(/inference;dur=[\d.]+/);
    const body = (await res.json()) as Answer;
    expect(Object.keys(body).sort()).toEqual(['cache', 'domain', 'model', 'predictions', 'timing']);
    expect((body as unknown as { cache: string }).cache).toBe('off'); // vitest.config.ts: RESULT_CACHE_TTL = 0 here
    expect(res.headers.get('x-cache')).toBe('off');
    expectPredictions(body.predictions, 5);
    for (const k of ['decode_ms', 'preprocess_ms', 'inference_ms'] as const) expect(body.timing[k]).toBeGreaterThanOrEqual(0);
    // the header carries the same numbers as the body
    expect(st).toContain(`inference;dur=${body.timing.inference_ms}`);
    // …all of them, in the documented order (docs/API.md), the cache's duration 0 when it is off
    const t = body.timing;
    expect(st).toBe(`decode;dur=${t.decode_ms}, preprocess;dur=${t.preprocess_ms}, inference;dur=${t.inference_ms}, cache;desc="off";dur=0`);
  });

  it('top_k=0 answers every class, and the scores sum to 1', async () => {
    const n = await numClasses();
    const res = await classifyBytes(photo(SMALL), '?top_k=0');
    const body = (await res.json()) as Answer;
    expectPredictions(body.predictions, n);
    expect(new Set(body.predictions.map((p) => p.index)).size).toBe(n);
    expect(body.predictions.reduce((a, p) => a + p.score, 0)).toBeCloseTo(1, 5);
  });

  it('top_k=1, top_k larger than the class count', async () => {
    const one = (await (await classifyBytes(photo(SMALL), '?top_k=1')).json()) as Answer;
    expectPredictions(one.predictions, 1);
    const all = (await (await classifyBytes(photo(SMALL), '?top_k=100000')).json()) as Answer;
    expect(all.predictions.length).toBe(await numClasses());
    expect(all.predictions[0]).toEqual(one.predictions[0]);
  });

  it('the format comes from the bytes, not the Content-Type', async () => {
    const a = (await (await classifyBytes(photo(SMALL), '', 'image/png')).json()) as Answer;
    const b = (await (await classifyBytes(photo(SMALL), '', 'application/x-www-form-urlencoded')).json()) as Answer;
    const c = (await (await post('/v1/classify', photo(SMALL) as Uint8Array<ArrayBuffer>)).json()) as Answer;
    expect(a.predictions).toEqual(b.predictions);
    expect(a.predictions).toEqual(c.predictions);
  });

  it('EXIF orientation is applied: the Orientation=6 copy embeds closer to the upright photo than the same bytes read as stored', async () => {
    const embedding = async (b: Uint8Array) => ((await (await post('/v1/embed', b as Uint8Array<ArrayBuffer>)).json()) as { embedding: number[] }).embedding;
    const rotated = photo('grace_hopper_exif_orient6_600x512.jpg');
    const up = await embedding(photo('grace_hopper_512x600.jpg'));
    const oriented = await embedding(rotated);
    const asStored = await embedding(withOrientation(rotated, 1));
    expect(cosine(up, oriented)).toBeGreaterThan(cosine(up, asStored));
  });
});

describe('JSON body', () => {
  const bytes = photo(SMALL);
  const expected = async () => ((await (await classifyBytes(bytes)).json()) as Answer).predictions;

  it('{"image": [bytes]} like Workers AI', async () => {
    const res = await post('/v1/classify', JSON.stringify({ image: Array.from(bytes) }), { 'Content-Type': 'application/json' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Answer).predictions).toEqual(await expected());
  });

  it('{"image": "<base64>"}, URL-safe base64, data: URL, with top_k and model fields', async () => {
    const b64 = btoa(String.fromCharCode(...bytes));
    const want = await expected();
    for (const image of [b64, b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), `data:image/jpeg;base64,${b64}`]) {
      const res = await post('/v1/classify', JSON.stringify({ image }), { 'Content-Type': 'application/json; charset=utf-8' });
      expect(res.status).toBe(200);
      expect(((await res.json()) as Answer).predictions).toEqual(want);
    }
    const models = (await (await post('/v1/classify', JSON.stringify({ image: b64, top_k: 2, model: 'fashion-mnist' }), { 'Content-Type': 'application/json' })).json()) as Answer;
    expect(models.predictions).toEqual(want.slice(0, 2));
  });

  it.each([
    ['not JSON', '{"image": [1, 2', 400, 'invalid_json'],
    ['an array', '[1,2,3]', 422, 'invalid_parameter'],
    ['no image field', '{"picture": "abc"}', 422, 'invalid_parameter'],
    ['image null', '{"image": null}', 422, 'missing_image'],
    ['empty object', '{}', 422, 'missing_image'],
    ['image a number', '{"image": 5}', 422, 'invalid_parameter'],
    ['bytes out of range', '{"image": [255, 216, 256]}', 422, 'invalid_parameter'],
    ['bytes not integers', '{"image": [255, 1.5]}', 422, 'invalid_parameter'],
    ['bad base64', '{"image": "not base64 at all!!"}', 422, 'invalid_base64'],
    ['top_k negative', '{"image": "AAAA", "top_k": -1}', 422, 'invalid_parameter'],
    ['top_k fractional', '{"image": "AAAA", "top_k": 1.5}', 422, 'invalid_parameter'],
    ['model not a string', '{"image": "AAAA", "model": 3}', 422, 'invalid_parameter'],
    ['unknown model', '{"image": "AAAA", "model": "imagenet-9000"}', 422, 'unknown_model'],
  ])('%s → %i %s', async (_, body, status, code) => {
    const res = await post('/v1/classify', body, { 'Content-Type': 'application/json' });
    expect(res.status).toBe(status);
    expect((await errorOf(res)).code).toBe(code);
  });

  it('valid base64 of something that is not an image → 415', async () => {
    const res = await post('/v1/classify', JSON.stringify({ image: btoa('hello, world') }), { 'Content-Type': 'application/json' });
    expect(res.status).toBe(415);
  });
});

describe('multipart body', () => {
  const file = (name: string) => new File([photo(name) as Uint8Array<ArrayBuffer>], name, { type: 'image/jpeg' });

  it('one result per image part, in order, with filenames', async () => {
    const form = new FormData();
    form.append('image', file(SMALL));
    form.append('image', file('grace_hopper_512x600.jpg'));
    form.append('image', file(SMALL));
    const res = await post('/v1/classify?top_k=3', form);
    expect(res.status).toBe(200);
    const body = (await res.json()) as BatchAnswer;
    expect(Object.keys(body).sort()).toEqual(['model', 'results']);
    expect(body.results.map((r) => r.filename)).toEqual([SMALL, 'grace_hopper_512x600.jpg', SMALL]);
    for (const r of body.results) expectPredictions(r.predictions, 3);
    expect(body.results[0].predictions).toEqual(body.results[2].predictions);
    const single = (await (await classifyBytes(photo(SMALL), '?top_k=3')).json()) as Answer;
    expect(body.results[0].predictions).toEqual(single.predictions);
    expect(body.model).toEqual(single.model);
    expect(res.headers.get('server-timing')).toMatch(/inference;dur=/);
  });

  it('a single part still answers the results shape; top_k and model as fields', async () => {
    const form = new FormData();
    form.append('image', file(SMALL));
    form.append('top_k', '2');
    const body = (await (await post('/v1/classify', form)).json()) as BatchAnswer;
    expect(body.results).toHaveLength(1);
    expect(body.results[0].predictions).toHaveLength(2);
  });

  it('no image part → 422 missing_image', async () => {
    const form = new FormData();
    form.append('photo', file(SMALL));
    const res = await post('/v1/classify', form);
    expect(res.status).toBe(422);
    expect((await errorOf(res)).code).toBe('missing_image');
  });

  it('an image part that is a text field → 422', async () => {
    const form = new FormData();
    form.append('image', 'hello');
    expect((await post('/v1/classify', form)).status).toBe(422);
  });

  it('a bad part fails the request with its status, and the message names the part', async () => {
    const form = new FormData();
    form.append('image', file(SMALL));
    form.append('image', new File(['GIF89a this is not really a gif'], 'anim.gif', { type: 'image/gif' }));
    const res = await post('/v1/classify', form);
    expect(res.status).toBe(415);
    expect((await errorOf(res)).message).toMatch(/^image part 2 \(anim\.gif\): /);
  });

  it('a broken multipart body → 400', async () => {
    const res = await post('/v1/classify', '--x\r\nContent-Disposition: form-data; name="image"\r\n\r\nabc', { 'Content-Type': 'multipart/form-data; boundary=zzz' });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('invalid_multipart');
  });
});

describe('parameters', () => {
  it.each(['abc', '-1', '1.5', '', '1e3', '0x10'])('top_k=%s → 422', async (v) => {
    const res = await classifyBytes(photo(SMALL), `?top_k=${encodeURIComponent(v)}`);
    expect(res.status).toBe(422);
    const err = await errorOf(res);
    expect(err.code).toBe('invalid_parameter');
    expect(err.message).toContain('top_k');
  });

  it('the query as the OpenAPI schema reads it: exact 422 messages, a repeated key, unknown keys ignored, an empty query string', async () => {
    const message = async (q: string, path = '/v1/classify') => {
      const res = await post(`${path}${q}`, photo(SMALL) as Uint8Array<ArrayBuffer>);
      return res.status === 200 ? 200 : `${res.status} ${(await errorOf(res)).message}`;
    };
    expect(await message('?top_k=abc')).toBe('422 top_k must be an integer >= 0 (in the query).');
    expect(await message('?top_k=')).toBe('422 top_k must be an integer >= 0 (in the query).');
    expect(await message('?top_k=1&top_k=2')).toBe('422 top_k: Invalid input: expected string, received array (in the query).');
    expect(await message('?model=a&model=b')).toBe('422 model: Invalid input: expected string, received array (in the query).');
    expect(await message('?model=a&model=b', '/v1/embed')).toBe('422 model: Invalid input: expected string, received array (in the query).');
    // embed takes no top_k: its query schema drops the key, as it drops unknown ones
    expect(await message('?top_k=abc', '/v1/embed')).toBe(200);
    expect(await message('?foo=1&bar')).toBe(200);
    expect(await message('?')).toBe(200);
    const top3 = (await (await classifyBytes(photo(SMALL), '?top_k=3&foo=x')).json()) as Answer;
    expect(top3.predictions).toHaveLength(3);
  });

  it('unknown model → 422 unknown_model listing the available ones', async () => {
    const res = await classifyBytes(photo(SMALL), '?model=resnet-50');
    expect(res.status).toBe(422);
    const err = await errorOf(res);
    expect(err.code).toBe('unknown_model');
    expect(err.message).toContain('resnet-50');
    expect(err.message).toContain('Available');
  });

  it('the default model by name gives the same answer as no model', async () => {
    const models = (await (await SELF.fetch('http://x/v1/models')).json()) as { default: string; models: Array<{ name: string; sha256: string }> };
    const a = (await (await classifyBytes(photo(SMALL))).json()) as Answer;
    const b = (await (await classifyBytes(photo(SMALL), `?model=${models.default}`)).json()) as Answer;
    expect(b.model.name).toBe(models.default);
    expect(b.model.sha256).toBe(models.models.find((m) => m.name === models.default)!.sha256);
    expect(b.predictions).toEqual(a.predictions);
  });

  it('model selects another bundled model, by query or field', async () => {
    const models = (await (await SELF.fetch('http://x/v1/models')).json()) as { default: string; models: Array<{ name: string; sha256: string }> };
    const other = models.models.find((m) => m.name !== models.default);
    if (!other) return; // only one model bundled
    const q = (await (await classifyBytes(photo(SMALL), `?model=${other.name}`)).json()) as Answer;
    expect(q.model).toEqual({ name: other.name, sha256: other.sha256 });
    const form = new FormData();
    form.append('model', other.name);
    form.append('image', new File([photo(SMALL) as Uint8Array<ArrayBuffer>], 'a.jpg'));
    const f = (await (await post('/v1/classify', form)).json()) as BatchAnswer;
    expect(f.model.name).toBe(other.name);
    expect(f.results[0].predictions).toEqual(q.predictions);
  });

  it('query and body disagreeing → 422', async () => {
    const res = await post('/v1/classify?top_k=3', JSON.stringify({ image: 'AAAA', top_k: 4 }), { 'Content-Type': 'application/json' });
    expect(res.status).toBe(422);
  });

  it('empty body → 400 empty_body', async () => {
    const res = await post('/v1/classify', null);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('empty_body');
  });
});
