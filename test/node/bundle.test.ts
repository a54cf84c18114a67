/**
 * The deploy bundle, as Cloudflare would get it: `wrangler deploy --dry-run --outdir dist`, then
 * dist/index.js (with the .wasm and .gnv2 modules wrangler wrote next to it) run under Miniflare
 * with the bindings and module rules of wrangler.toml.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';
import { startImageOrigin, type ImageOrigin } from '../helpers/image-origin.ts';

const root = resolve(import.meta.dirname, '../..');
const outdir = join(root, 'dist');
let mf: Miniflare;
/** A local image origin (test/helpers/image-origin.ts) the bundle may fetch from (IMAGE_ORIGINS). */
let origin: ImageOrigin;

beforeAll(async () => {
  rmSync(outdir, { recursive: true, force: true });
  await promisify(execFile)(process.execPath, [join(root, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', 'dist'], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' },
    maxBuffer: 16 * 1024 * 1024,
  });
  expect(existsSync(join(outdir, 'index.js'))).toBe(true);

  origin = await startImageOrigin(join(root, 'test/fixtures/photos'));
  const config = unstable_readConfig({ config: join(root, 'wrangler.toml') });
  // Classify by URL ships off; this test turns it on for its local origin.
  expect((config.vars as Record<string, string>).IMAGE_ORIGINS).toBe('');
  mf = new Miniflare({
    modules: true,
    scriptPath: join(outdir, 'index.js'),
    modulesRules: config.rules.map((r: { type: 'ESModule' | 'CommonJS' | 'Text' | 'Data' | 'CompiledWasm'; globs: string[]; fallthrough?: boolean }) => ({
      type: r.type,
      include: r.globs,
      fallthrough: r.fallthrough,
    })),
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    bindings: { ...(config.vars as Record<string, string>), IMAGE_ORIGINS: `127.0.0.1:${origin.port}` },
  });
  await mf.ready;
}, 300_000);

afterAll(async () => {
  await mf?.dispose();
  await origin?.close();
});

const photo = (name: string) => readFileSync(join(root, 'test/fixtures/photos', name));

