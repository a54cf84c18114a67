/**
 * GET /: a self-contained demo page (inline HTML, CSS and JS; no external assets) that calls the
 * API: it says what the chosen model knows (description, training domain, classes), offers its
 * sample images (models/manifest.json: test-set images it never trained on) to click, and shows the
 * out-of-domain note /v1/classify answers. GET /demo/samples.json serves those samples.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import type { ModelRegistry } from '../model/registry.ts';

const CSP = "default-src 'none'; img-src blob: data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function demo(registry: ModelRegistry) {
  const app = new Hono<AppEnv>();
  app.get('/', (c) => {
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Cache-Control', 'public, max-age=300');
    return c.html(PAGE, 200);
  });
  app.get('/demo/samples.json', (c) => {
    const samples: Record<string, Array<{ label: string; image: string }>> = {};
    for (const name of registry.names) samples[name] = registry.bundled(name)?.samples ?? [];
    c.header('Cache-Control', 'public, max-age=300');
    return c.json({ samples }, 200);
  });
  return app;
}

export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ghostnet-edge demo</title>
<style>
  :root { color-scheme: light dark; --accent: #f38020; --muted: #8888; }
  * { box-sizing: border-box; }
  body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 760px; margin: 2rem auto; padding: 0 1rem; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  p.sub { margin: 0 0 1.25rem; opacity: .75; }
  #drop { border: 2px dashed var(--muted); border-radius: 12px; padding: 1.25rem; text-align: center; cursor: pointer; transition: border-color .15s, background .15s; }
  #drop.over { border-color: var(--accent); background: #f3802014; }
  #drop img { max-width: 100%; max-height: 320px; display: block; margin: 0 auto .75rem; border-radius: 8px; }
  .row { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; margin: 1rem 0; }
  select, input[type=password] { font: inherit; padding: .3rem .5rem; }
  #results { margin-top: 1rem; }
  .bar { display: grid; grid-template-columns: 11rem 1fr 4.5rem; gap: .6rem; align-items: center; margin: .35rem 0; }
  .bar .label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .bar .track { background: #8882; border-radius: 6px; height: 1.1rem; overflow: hidden; }
  .bar .fill { display: block; background: var(--accent); height: 100%; width: 0; transition: width .4s ease; }
  .bar .pct { text-align: right; font-variant-numeric: tabular-nums; }
  #status { min-height: 1.5em; font-size: .9rem; opacity: .8; }
  #status.error { color: #d33; opacity: 1; }
  #about { font-size: .9rem; margin: .25rem 0 1rem; }
  #about .classes { opacity: .8; }
  #samples { display: flex; gap: .4rem; flex-wrap: wrap; margin: .5rem 0 1rem; }
  #samples button { padding: 0; border: 2px solid transparent; border-radius: 6px; background: none; cursor: pointer; }
  #samples button:hover, #samples button:focus { border-color: var(--accent); }
  #samples img { width: 56px; height: 56px; image-rendering: pixelated; display: block; border-radius: 4px; }
  #domain { margin-top: .75rem; padding: .6rem .8rem; border-left: 4px solid #d93; background: #d9931a1a; border-radius: 4px; font-size: .9rem; }
  footer { margin-top: 2rem; font-size: .85rem; opacity: .7; }
  code { font-size: .9em; }
</style>
</head>
<body>
<h1>ghostnet-edge</h1>
<p class="sub">GhostNetV2, int8 WebAssembly, in a Cloudflare Worker. Pick or drop an image (JPEG, PNG or WebP), or click a sample.</p>

<div id="drop" tabindex="0" role="button" aria-label="Choose or drop an image">
  <img id="preview" alt="" hidden>
  <div id="hint">Drop an image here, or click to choose one</div>
  <input id="file" type="file" accept="image/jpeg,image/png,image/webp" hidden>
</div>

<div class="row">
  <label>Model <select id="model"><option value="">(default)</option></select></label>
  <label id="keyrow" hidden>API key <input id="key" type="password" autocomplete="off" size="24"></label>
</div>
<div id="about"></div>
<div id="samplesrow" hidden>Or try one of its test images (never trained on): <div id="samples"></div></div>

<div id="status" aria-live="polite"></div>
<div id="results"></div>
<div id="domain" role="note" hidden></div>

<footer>API: <code>POST /v1/classify</code>, <code>POST /v1/embed</code>, <code>GET /v1/models</code> — see <a href="/openapi.json">/openapi.json</a>.</footer>

<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const drop = $('drop'), file = $('file'), preview = $('preview'), hint = $('hint');
  const statusEl = $('status'), results = $('results'), modelSel = $('model'), keyRow = $('keyrow'), keyIn = $('key');
  const about = $('about'), samplesRow = $('samplesrow'), samplesEl = $('samples'), domainEl = $('domain');
  let current = null, models = [], samples = {};

  keyIn.value = sessionStorage.getItem('ghostnet-key') || '';
  if (keyIn.value) keyRow.hidden = false;
  const headers = () => (keyIn.value ? { Authorization: 'Bearer ' + keyIn.value } : {});

  function setStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.className = isError ? 'error' : '';
  }

  async function errorText(res) {
    try { const j = await res.json(); return j.error ? j.error.message + ' (' + res.status + ' ' + j.error.code + ')' : 'HTTP ' + res.status; }
    catch { return 'HTTP ' + res.status; }
  }

  async function loadModels() {
    const res = await fetch('/v1/models', { headers: headers() });
    if (res.status === 401) { keyRow.hidden = false; setStatus('This deployment needs an API key.', true); return; }
    if (!res.ok) { setStatus(await errorText(res), true); return; }
    const data = await res.json();
    models = data.models;
    modelSel.innerHTML = '';
    for (const m of data.models) {
      const o = document.createElement('option');
      o.value = m.name;
      o.textContent = m.name + ' (' + m.num_classes + ' classes, ' + m.precision + ')';
      o.selected = m.default;
      modelSel.appendChild(o);
    }
    try { samples = (await (await fetch('/demo/samples.json')).json()).samples || {}; } catch { samples = {}; }
    showModel();
  }

  /** What the chosen model knows: description, training domain, classes; and its sample images. */
  function showModel() {
    const m = models.find((x) => x.name === modelSel.value) || models.find((x) => x.default);
    about.innerHTML = '';
    if (!m) return;
    const line = (cls, text) => { const d = document.createElement('div'); d.className = cls; d.textContent = text; about.appendChild(d); };
    if (m.description) line('desc', m.description);
    if (m.domain) line('trained', 'Trained on: ' + m.domain.text + '.');
    line('classes', 'Its ' + m.labels.length + ' classes: ' + (m.labels.length > 20 ? m.labels.slice(0, 20).join(', ') + ', …' : m.labels.join(', ')) + '. Any image gets one of these.');
    samplesEl.innerHTML = '';
    const list = samples[m.name] || [];
    samplesRow.hidden = list.length === 0;
    list.forEach((s, i) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.title = s.label;
      b.dataset.label = s.label;
      const img = document.createElement('img');
      img.src = 'data:image/png;base64,' + s.image;
      img.alt = s.label;
      b.appendChild(img);
      b.addEventListener('click', () => {
        const bin = atob(s.image), bytes = new Uint8Array(bin.length);
        for (let k = 0; k < bin.length; k++) bytes[k] = bin.charCodeAt(k);
        classify(new File([bytes], 'sample ' + (i + 1) + ' (' + s.label + ').png', { type: 'image/png' }));
      });
      samplesEl.appendChild(b);
    });
  }

  function showDomain(d) {
    domainEl.hidden = !(d && d.in_domain === false);
    domainEl.textContent = d && d.in_domain === false ? 'Outside what this model knows: ' + d.reason + ' Its answer is one of its classes anyway, so read it with care.' : '';
  }

  function render(predictions) {
    results.innerHTML = '';
    for (const p of predictions) {
      const row = document.createElement('div');
      row.className = 'bar';
      const label = document.createElement('span'); label.className = 'label'; label.textContent = p.label; label.title = p.label + ' (class ' + p.index + ')';
      const track = document.createElement('span'); track.className = 'track';
      const fill = document.createElement('span'); fill.className = 'fill'; track.appendChild(fill);
      const pct = document.createElement('span'); pct.className = 'pct'; pct.textContent = (p.score * 100).toFixed(1) + '%';
      row.append(label, track, pct);
      results.appendChild(row);
      requestAnimationFrame(() => { fill.style.width = Math.max(0.5, p.score * 100) + '%'; });
    }
  }

  async function classify(f) {
    current = f;
    preview.src = URL.createObjectURL(f);
    preview.hidden = false;
    hint.textContent = f.name + ' — drop or click for another';
    results.innerHTML = '';
    showDomain(null);
    setStatus('Classifying…');
    const q = new URLSearchParams({ top_k: '5' });
    if (modelSel.value) q.set('model', modelSel.value);
    const t0 = performance.now();
    try {
      const res = await fetch('/v1/classify?' + q, { method: 'POST', body: f, headers: { 'Content-Type': f.type || 'application/octet-stream', ...headers() } });
      if (res.status === 401) keyRow.hidden = false;
      if (!res.ok) { setStatus(await errorText(res), true); return; }
      const data = await res.json();
      render(data.predictions);
      showDomain(data.domain);
      const t = data.timing;
      setStatus(data.model.name + ' · decode ' + t.decode_ms.toFixed(1) + ' ms · preprocess ' + t.preprocess_ms.toFixed(1) + ' ms · inference ' + t.inference_ms.toFixed(1) + ' ms · round trip ' + (performance.now() - t0).toFixed(0) + ' ms');
    } catch (e) {
      setStatus('Request failed: ' + e.message, true);
    }
  }

  drop.addEventListener('click', () => file.click());
  drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); file.click(); } });
  file.addEventListener('change', () => { if (file.files[0]) classify(file.files[0]); });
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer.files[0];
    if (f) classify(f);
  });
  modelSel.addEventListener('change', () => { showModel(); if (current) classify(current); });
  keyIn.addEventListener('change', () => { sessionStorage.setItem('ghostnet-key', keyIn.value); loadModels().then(() => { if (current) classify(current); }); });
  loadModels().catch((e) => setStatus('Could not list models: ' + e.message, true));
})();
</script>
</body>
</html>
`;
