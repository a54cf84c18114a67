/**
 * The JavaScript the first request of the real Worker (the deploy bundle alone in workerd, a
 * 4:2:0 JPEG to the default model) still has V8 compile, read from V8's own logs
 * (tools/bench/recompiles.ts `js`: --log-function-events for the functions compiled on their first
 * call, --trace-opt for those marked for optimisation). The start-up warm-up runs the request path
 * (worker/warmup.ts), through the Worker's own fetch; wrangler.toml's no_nodejs_global_timers keeps
 * workerd's Node-style timers (JavaScript compiled on first use, in the first request: the body
 * deadline sets one) out; the warm-up computes a photo's resize taps, so that resample.ts
 * `coefficients` is optimised before the first photo (it was marked in that request). Should one
 * of these go, or a new code path appear that only a real request takes, this fails.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundle, recompiles, type Phase } from '../../tools/bench/recompiles.ts';

const root = resolve(import.meta.dirname, '../..');
const bundleDir = join(root, 'tmp/test-first-request-js');
const image = join(root, 'test/fixtures/photos/grace_hopper_512x600.jpg');
/** Where resample.ts declares coefficients, as the source map names it. */
const coefficientsAt = `worker/image/resample.ts:${
  readFileSync(join(root, 'worker/image/resample.ts'), 'utf8')
    .split('\n')
    .findIndex((l) => l.startsWith('export function coefficients(')) + 1
}`;

let phases: Phase[];
beforeAll(async () => {
  bundle(bundleDir);
  phases = await recompiles({ bundleDir, alone: true, image, requests: 1, js: true });
}, 300_000);

describe('JavaScript compiled by the first request of a fresh isolate', () => {
  it('the logs are read: the start-up compiled the bundle and optimised coefficients', () => {
    const startup = phases[0].js!;
    expect(startup.lazy.filter((f) => f.script === 'index.js').length).toBeGreaterThan(100);
    expect(startup.lazy.some((f) => f.source?.startsWith('worker/warmup.ts:'))).toBe(true);
    expect(coefficientsAt).not.toBe('worker/image/resample.ts:0');
    expect(startup.marked.map((f) => f.source)).toContain(coefficientsAt);
  });

  it('compiles no function on its first call: neither the bundle’s nor workerd’s own', () => {
    const first = phases.find((p) => p.phase === 'request 1')!.js!;
    expect(first.lazy.map((f) => `${f.script} ${f.name}`)).toEqual([]);
  });

  it('does not mark resample.ts coefficients for optimisation (it ran optimised)', () => {
    const first = phases.find((p) => p.phase === 'request 1')!.js!;
    expect(first.marked.map((f) => f.source)).not.toContain(coefficientsAt);
  });
});
