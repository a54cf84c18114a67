/**
 * Start-up (worker/warmup.ts): by the time the Worker module has been evaluated, before any
 * request, the default model is prepared and has run, and a JPEG has been decoded and resized. `registry` is the module instance SELF serves (a fresh isolate per test file).
 */
import { describe, expect, it } from 'vitest';
import { registry } from '../../worker/index.ts';
import { getDecoders } from '../../worker/image/decoders.ts';

describe('isolate start-up', () => {
  it('the default model is prepared at module scope, before any request', () => {
    expect(registry.loaded().map((l) => `${l.name}/${l.build}`)).toEqual(['fashion-mnist/simd128']);
  });

  it('the JPEG decoder has already decoded once (its size is set by a decode)', () => {
    const d = getDecoders();
    expect(d.jpeg.lastMemoryBytes).toBeGreaterThan(0);
    expect(d.png.lastMemoryBytes).toBe(0); // only the JPEG path is warmed
  });
});
