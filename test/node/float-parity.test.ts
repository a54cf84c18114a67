/**
 * Float parity with PyTorch on the committed golden fixtures (made by tools/reference/make_fixtures.sh
 * with Debian's torch): checkpoint → our converter → our float reference must reproduce PyTorch's
 * logits to ≤ 1e-4 × max|logit|, whatever the checkpoint's wrapping.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModelFile } from '../../worker/model/format.ts';
import { loadCheckpoint, writeFloatModel } from '../../tools/convert/convert.ts';
import { floatNetFromModel } from '../../tools/convert/float-model.ts';
import { Feature } from '../../tools/convert/float-forward.ts';
import { runCli } from '../helpers/cli.ts';
import { maxAbs, maxAbsDiff } from '../../tools/lib/max-abs.ts';
import { loadNpy, topIndices } from '../helpers/npy.ts';

const golden = (f: string) => new URL(`../fixtures/golden/${f}`, import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(golden(f)));

async function floatModel(file: string, size: number) {
  const ck = await loadCheckpoint(bytes(file), file);
  return readModelFile(await writeFloatModel(ck, { name: file, sourceName: file, preprocessing: { input_size: size } }));
}

function forwardAll(model: Awaited<ReturnType<typeof floatModel>>, inputsFile: string) {
  const inputs = loadNpy(golden(inputsFile));
  const [n, c, h, w] = inputs.shape;
  const net = floatNetFromModel(model);
  const logits: Float32Array[] = [];
  const features: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const out = net.forward(new Feature(c, h, w, inputs.data.slice(i * c * h * w, (i + 1) * c * h * w)));
    logits.push(out.logits);
    features.push(out.features);
  }
  return { logits, features };
}

function expectClose(got: Float32Array[], refFile: string) {
  const ref = loadNpy(golden(refFile));
  const per = ref.shape[1];
  got.forEach((g, i) => {
    const r = ref.data.subarray(i * per, (i + 1) * per);
    const tol = 1e-4 * maxAbs(r);
    expect(maxAbsDiff(g, r), `${refFile} row ${i}`).toBeLessThanOrEqual(tol);
    expect(topIndices(g, 5)).toEqual(topIndices(r, 5));
  });
}

describe('float reference vs PyTorch (committed fixtures)', () => {
  for (const file of ['tiny_w015_c10_s64_thop.pth.tar', 'tiny_w015_c10_s64_module.pth.tar', 'tiny_w015_c10_s64.safetensors']) {
    it(`${file}: logits and features match PyTorch`, async () => {
      const model = await floatModel(file, 64);
      expect(model.header.architecture).toMatchObject({ width: 0.15, num_classes: 10 });
      expect(model.header.labels[3]).toBe('LABEL_3');
      const { logits, features } = forwardAll(model, 'inputs_s64.npy');
      expectClose(logits, 'logits_tiny_w015_c10_s64.npy');
      expectClose(features, 'features_tiny_w015_c10_s64.npy');
    });
  }

  it('the three wrappings of one checkpoint give the same model tensors', async () => {
    const a = await floatModel('tiny_w015_c10_s64_thop.pth.tar', 64);
    const b = await floatModel('tiny_w015_c10_s64_module.pth.tar', 64);
    const c = await floatModel('tiny_w015_c10_s64.safetensors', 64);
    for (const t of a.header.tensors) {
      expect(Array.from(b.tensor(t.name))).toEqual(Array.from(a.tensor(t.name)));
      expect(Array.from(c.tensor(t.name))).toEqual(Array.from(a.tensor(t.name)));
    }
  });

  it('width 0.3 at 48x48 (3x3 and 2x2 pooled to 1x1 in the DFC branch) matches PyTorch', async () => {
    const model = await floatModel('small_w030_c7_s48.pth.tar', 48);
    const { logits, features } = forwardAll(model, 'inputs_s48.npy');
    expectClose(logits, 'logits_small_w030_c7_s48.npy');
    expectClose(features, 'features_small_w030_c7_s48.npy');
  });

  it('through the CLI: convert --precision float32, then classify --float --logits on .npy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gne-'));
    const out = join(dir, 'tiny.gnv2');
    const conv = runCli(['convert', golden('tiny_w015_c10_s64_thop.pth.tar').pathname, '--out', out, '--input-size', '64', '--precision', 'float32']);
    expect(conv.status, conv.stderr).toBe(0);
    const cls = runCli(['classify', '--model', out, '--float', '--logits', '--top-k', '3', golden('inputs_s64.npy').pathname]);
    expect(cls.status, cls.stderr).toBe(0);
    const lines = cls.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    const ref = loadNpy(golden('logits_tiny_w015_c10_s64.npy'));
    lines.forEach((line, i) => {
      expect(line.index).toBe(i);
      expect(line.input).toContain('inputs_s64.npy');
      const r = ref.data.subarray(i * 10, (i + 1) * 10);
      expect(maxAbsDiff(line.logits, r)).toBeLessThanOrEqual(1e-4 * maxAbs(r));
      expect(line.predictions.map((p: { index: number }) => p.index)).toEqual(topIndices(r, 3));
      const scores = line.predictions.map((p: { score: number }) => p.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    });
    const noLogits = runCli(['classify', '--model', out, golden('inputs_s64.npy').pathname]);
    expect(JSON.parse(noLogits.stdout.split('\n')[0])).not.toHaveProperty('logits');
  });
});

describe('CLI errors are one line and non-zero', () => {
  it('missing file, wrong input shape, bad option, corrupt model', () => {
    const cases: [string[], RegExp][] = [
      [['convert', '/nonexistent.pth.tar', '--out', '/tmp/x.gnv2'], /cannot read \/nonexistent\.pth\.tar: no such file or directory/],
      [['info', golden('inputs_s64.npy').pathname], /not a ghostnet-edge model/],
      [['convert', golden('inputs_s64.npy').pathname, '--out', '/tmp/x.gnv2'], /checkpoint|pickle|format/i],
      [['convert', golden('tiny_w015_c10_s64_thop.pth.tar').pathname, '--out', '/tmp/x.gnv2', '--crop-pct', '2'], /--crop-pct/],
    ];
    for (const [args, re] of cases) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    }
  });
});
