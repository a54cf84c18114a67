/**
 * The out-of-domain note (issue #9.3) through real HTTP in workerd. Truth: what the images are —
 * the photo fixtures' manifest says which are colour and which gray; Fashion-MNIST test images
 * (fashion-mnist.test.ts) are in domain by definition.
 */
import { describe, expect, it } from 'vitest';
import photoManifest from '../fixtures/photos/manifest.json';
import { photo, post, preloadPhotos } from './support.ts';

const photos = (photoManifest as Array<{ file: string; colorspace: string; type: string }>).filter((p) => /\.(jpg|png|webp)$/.test(p.file));
const isGray = (p: { colorspace: string; type: string }) => /gray/i.test(p.colorspace) || /grayscale/i.test(p.type);
await preloadPhotos(photos.map((p) => p.file));

type Answer = { predictions: unknown[]; domain?: { in_domain: boolean; reason?: string } };

describe('out-of-domain note of the default (Fashion-MNIST) model', () => {
  it('every colour photo is outside its domain, and the reason says it is a colour image', async () => {
    const colour = photos.filter((p) => !isGray(p));
    expect(colour.length).toBeGreaterThan(10);
    for (const p of colour) {
      const body = (await (await post('/v1/classify?top_k=1', photo(p.file) as Uint8Array<ArrayBuffer>)).json()) as Answer;
      expect(body.domain?.in_domain, p.file).toBe(false);
      expect(body.domain?.reason, p.file).toMatch(/^This is a colour image \(colourfulness \d+\); .* It was trained on 28×28 grayscale Fashion-MNIST/);
    }
  });

  it('gray photos on a light background are outside it too (Fashion-MNIST items are light on black)', async () => {
    const gray = photos.filter(isGray);
    expect(gray.map((p) => p.file).sort()).toEqual(['camera_gray_512x512.png', 'video005_gray_150x103.jpg']);
    for (const p of gray) {
      const body = (await (await post('/v1/classify?top_k=1', photo(p.file) as Uint8Array<ArrayBuffer>)).json()) as Answer;
      expect(body.domain?.in_domain, p.file).toBe(false);
      expect(body.domain?.reason, p.file).toMatch(/light background/);
    }
  });

  it('multipart answers carry the note per image', async () => {
    const form = new FormData();
    form.append('image', new Blob([photo('grace_hopper_512x600.jpg') as Uint8Array<ArrayBuffer>]), 'hopper.jpg');
    form.append('image', new Blob([photo('camera_gray_512x512.png') as Uint8Array<ArrayBuffer>]), 'camera.png');
    const res = await post('/v1/classify', form);
    const body = (await res.json()) as { results: Answer[] };
    expect(body.results.map((r) => r.domain?.in_domain)).toEqual([false, false]);
  });

  it('a model that declares no domain and takes colour gets no note (nothing is claimed)', async () => {
    const body = (await (await post('/v1/classify?model=tiny-synthetic', photo('grace_hopper_512x600.jpg') as Uint8Array<ArrayBuffer>)).json()) as Answer;
    expect(body.predictions.length).toBeGreaterThan(0);
    expect(body).not.toHaveProperty('domain');
  });
});
