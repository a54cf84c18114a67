/**
 * Concurrency and memory: requests at once answer exactly what they answer one by one, and no
 * WASM memory (engine, decoders, resampler) grows over 500 requests. `registry` is imported from the worker
 * entry: under vitest-pool-workers that is the same module instance SELF serves.
 */
import { describe, expect, it, vi } from 'vitest';
import { Int8Engine } from '../../worker/model/engine.ts';
import { registry } from '../../worker/index.ts';
import { getDecoders } from '../../worker/image/decoders.ts';
import { wasmResampler } from '../../worker/image/resample-wasm.ts';
import { BASE, classifyBytes, fetchWithEnv, photo, post, preloadPhotos, withoutVolatile } from './support.ts';

const MIX = [
  'video005_gray_150x103.jpg',
  'video001_cmyk_150x103.jpg',
  'video001_410_progressive_150x103.jpg',
  'grace_hopper_512x600.jpg',
  'chelsea_cat_451x300.png',
  'plush_gophers_lossless_600x400.webp',
  'grace_hopper_exif_orient6_600x512.jpg',
  'coffee_rgba_cutout_600x400.png',
];

await preloadPhotos(MIX);

type Send = (path: string, body: Uint8Array) => Promise<Response>;
const viaSelf: Send = (path, body) => post(path, body as Uint8Array<ArrayBuffer>);
/**
 * The same worker module without the test harness's socket: over 500 requests SELF.fetch itself
 * slows down steadily inside vitest-pool-workers (even for /healthz), while direct calls stay flat.
 */
const direct: Send = (path, body) => fetchWithEnv(new Request(`${BASE}${path}`, { method: 'POST', body: body as Uint8Array<ArrayBuffer> }), {});

async function answer(i: number, mix = MIX, send = viaSelf): Promise<{ status: number; body: unknown }> {
  const name = mix[i % mix.length];
  // every 4th request is an embed, every 7th a broken image, so errors interleave with work
  const res =
    i % 7 === 6 ? await send('/v1/classify', photo(name).slice(0, 2000)) : i % 4 === 3 ? await send('/v1/embed', photo(name)) : await send(`/v1/classify?top_k=${i % 3 === 0 ? 0 : 3}`, photo(name));
  return { status: res.status, body: withoutVolatile(await res.json()) };
}

describe('concurrency', () => {
  it("the default model is ready before any request; requests racing a lazy model's first load share one load", async () => {
    expect(registry.loaded().map((l) => l.name)).toEqual(['fashion-mnist']); // prepared at module scope
    const prepare = vi.spyOn(Int8Engine, 'prepare');
    try {
      const all = await Promise.all(Array.from({ length: 16 }, () => classifyBytes(photo('video005_gray_150x103.jpg'), '?model=tiny-synthetic')));
      expect(all.map((r) => r.status)).toEqual(new Array(16).fill(200));
      expect(prepare).toHaveBeenCalledTimes(1);
      expect(registry.loaded().map((l) => l.name)).toEqual(['fashion-mnist', 'tiny-synthetic']);
    } finally {
      prepare.mockRestore();
    }
  });

  it('32 concurrent requests answer the same as the same requests one by one', async () => {
    const sequential = [];
    for (let i = 0; i < 32; i++) sequential.push(await answer(i));
    expect(sequential.filter((a) => a.status === 200).length).toBeGreaterThan(20);
    const concurrent = await Promise.all(Array.from({ length: 32 }, (_, i) => answer(i)));
    expect(concurrent).toEqual(sequential);
  });
});

describe('memory', () => {
  /** Linear memory of the image pipeline's modules (a decoder's is what its last decode left). */
  function imageMemory(): Record<string, number> {
    const d = getDecoders();
    return { jpeg: d.jpeg.lastMemoryBytes, png: d.png.lastMemoryBytes, webp: d.webp.lastMemoryBytes, resampler: wasmResampler()!.memoryBytes };
  }

  it('WASM memory (engine, decoders, resampler) does not grow over 500 requests', async () => {
    // Warm-up: every image of the mix once, so each module has grown to what the mix needs.
    for (const name of MIX) expect((await classifyBytes(photo(name))).status).toBe(200);
    const before = registry.loaded();
    expect(before.length).toBeGreaterThanOrEqual(1);
    for (const l of before) expect(l.memoryBytes).toBeGreaterThan(0);
    const warm = imageMemory();
    for (const [k, v] of Object.entries(warm)) expect(v, k).toBeGreaterThan(0);
    const peak = { ...warm };
    for (let i = 0; i < 500; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, (_, j) => answer(i + j, MIX, direct)));
      for (const a of batch) expect([200, 400]).toContain(a.status);
      for (const [k, v] of Object.entries(imageMemory())) peak[k] = Math.max(peak[k], v);
    }
    expect(registry.loaded()).toEqual(before);
    // Broken images recycle a decoder (a fresh, smaller instance), so a module may end below its
    // warm-up size; it must never end above it.
    expect(peak).toEqual(warm);
  });
});
