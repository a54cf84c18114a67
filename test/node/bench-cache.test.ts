/**
 * `npm run bench:cache` in its smallest form (one committed photo, the default model and the
 * committed tiny model, 2 samples): it bundles the real Worker, serves it in workerd with the
 * result cache on and a local origin, checks every hit request really was a hit and every miss a
 * miss (the bench throws otherwise), and writes real figures. Not a speed test: no figure is
 * compared with a bound other than > 0.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';

const work = join(ROOT, 'tmp/test-bench-cache');

describe('npm run bench:cache (smallest run)', () => {
  it('measures hits and misses on the real Worker in workerd and writes the reports', () => {
    rmSync(work, { recursive: true, force: true });
    const args = ['--samples', '2', '--warmup', '1', '--images', 'png', '--model', 'test/fixtures/models/tiny_w015_c10_s64.int8.gnv2'];
    args.push('--work', work, '--json', `${work}/r.json`, '--md', `${work}/r.md`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'tools/bench/cache.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 200_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const rep = JSON.parse(readFileSync(`${work}/r.json`, 'utf8')) as { rows: Array<{ image: string; model: string; cpu: Record<string, number>; uploadRatio: { ratio: number } }> };
    expect(rep.rows.map((x) => `${x.image}|${x.model}`)).toEqual(['png|default', 'png|test/fixtures/models/tiny_w015_c10_s64.int8.gnv2']);
    for (const row of rep.rows) {
      for (const k of ['noop', 'upload-miss', 'upload-hit', 'url-miss', 'url-hit']) expect(row.cpu[k], k).toBeGreaterThan(0);
      expect(row.uploadRatio.ratio).toBeGreaterThan(0);
    }
    expect(readFileSync(`${work}/r.md`, 'utf8')).toContain('| image | model | no-op CPU ms | upload miss | upload hit | hit ÷ miss |');
  }, 240_000);
});