describe('deploy bundle (dist/index.js under Miniflare)', () => {
  it('bundles the engine builds, the resampler, the decoders and the model files as modules', () => {
    const js = readFileSync(join(outdir, 'index.js'), 'utf8');
    for (const name of ['engine.simd128.wasm', 'engine.relaxed.wasm', 'resample.simd128.wasm', 'jpeg-turbo.wasm', 'png.wasm', 'webp.wasm', '.gnv2']) {
      expect(js).toContain(name);
    }
  });

  it('bundles exactly the models of models/manifest.json: never the test fixture models', async () => {
    const manifest = JSON.parse(readFileSync(join(root, 'models/manifest.json'), 'utf8')) as { models: Array<{ name: string; file: string; default?: boolean }> };
    const bundledFiles = readdirSync(outdir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.gnv2'));
    // wrangler writes each module as <sha1>-<file name>
    expect(bundledFiles.map((f) => basename(f).replace(/^[0-9a-f]{40}-/, '')).sort()).toEqual(manifest.models.map((m) => basename(m.file)).sort());
    expect(readFileSync(join(outdir, 'index.js'), 'utf8')).not.toContain('tiny');
    const res = await mf.dispatchFetch('http://localhost/v1/models');
    const body = (await res.json()) as { default: string; models: Array<{ name: string }> };
    expect(body.models.map((m) => m.name)).toEqual(manifest.models.map((m) => m.name));
    expect(body.models.map((m) => m.name)).not.toContain('tiny-synthetic');
    expect(body.default).toBe((manifest.models.find((m) => m.default) ?? manifest.models[0]).name);
    const tiny = await mf.dispatchFetch('http://localhost/v1/classify?model=tiny-synthetic', { method: 'POST', body: photo('grace_hopper_512x600.jpg') });
    expect(tiny.status).toBe(422);
  });

  it('GET /healthz', async () => {
    const res = await mf.dispatchFetch('http://localhost/healthz');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('ok');
  });

  it('GET /v1/models', async () => {
    const res = await mf.dispatchFetch('http://localhost/v1/models');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { default: string; models: Array<{ name: string; sha256: string; num_classes: number }> };
    expect(body.default).toBe('fashion-mnist');
    expect(body.models.find((m) => m.name === body.default)?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('POST /v1/classify with a photo', async () => {
    for (const name of ['grace_hopper_512x600.jpg', 'chelsea_cat_451x300.png', 'plush_gophers_lossless_600x400.webp']) {
      const res = await mf.dispatchFetch('http://localhost/v1/classify?top_k=3', { method: 'POST', body: photo(name), headers: { 'Content-Type': 'application/octet-stream' } });
      expect(res.status, name).toBe(200);
      expect(res.headers.get('server-timing')).toMatch(/inference;dur=/);
      const body = (await res.json()) as { model: { name: string }; predictions: Array<{ label: string; score: number }> };
      expect(body.model.name).toBe('fashion-mnist');
      expect(body.predictions).toHaveLength(3);
    }
  });

  it('a 40 Mpx baseline JPEG → 200 (DCT-scaled decode); a 40 Mpx progressive one → 413 (decode memory budget)', async () => {
    const big = readFileSync(join(root, 'test/fixtures/large/rings_7745x5161.jpg'));
    const ok = await mf.dispatchFetch('http://localhost/v1/classify?top_k=1', { method: 'POST', body: big, headers: { 'Content-Type': 'image/jpeg' } });
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    const prog = readFileSync(join(root, 'test/fixtures/large/gradient_7745x5161_progressive.jpg'));
    const refused = await mf.dispatchFetch('http://localhost/v1/classify', { method: 'POST', body: prog, headers: { 'Content-Type': 'image/jpeg' } });
    expect(refused.status).toBe(413);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error.message).toMatch(/progressive JPEG .* the limit is 64 MiB/);
  });

  it('a 12 MB upload over HTTP → 413; the Worker keeps serving', async () => {
    const big = Buffer.alloc(12 * 1024 * 1024, 0x41);
    big.set([0xff, 0xd8, 0xff, 0xe0]);
    const res = await mf.dispatchFetch('http://localhost/v1/classify', { method: 'POST', body: big, headers: { 'Content-Type': 'image/jpeg' } });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('body_too_large');
    expect((await mf.dispatchFetch('http://localhost/healthz')).status).toBe(200);
  });

  it('GET /v1/classify?url= and the result cache (on by wrangler.toml): miss, then hit; the upload of the same bytes hits', async () => {
    const url = `http://127.0.0.1:${origin.port}/img/grace_hopper_512x600.jpg?n=bundle-${Date.now()}`;
    const get = async () => {
      const res = await mf.dispatchFetch(`http://localhost/v1/classify?top_k=0&url=${encodeURIComponent(url)}`);
      expect(res.status, await res.clone().text()).toBe(200);
      return { res, body: (await res.json()) as { cache: string; predictions: Array<{ index: number; score: number }> } };
    };
    const miss = await get();
    expect(miss.body.cache).toBe('miss');
    expect(miss.res.headers.get('cache-control')).toBe('public, max-age=300');
    // The entry is written after the answer (waitUntil): wait for it.
    let hit = await get();
    for (let i = 0; i < 40 && hit.body.cache !== 'hit'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      hit = await get();
    }
    expect(hit.body.cache).toBe('hit');
    expect(hit.res.headers.get('x-cache')).toBe('hit');
    expect(hit.body.predictions).toEqual(miss.body.predictions);
    const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
    const up = await mf.dispatchFetch('http://localhost/v1/classify?top_k=0', { method: 'POST', body: bytes });
    expect(((await up.json()) as { cache: string; predictions: unknown }).predictions).toEqual(miss.body.predictions);
    expect(up.headers.get('x-cache')).toBe('hit');
    const refused = await mf.dispatchFetch(`http://localhost/v1/classify?url=${encodeURIComponent('http://example.com/cat.jpg')}`);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('origin_not_allowed');
  });

  it('unsupported formats and bad parameters answer 4xx JSON', async () => {
    const gif = await mf.dispatchFetch('http://localhost/v1/classify', { method: 'POST', body: readFileSync(join(root, 'test/fixtures/hostile/photo.gif')) });
    expect(gif.status).toBe(415);
    const bad = await mf.dispatchFetch('http://localhost/v1/classify?top_k=-1', { method: 'POST', body: photo('grace_hopper_512x600.jpg') });
    expect(bad.status).toBe(422);
  });
});

// The demo page in real headless Chromium (Debian's chromium, driven by playwright-core), served
// by the deploy bundle under Miniflare. CI installs chromium; elsewhere this says it is skipped.
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`SKIPPED demo page test: ${CHROMIUM} not found (apt-get install chromium)`);

async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

describe.skipIf(!hasChromium)('demo page in headless Chromium', () => {
  it('pick a Fashion-MNIST test image: it is shown, and the top 5 appear as bars with the right label first', async () => {
    const browser = await launchChromium();
    try {
      const url = await mf.ready;
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url.href);
      await page.setInputFiles('#file', join(root, 'test/fixtures/fashion-mnist/test_00000.png'));
      await page.waitForSelector('#results .bar', { timeout: 60_000 });
      expect(await page.locator('#preview').isVisible()).toBe(true);
      const labels = await page.locator('#results .bar .label').allTextContents();
      expect(labels).toHaveLength(5);
      // test_00000.png is an ankle boot (test/fixtures/fashion-mnist/labels.json).
      expect(labels[0]).toBe('Ankle boot');
      const pcts = (await page.locator('#results .bar .pct').allTextContents()).map((t) => parseFloat(t));
      expect([...pcts].sort((a, b) => b - a)).toEqual(pcts);
      await page.waitForTimeout(600); // let the bars' width transition finish
      // The bars are drawn: the top one's fill spans its score's share of the track.
      const [fill, track] = await Promise.all([page.locator('#results .bar .fill').first().boundingBox(), page.locator('#results .bar .track').first().boundingBox()]);
      expect(fill!.width / track!.width).toBeCloseTo(pcts[0] / 100, 1);
      await page.screenshot({ path: join(root, 'tmp/demo-page.png'), fullPage: true });
      // A Fashion-MNIST test image is in the model's domain: no note.
      expect(await page.locator('#domain').isVisible()).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('says what the model knows, offers its test images to click, and flags a colour photo as outside its domain', async () => {
    const browser = await launchChromium();
    try {
      const manifest = JSON.parse(readFileSync(join(root, 'models/manifest.json'), 'utf8')) as { models: Array<{ name: string; domain: { text: string }; samples: Array<{ label: string }> }> };
      const def = manifest.models.find((m) => m.name === 'fashion-mnist')!;
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto((await mf.ready).href);
      await page.waitForSelector('#samples button');
      const about = await page.locator('#about').textContent();
      expect(about).toContain(`Trained on: ${def.domain.text}.`);
      expect(about).toContain('Its 10 classes: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot.');
      const buttons = page.locator('#samples button');
      expect(await buttons.count()).toBe(def.samples.length);
      expect(await page.locator('#samples img').evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth === 28))).toBe(true);

      // Click the Trouser sample: it is classified as a trouser, and nothing is flagged.
      const trouser = def.samples.findIndex((x) => x.label === 'Trouser');
      await buttons.nth(trouser).click();
      await page.waitForSelector('#results .bar');
      expect(await page.locator('#results .bar .label').first().textContent()).toBe('Trouser');
      expect(await page.locator('#preview').isVisible()).toBe(true);
      expect(await page.locator('#domain').isVisible()).toBe(false);

      // A colour photo: the answer comes with the out-of-domain note beside it.
      await page.setInputFiles('#file', join(root, 'test/fixtures/photos/grace_hopper_512x600.jpg'));
      await page.waitForSelector('#domain:not([hidden])', { timeout: 60_000 });
      expect(await page.locator('#results .bar').count()).toBe(5);
      expect(await page.locator('#domain').textContent()).toMatch(/^Outside what this model knows: This is a colour image .*grayscale/);
      await page.screenshot({ path: join(root, 'tmp/demo-page-out-of-domain.png'), fullPage: true });

      // Back to a sample: the note goes away.
      await buttons.nth(0).click();
      await page.waitForFunction(() => document.getElementById('domain')!.hidden);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
