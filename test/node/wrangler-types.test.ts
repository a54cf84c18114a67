/**
 * The checked-in Env type (worker-configuration.d.ts, the Workers convention) is what
 * `wrangler types` generates from wrangler.toml today: `npm run types` after changing the vars.
 *
 * The check runs on a copy (wrangler.toml, the types file, a link to worker/) in a temporary
 * folder: `wrangler types --check` always reads a .dev.vars beside wrangler.toml, and a
 * developer's own .dev.vars (API_KEY, IMAGE_ORIGINS, as docs/API.md suggests) reorders the
 * generated type, so the check would fail on a correct checkout.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';

it('worker-configuration.d.ts is up to date with wrangler.toml (wrangler types --check)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wrangler-types-'));
  try {
    for (const f of ['wrangler.toml', 'worker-configuration.d.ts']) copyFileSync(join(ROOT, f), join(dir, f));
    symlinkSync(join(ROOT, 'worker'), join(dir, 'worker'), 'dir');
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'types', '--include-runtime=false', '--strict-vars=false', '--check'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' },
      timeout: 120_000,
    });
    expect(r.status, `${r.stdout}${r.stderr}\nrun \`npm run types\``).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
