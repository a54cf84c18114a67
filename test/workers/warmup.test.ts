/**
 * Start-up (worker/warmup.ts): by the time the Worker module has been evaluated, before any
 * request, the default model is prepared and has run, and warm-up classify requests have gone
 * through the whole app (router, middleware, body reading, decode, inference, JSON answer) with
 * the stand-ins for what workerd refuses at module scope, which are gone again. `registry` is the
 * module instance SELF serves (a fresh isolate per test file).
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { app, registry } from '../../worker/index.ts';
import { getDecoders } from '../../worker/image/decoders.ts';
import { PIPELINE_RUNS, warmUpReport } from '../../worker/warmup.ts';
import { classifyBytes, photo, preloadPhotos } from './support.ts';

await preloadPhotos(['video005_gray_150x103.jpg']);

describe('isolate start-up', () => {
  it('the default model is prepared at module scope, before any request', () => {
    expect(warmUpReport.prepared).toBe(true);
    // the build ENGINE selects (wrangler.toml: auto; the relaxed build on AVX-VNNI, unpacking the SIMD128-only file)
    expect(registry.loaded().map((l) => `${l.name}/${l.build}`)).toEqual([`fashion-mnist/${registry.build(env.ENGINE)}`]);
  });

  it('warm-up requests went through the whole app and answered 200 with predictions, within module evaluation', () => {
    expect(warmUpReport.settled).toBe(true);
    expect(warmUpReport.answers.length).toBe(2);
    for (const a of warmUpReport.answers) {
      expect(a).toHaveProperty('status', 200);
      const json = JSON.parse((a as { json: string }).json) as { model: { name: string }; predictions: unknown[]; cache: string };
      expect(json.model.name).toBe('fashion-mnist');
      expect(json.predictions).toHaveLength(5);
      expect(json.cache).toBe('off');
    }
  });

  it('the image pipeline ran on the warm-up JPEG PIPELINE_RUNS times, each pass giving the default model its input', () => {
    expect(PIPELINE_RUNS).toBeGreaterThan(0);
    expect(warmUpReport.pipelineRuns).toBe(PIPELINE_RUNS);
  });

  it("the router's matcher was built at start-up", () => {
    // SmartRouter throws here until its first match has picked (and built) a router.
    expect((app.router as unknown as { activeRouter: { name: string } }).activeRouter.name).toBe('RegExpRouter');
  });

  it('the JPEG decoder has already decoded (its size is set by a decode)', () => {
    const d = getDecoders();
    expect(d.jpeg.lastMemoryBytes).toBeGreaterThan(0);
    expect(d.png.lastMemoryBytes).toBe(0); // only the JPEG path is warmed
  });

  it('the stand-ins are gone: requests get real bodies and timers work', async () => {
    expect(Response.name).toBe('Response');
    expect(await new Promise((r) => setTimeout(() => r('fired'), 1))).toBe('fired');
    const res = await classifyBytes(photo('video005_gray_150x103.jpg'), '?top_k=3');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { predictions: unknown[] }).predictions).toHaveLength(3);
  });
});
