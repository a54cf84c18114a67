/// <reference types="vite/client" />
/**
 * Issue #4 in workerd: a 40 Mpx baseline JPEG is classified (DCT-scaled decode, small decoder
 * memory), while images whose decode would not fit MAX_DECODE_MB answer 413 before any decoding.
 * Fixtures: test/fixtures/large (tools/reference/large_fixtures.py).
 */
import { env } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { getDecoders } from '../../worker/image/decoders.ts';
import { BASE, errorOf, fetchWithEnv, photo, preloadPhotos } from './support.ts';

const loaders = import.meta.glob('../fixtures/large/*.{jpg,png,webp}', { query: '?inline', import: 'default' });
async function large(name: string): Promise<Uint8Array> {
  const url = String(await loaders[`../fixtures/large/${name}`]());
  const m = /^data:[^,]*;base64,(.*)$/s.exec(url);
  if (!m) throw new Error(`${name} was not inlined`);
  return (Uint8Array as unknown as { fromBase64(s: string): Uint8Array }).fromBase64(m[1]);
}

const BIG = await large('rings_7745x5161.jpg');
const BIG_PROGRESSIVE = await large('gradient_7745x5161_progressive.jpg');
const PNG_24MP = await large('flat_6000x4000.png');
const WEBP_24MP = await large('flat_6000x4000_lossless.webp');
await preloadPhotos(['dandelions_5312x2988.jpg', 'grace_hopper_512x600.jpg']);

const MiB = 1024 * 1024;
// Direct calls on the worker module (same module instances as this test, so the decoder's memory is observable).
const classify = (bytes: Uint8Array, overrides: Record<string, string> = {}, query = '?top_k=3') =>
  fetchWithEnv(new Request(`${BASE}/v1/classify${query}`, { method: 'POST', body: bytes as Uint8Array<ArrayBuffer>, headers: { 'Content-Type': 'application/octet-stream' } }), overrides);

describe('large images (workerd)', () => {
  it('wrangler.toml: MAX_PIXELS is 40 Mpx, MAX_DECODE_MB 64, DECODE exact', () => {
    expect((env as { MAX_PIXELS?: string }).MAX_PIXELS).toBe('40000000');
    expect((env as { MAX_DECODE_MB?: string }).MAX_DECODE_MB).toBe('64');
    expect((env as { DECODE?: string }).DECODE).toBe('exact');
  });

  it('DECODE=fast decodes a 512x600 JPEG at 1/4 for the 64 px default model (exact: full size); a bad value is a clear 500', async () => {
    const jpeg = getDecoders().jpeg;
    const spy = vi.spyOn(jpeg, 'decode');
    try {
      const exact = await classify(photo('grace_hopper_512x600.jpg'));
      const fast = await classify(photo('grace_hopper_512x600.jpg'), { DECODE: 'fast' });
      expect(exact.status).toBe(200);
      expect(fast.status).toBe(200);
      // 512x600: the shorter side 512 at 2/8 is 128 = 2 x 64
      expect(spy.mock.calls.map((c) => c[1].scale)).toEqual([
        { num: 1, denom: 1 },
        { num: 1, denom: 4 },
      ]);
    } finally {
      spy.mockRestore();
    }
    const bad = await classify(photo('grace_hopper_512x600.jpg'), { DECODE: 'turbo' });
    expect(bad.status).toBe(500);
    const err = await errorOf(bad);
    expect(err.code).toBe('misconfigured');
    expect(err.message).toBe('The DECODE variable must be "exact" or "fast", got "turbo".');
  });

  it('a 40 Mpx baseline JPEG → 200, decoded at 1/8 in ~3 MiB of decoder memory', async () => {
    const jpeg = getDecoders().jpeg;
    jpeg.reset(); // start from a fresh instance so its memory is this decode's
    const res = await classify(BIG);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { predictions: unknown[] };
    expect(body.predictions).toHaveLength(3);
    console.log(`[large] 40 Mpx baseline JPEG in workerd: decoder wasm memory ${(jpeg.lastMemoryBytes / MiB).toFixed(1)} MiB`);
    expect(jpeg.lastMemoryBytes).toBeLessThanOrEqual(6 * MiB); // full size would be ~155 MiB
  });

  it('the 15.9 Mpx progressive photo → 200 (its coefficients, 45 MiB, fit the budget)', async () => {
    const res = await classify(photo('dandelions_5312x2988.jpg'));
    expect(res.status).toBe(200);
    expect(getDecoders().jpeg.lastMemoryBytes).toBeLessThanOrEqual(64 * MiB);
  });

  it('a 40 Mpx progressive JPEG → 413 before decoding, saying why', async () => {
    const spy = vi.spyOn(getDecoders().jpeg, 'decode');
    try {
      const res = await classify(BIG_PROGRESSIVE);
      expect(res.status).toBe(413);
      const err = await errorOf(res);
      expect(err.code).toBe('image_too_large');
      expect(err.message).toMatch(/7745x5161 progressive JPEG \(40\.0 megapixels\) needs about 11\d MiB of memory to decode .*DCT coefficients.*the limit is 64 MiB/);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('24 Mpx PNG and lossless WebP (under MAX_PIXELS) → 413 before decoding', async () => {
    const d = getDecoders();
    const spies = [vi.spyOn(d.png, 'decode'), vi.spyOn(d.webp, 'decode')];
    try {
      for (const [bytes, kind] of [
        [PNG_24MP, 'PNG'],
        [WEBP_24MP, 'lossless WebP'],
      ] as const) {
        const res = await classify(bytes);
        expect(res.status, kind).toBe(413);
        const err = await errorOf(res);
        expect(err.code).toBe('image_too_large');
        expect(err.message).toContain(`6000x4000 ${kind} (24.0 megapixels) needs about`);
      }
      for (const s of spies) expect(s).not.toHaveBeenCalled();
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });

  it('MAX_DECODE_MB is configurable; a bad value is a clear 500', async () => {
    const small = await classify(photo('grace_hopper_512x600.jpg'), { MAX_DECODE_MB: '1' });
    expect(small.status).toBe(413);
    expect((await errorOf(small)).message).toMatch(/512x600 JPEG .* the limit is 1\.0 MiB/);
    const roomy = await classify(BIG_PROGRESSIVE, { MAX_DECODE_MB: '160' });
    expect(roomy.status).toBe(200);
    getDecoders().jpeg.reset(); // do not keep the 118 MiB instance around for the other tests
    const bad = await classify(photo('grace_hopper_512x600.jpg'), { MAX_DECODE_MB: '64MB' });
    expect(bad.status).toBe(500);
    const err = await errorOf(bad);
    expect(err.code).toBe('misconfigured');
    expect(err.message).toContain('MAX_DECODE_MB');
  });
});
