/**
 * DECODE=fast against Pillow (issue #10.3): how far decoding every JPEG at the smallest DCT scale
 * M/8 that keeps its shorter side >= 2x the model's resize size moves the model input from
 * Pillow's, how often the model's top-5 stays the same, and what it saves in decode + resize time.
 *
 *   npm run eval:decode-fast -- [--model a.gnv2,b.gnv2] [--photos DIR] [--runs N] [--md FILE]
 *
 * Default models: the bundled default (64² gray Fashion-MNIST) and the 224² width-1.0 ImageNet-size
 * model that `npm run bench` / `bench:request` make (tmp/bench/...; synthetic weights). Photos:
 * every JPEG in test/fixtures/photos (PNG and WebP never scale). For each model and photo:
 *  - the scale each mode picks (worker/image/budget.ts planDecode);
 *  - |ours − Pillow| per input byte (the image right before ToTensor, 0..255), mean and max, for
 *    exact and for fast; Pillow's from tools/reference/pillow_inputs.py (Debian's Pillow 9.4);
 *  - top-5 of the int8 model on Pillow's input vs on ours (same classes in the same order), and
 *    the overlap of the two sets;
 *  - CPU ms of imageToInput (decode + resize + crop), exact vs fast, interleaved, median of --runs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { planDecode, scaleText, type DecodeMode } from '../../worker/image/budget.ts';
import { initNodeDecoders } from '../../worker/image/decoders-node.ts';
import { readImageHeader } from '../../worker/image/dimensions.ts';
import { DEFAULT_INPUT_LIMITS, imageToInput } from '../../worker/image/input.ts';
import { resizeShortSide } from '../../worker/image/preprocess.ts';
import { sniffFormat } from '../../worker/image/sniff.ts';
import { readModelFile, type ModelFile } from '../../worker/model/format.ts';
import { topK } from '../../worker/model/predictions.ts';
import { pixelRunner } from '../../worker/model/registry.ts';
import { createEngine } from '../engine-node.ts';
import { readNpy } from '../io/npy.ts';
import { headerHelp, int, toolArgs } from '../lib/args.ts';
import { median } from '../lib/median.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const MODES: DecodeMode[] = ['exact', 'fast'];

const { values: o } = toolArgs('eval:decode-fast', headerHelp(import.meta.url), {
  options: {
    model: { type: 'string' },
    photos: { type: 'string', default: join(ROOT, 'test/fixtures/photos') },
    runs: { type: 'string' },
    md: { type: 'string' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});

function defaultModels(): string[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'models/manifest.json'), 'utf8')) as { models: Array<{ file: string; default?: boolean }> };
  const def = manifest.models.find((m) => m.default) ?? manifest.models[0];
  const w10 = [join(ROOT, 'tmp/bench/request/w10.deploy.gnv2'), join(ROOT, 'tmp/bench/w10.int8.gnv2')].find(existsSync);
  if (!w10) console.error('no 224² model in tmp/bench (run `npm run bench:request` once, or pass --model): only the default model is measured');
  return [join(ROOT, 'models', def.file), ...(w10 ? [w10] : [])];
}

const cpuMs = () => process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000;
const f3 = (x: number) => x.toFixed(3);

interface Row {
  photo: string;
  scale: Record<DecodeMode, string>;
  mean: Record<DecodeMode, number>;
  max: Record<DecodeMode, number>;
  top5Same: Record<DecodeMode, boolean>;
  overlap: Record<DecodeMode, number>;
  ms: Record<DecodeMode, number>;
}

function diff(a: Uint8Array, b: Float32Array): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / a.length, max };
}

async function measureModel(path: string, photos: string[], runs: number): Promise<{ file: ModelFile; rows: Row[] }> {
  const file = await readModelFile(new Uint8Array(readFileSync(path)));
  const p = file.header.preprocessing;
  const tmp = mkdtempSync(join(tmpdir(), 'decode-fast-'));
  let pillow: Float32Array;
  try {
    const out = join(tmp, 'pillow.npy');
    execFileSync(o.python!, [join(ROOT, 'tools/reference/pillow_inputs.py'), out, JSON.stringify(p), ...photos], { stdio: ['ignore', 'inherit', 'inherit'] });
    pillow = readNpy(new Uint8Array(readFileSync(out))).data;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const engine = await createEngine(file, 'simd128');
  const run = pixelRunner(engine, p);
  const top5 = (px: Uint8Array) => topK(run(px).logits, file.header.labels, 5).map((x) => x.index);
  const n = p.input_size * p.input_size * 3;
  const rows: Row[] = [];
  for (const [i, photo] of photos.entries()) {
    const bytes = new Uint8Array(readFileSync(photo));
    const ref = pillow.subarray(i * n, (i + 1) * n);
    const refTop = top5(Uint8Array.from(ref));
    const header = readImageHeader(bytes, sniffFormat(bytes) as 'jpeg');
    const row = { photo: basename(photo), scale: {}, mean: {}, max: {}, top5Same: {}, overlap: {}, ms: {} } as Row;
    const times: Record<DecodeMode, number[]> = { exact: [], fast: [] };
    for (const mode of MODES) {
      const limits = { ...DEFAULT_INPUT_LIMITS, decode: mode };
      const plan = planDecode(header, { bodyBytes: bytes.length, maxDecodeBytes: limits.maxDecodeBytes, resizeShortSide: resizeShortSide(p), mode });
      row.scale[mode] = scaleText(plan.scale);
      const input = await imageToInput(bytes, p, limits);
      const d = diff(input.pixels, ref);
      row.mean[mode] = d.mean;
      row.max[mode] = d.max;
      const t = top5(input.pixels);
      row.top5Same[mode] = t.every((c, k) => c === refTop[k]);
      row.overlap[mode] = t.filter((c) => refTop.includes(c)).length;
    }
    for (let r = 0; r < runs; r++) {
      for (const mode of r % 2 ? [...MODES].reverse() : MODES) {
        const c0 = cpuMs();
        await imageToInput(bytes, p, { ...DEFAULT_INPUT_LIMITS, decode: mode });
        times[mode].push(cpuMs() - c0);
      }
    }
    for (const mode of MODES) row.ms[mode] = median(times[mode]);
    rows.push(row);
  }
  return { file, rows };
}

function report(models: Array<{ path: string; file: ModelFile; rows: Row[] }>, runs: number): string {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const out: string[] = [
    '# DECODE=fast vs Pillow (`npm run eval:decode-fast`)',
    '',
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; load average ${load}; Node ${process.versions.node}. ` +
      `Input = the image right before ToTensor (bytes 0..255); Pillow's from tools/reference/pillow_inputs.py. ` +
      `Top-5 = the int8 model's five classes on Pillow's input vs ours ("same" = same classes in the same order). ` +
      `ms = CPU of imageToInput (decode + resize + crop) in Node, median of ${runs}, the modes interleaved.`,
  ];
  for (const { path, file, rows } of models) {
    const p = file.header.preprocessing;
    out.push(
      '',
      `## ${file.header.name} (${basename(path)}): input ${p.input_size}², resize ${resizeShortSide(p)}${p.grayscale ? ', gray' : ''}, ${file.header.architecture.num_classes} classes`,
      '',
      '| photo | scale exact | scale fast | mean \\|Δ\\| exact | max exact | mean \\|Δ\\| fast | max fast | top-5 exact | top-5 fast | ms exact | ms fast | fast ÷ exact |',
      '|---|---|---|---:|---:|---:|---:|---|---|---:|---:|---:|',
    );
    for (const r of rows) {
      const t = (m: DecodeMode) => (r.top5Same[m] ? 'same' : `${r.overlap[m]}/5`);
      out.push(
        `| ${r.photo} | ${r.scale.exact} | ${r.scale.fast} | ${f3(r.mean.exact)} | ${r.max.exact} | ${f3(r.mean.fast)} | ${r.max.fast} | ${t('exact')} | ${t('fast')} | ${r.ms.exact.toFixed(2)} | ${r.ms.fast.toFixed(2)} | ${(r.ms.fast / r.ms.exact).toFixed(2)}× |`,
      );
    }
    const scaled = rows.filter((r) => r.scale.fast !== r.scale.exact);
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
    out.push(
      '',
      `${scaled.length} of ${rows.length} JPEGs decode at another scale in fast mode. Over those: mean |Δ| ${f3(mean(scaled.map((r) => r.mean.fast)))} (exact ${f3(mean(scaled.map((r) => r.mean.exact)))}), ` +
        `max ${Math.max(0, ...scaled.map((r) => r.max.fast))} (exact ${Math.max(0, ...scaled.map((r) => r.max.exact))}); ` +
        `top-5 the same as on Pillow's input: fast ${scaled.filter((r) => r.top5Same.fast).length}/${scaled.length}, exact ${scaled.filter((r) => r.top5Same.exact).length}/${scaled.length}; ` +
        `fast ÷ exact CPU (median of the ratios) ${median(scaled.map((r) => r.ms.fast / r.ms.exact)).toFixed(2)}×.`,
    );
  }
  return out.join('\n') + '\n';
}

const runs = int(o.runs, '--runs', 7, 1);
await initNodeDecoders();
const photos = readdirSync(o.photos!)
  .filter((f) => /\.jpe?g$/i.test(f))
  .sort()
  .map((f) => join(o.photos!, f));
const paths = o.model ? o.model.split(',').map((m) => resolve(m)) : defaultModels();
const models = [];
for (const path of paths) models.push({ path, ...(await measureModel(path, photos, runs)) });
const md = report(models, runs);
process.stdout.write(md);
if (o.md) writeFileSync(o.md, md);
