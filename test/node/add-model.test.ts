/**
 * The README's walk-through for bringing your own model, end to end (issue #9.4): an official-format
 * checkpoint (synthetic: tools/reference/make_checkpoint.py, Debian's PyTorch) → `convert` →
 * `add-model --default` → the Worker serves it: the deploy bundle (`wrangler deploy --dry-run`,
 * what `npm start` and `wrangler deploy` build) under Miniflare answers /v1/models and /v1/classify
 * with the new model, as the CLI classifies with it. Then `remove-model` takes it out again.
 * It runs in a scratch copy of the project (the real models/manifest.json is never touched).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';
import { missingPython, ROOT } from '../helpers/cli.ts';

const MISSING = missingPython(['torch']);
if (MISSING) console.warn(`SKIPPED add-model walk-through: ${MISSING}`);

const LABELS = ['alpha', 'beta', 'gamma', 'delta'];
let dir = '';
let mf: Miniflare | undefined;

afterAll(async () => {
  await mf?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The CLI as a user runs it, from inside the (scratch) project. */
function cli(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/ghostnet-edge.js'), ...args], { cwd, encoding: 'utf8', timeout: 600_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** What the deploy bundle needs: the Worker, the engine builds and the OpenAPI document (npm run build), the JPEG and PNG decoders, the manifest and its models. */
function scratchProject(): string {
  const p = mkdtempSync(join(tmpdir(), 'ghostnet-add-model-'));
  for (const f of ['package.json', 'wrangler.toml', 'worker']) cpSync(join(ROOT, f), join(p, f), { recursive: true });
  mkdirSync(join(p, 'build'));
  for (const f of readdirSync(join(ROOT, 'build')).filter((f) => f.endsWith('.wasm') || f === 'openapi.ts')) cpSync(join(ROOT, 'build', f), join(p, 'build', f));
  for (const f of ['native/jpeg/jpeg-turbo.wasm', 'native/png/png.wasm', 'native/webp/webp.wasm']) {
    mkdirSync(dirname(join(p, f)), { recursive: true });
    cpSync(join(ROOT, f), join(p, f));
  }
  // models/ as it is (manifest, model files, samples), without the 20 MB training checkpoint
  cpSync(join(ROOT, 'models'), join(p, 'models'), { recursive: true, filter: (src) => !src.endsWith('.pth.tar') });
  mkdirSync(join(p, 'test/fixtures/models'), { recursive: true });
  writeFileSync(join(p, 'test/fixtures/models/manifest.json'), '{ "models": [] }\n');
  symlinkSync(join(ROOT, 'node_modules'), join(p, 'node_modules'));
  return p;
}

describe.skipIf(!!MISSING)('bring your own model: checkpoint → convert → add-model --default → served', () => {
  it('the new model is the default in /v1/models and classifies a photo as the CLI does; remove-model takes it out', async () => {
    dir = scratchProject();
    const ck = join(dir, 'ck_ghostnetv2_synthetic.pth.tar');
    const made = spawnSync(
      '/usr/bin/python3',
      [join(ROOT, 'tools/reference/make_checkpoint.py'), '--width', '0.15', '--classes', String(LABELS.length), '--size', '64', '--calib', '16', '--threads', '1', '--out', ck],
      { encoding: 'utf8', timeout: 600_000 },
    );
    expect(made.status, made.stderr).toBe(0);
    writeFileSync(join(dir, 'labels.txt'), LABELS.join('\n') + '\n');

    const model = join(dir, 'mine.gnv2');
    const conv = cli(dir, ['convert', ck, '--out', model, '--name', 'mine', '--labels', 'labels.txt', '--input-size', '64', '--calib', join(ROOT, 'test/fixtures/photos'), '--calib-count', '4']);
    expect(conv.status, conv.stderr).toBe(0);

    const add = cli(dir, ['add-model', model, '--default']);
    expect(add.status, add.stderr).toBe(0);
    expect(add.stderr).toContain('as the default model');
    expect(existsSync(join(dir, 'models/mine.gnv2'))).toBe(true);

    const wrangler = spawnSync(process.execPath, [join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', 'dist'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' },
      timeout: 300_000,
    });
    expect(wrangler.status, wrangler.stderr).toBe(0);
    const config = unstable_readConfig({ config: join(dir, 'wrangler.toml') });
    mf = new Miniflare({
      modules: true,
      scriptPath: join(dir, 'dist/index.js'),
      modulesRoot: join(dir, 'dist'),
      modulesRules: config.rules.map((r: { type: 'ESModule' | 'CommonJS' | 'Text' | 'Data' | 'CompiledWasm'; globs: string[]; fallthrough?: boolean }) => ({
        type: r.type,
        include: r.globs,
        fallthrough: r.fallthrough,
      })),
      compatibilityDate: config.compatibility_date,
      compatibilityFlags: config.compatibility_flags,
      bindings: config.vars as Record<string, string>,
    });
    const listed = (await (await mf.dispatchFetch('http://localhost/v1/models')).json()) as { default: string; models: Array<{ name: string; labels: string[] }> };
    expect(listed.default).toBe('mine');
    expect(listed.models.map((m) => m.name)).toEqual(['fashion-mnist', 'mine']);
    expect(listed.models[1].labels).toEqual(LABELS);

    const photo = join(ROOT, 'test/fixtures/photos/grace_hopper_512x600.jpg');
    const res = await mf.dispatchFetch('http://localhost/v1/classify?top_k=0', { method: 'POST', body: readFileSync(photo) });
    expect(res.status).toBe(200);
    const served = (await res.json()) as { model: { name: string }; predictions: Array<{ label: string; score: number }> };
    expect(served.model.name).toBe('mine');
    const local = cli(dir, ['classify', '--model', model, '--top-k', '0', photo]);
    expect(local.status, local.stderr).toBe(0);
    expect(served.predictions).toEqual(JSON.parse(local.stdout).predictions);

    const remove = cli(dir, ['remove-model', 'mine']);
    expect(remove.status, remove.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'models/manifest.json'), 'utf8')) as { models: Array<{ name: string; default?: boolean }> };
    expect(manifest.models.map((m) => [m.name, !!m.default])).toEqual([['fashion-mnist', true]]);
    expect(readFileSync(join(dir, 'build/models.ts'), 'utf8')).not.toContain('mine');
  }, 900_000);
});
