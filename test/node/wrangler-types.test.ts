/**
 * The checked-in Env type (worker-configuration.d.ts, the Workers convention) is what
 * `wrangler types` generates from wrangler.toml today: `npm run types` after changing the vars.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';

it('worker-configuration.d.ts is up to date with wrangler.toml (wrangler types --check)', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'types', '--include-runtime=false', '--strict-vars=false', '--check'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' },
    timeout: 120_000,
  });
  expect(r.status, `${r.stdout}${r.stderr}\nrun \`npm run types\``).toBe(0);
});
