/** POST /v1/embed: the 1280-d feature after conv_head + ReLU. */
import { describe, expect, it } from 'vitest';
import { errorOf, photo, post, preloadPhotos } from './support.ts';

await preloadPhotos(['grace_hopper_512x600.jpg', 'chelsea_cat_451x300.png', 'video005_gray_150x103.jpg']);

interface Embedding {
  model: { name: string; sha256: string };
  embedding: number[];
  dim: number;
  timing: Record<string, number>;
}

const embed = (bytes: Uint8Array, query = '') => post(`/v1/embed${query}`, bytes as Uint8Array<ArrayBuffer>, { 'Content-Type': 'image/jpeg' });

describe('POST /v1/embed', () => {
  it('answers a 1280-d non-negative vector', async () => {
    const res = await embed(photo('grace_hopper_512x600.jpg'));
    expect(res.status).toBe(200);
    expect(res.headers.get('server-timing')).toMatch(/inference;dur=/);
    const body = (await res.json()) as Embedding;
    expect(Object.keys(body).sort()).toEqual(['dim', 'embedding', 'model', 'timing']);
    expect(body.dim).toBe(1280);
    expect(body.embedding).toHaveLength(1280);
    expect(body.embedding.every((v) => Number.isFinite(v) && v >= 0)).toBe(true); // after ReLU
    expect(body.embedding.some((v) => v > 0)).toBe(true);
  });

  it('is deterministic, and differs between images', async () => {
    const a = (await (await embed(photo('grace_hopper_512x600.jpg'))).json()) as Embedding;
    const b = (await (await embed(photo('grace_hopper_512x600.jpg'))).json()) as Embedding;
    const c = (await (await embed(photo('chelsea_cat_451x300.png'))).json()) as Embedding;
    expect(a.embedding).toEqual(b.embedding);
    expect(c.embedding).not.toEqual(a.embedding);
  });

  it('takes JSON and multipart like classify', async () => {
    const bytes = photo('video005_gray_150x103.jpg');
    const raw = (await (await embed(bytes)).json()) as Embedding;
    const json = (await (await post('/v1/embed', JSON.stringify({ image: Array.from(bytes) }), { 'Content-Type': 'application/json' })).json()) as Embedding;
    expect(json.embedding).toEqual(raw.embedding);
    const form = new FormData();
    form.append('image', new File([bytes as Uint8Array<ArrayBuffer>], 'a.jpg'));
    form.append('image', new File([bytes as Uint8Array<ArrayBuffer>], 'b.jpg'));
    const multi = (await (await post('/v1/embed', form)).json()) as { dim: number; results: Array<{ filename: string; embedding: number[] }> };
    expect(multi.dim).toBe(1280);
    expect(multi.results.map((r) => r.filename)).toEqual(['a.jpg', 'b.jpg']);
    expect(multi.results[1].embedding).toEqual(raw.embedding);
  });

  it('rejects top_k (not a parameter here) in JSON, and bad images like classify', async () => {
    const res = await post('/v1/embed', JSON.stringify({ image: 'AAAA', top_k: 3 }), { 'Content-Type': 'application/json' });
    expect(res.status).toBe(422);
    const gif = await post('/v1/embed', 'GIF89a....', { 'Content-Type': 'image/gif' });
    expect(gif.status).toBe(415);
    expect((await errorOf(gif)).code).toBe('unsupported_media_type');
    const unknown = await embed(photo('video005_gray_150x103.jpg'), '?model=nope');
    expect(unknown.status).toBe(422);
  });
});
