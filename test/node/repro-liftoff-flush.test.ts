/**
 * tools/repro/liftoff-flush: the workerd behaviour docs/benchmarks/request.md and bench:request's
 * `serve` variant rest on. A WebAssembly function compiled at start-up in one isolate is compiled
 * again on the first request when workerd created another isolate after it (V8 drops all baseline
 * code on each new isolate's "moderate memory pressure"), and not when the Worker is alone. Run
 * with the workerd that Miniflare and the bench use; should an upgrade change it, this fails and
 * the docs must change with it.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';

describe('tools/repro/liftoff-flush', () => {
  it('another isolate created after the Worker makes V8 compile its WebAssembly function again', () => {
    const r = spawnSync(process.execPath, ['tools/repro/liftoff-flush/run.mjs', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const { results } = JSON.parse(r.stdout) as { results: Array<{ config: string; liftoff: number }> };
    expect(results).toEqual([
      { config: 'one.capnp', liftoff: 1 },
      { config: 'two.capnp', liftoff: 2 },
    ]);
  });
});
