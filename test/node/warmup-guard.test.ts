/**
 * worker/warmup.ts installs stand-ins for Response and the timers while its warm-up requests run
 * at module scope. If a warm-up ever waited on something that is not a microtask, it would not
 * settle, and the stand-ins would stay: endWarmUp(), which the Worker's fetch calls before every
 * request, must then remove them. Here the warm-up's app never answers.
 */
import type { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppEnv, Env } from '../../worker/env.ts';
import { initNodeDecoders } from '../../worker/image/decoders-node.ts';
import type { ModelRegistry } from '../../worker/model/registry.ts';
import { endWarmUp, PIPELINE_RUNS, warmUp, warmUpReport } from '../../worker/warmup.ts';

// The warm-up's image pipeline passes come before its requests and need the decoders.
await initNodeDecoders();
const preprocessing = { input_size: 2, crop_pct: 1, interpolation: 'bilinear', mean: [0, 0, 0], std: [1, 1, 1], grayscale: false };
const registry = {
  preloadDefault: () => ({ header: { preprocessing }, runPixels() {}, runInt8() {} }),
} as unknown as ModelRegistry;
const neverAnswers = { fetch: () => new Promise<Response>(() => {}) } as unknown as Hono<AppEnv>;

afterEach(() => vi.restoreAllMocks());

describe('the warm-up stand-ins', () => {
  it('a warm-up that never settles: endWarmUp() puts the real Response and timers back, once, and logs it', async () => {
    const real = { Response: globalThis.Response, setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    warmUp(registry, {} as Env, neverAnswers);
    await new Promise((r) => setImmediate(r));
    expect(warmUpReport.pipelineRuns).toBe(PIPELINE_RUNS); // the passes before the requests went through
    expect(warmUpReport.settled).toBe(false);
    expect(globalThis.Response).not.toBe(real.Response); // the stand-ins are still in

    endWarmUp();
    expect(globalThis.Response).toBe(real.Response);
    expect(globalThis.setTimeout).toBe(real.setTimeout);
    expect(globalThis.clearTimeout).toBe(real.clearTimeout);
    expect(await new Response('body').text()).toBe('body');
    expect(await new Promise((r) => setTimeout(() => r('fired'), 1))).toBe('fired');
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0][0])).toMatch(/had not settled/);

    endWarmUp(); // later requests: nothing to do, nothing logged
    expect(log).toHaveBeenCalledTimes(1);
  });
});
