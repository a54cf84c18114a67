/**
 * Full-size parity with PyTorch: synthetic width-1.0 and width-1.3 checkpoints at 224x224 with
 * 1000 classes in the official format (flat state_dict + 178 thop entries), generated with
 * Debian's torch by tools/reference/large_set.py (test/helpers/large.ts). Needs /usr/bin/python3
 * with torch: CI installs it; elsewhere these tests are skipped and say so.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { missingPython, runCli } from '../helpers/cli.ts';
import { differingTensors, ensureLargeSet, LARGE, LARGE_SET_TIMEOUT_MS, PHOTOS } from '../helpers/large.ts';
import { cosine } from '../../tools/lib/cosine.ts';
import { maxAbs, maxAbsDiff } from '../../tools/lib/max-abs.ts';
import { loadNpy, topIndices } from '../helpers/npy.ts';

// large_set.py needs PyTorch, torchvision (the reference preprocessing), Pillow and numpy.
const MISSING = missingPython(['torch', 'torchvision', 'PIL', 'numpy']);
const TORCH = MISSING === null;
if (MISSING) console.warn(`SKIPPED torch-parity: ${MISSING}`);

describe.skipIf(!TORCH)('float parity with PyTorch at 224, 1000 classes (torch needed)', () => {
  beforeAll(ensureLargeSet, LARGE_SET_TIMEOUT_MS);

  for (const [width, tag] of [
    [1.0, 'w10'],
    [1.3, 'w13'],
  ] as const) {
    it(`width ${width}: convert --precision float32 then classify --float --logits reproduces PyTorch's logits`, () => {
      const model = join(LARGE, `${tag}.f32.gnv2`);
      const conv = runCli(['convert', join(LARGE, `ck_${tag}.pth.tar`), '--out', model, '--precision', 'float32']);
      expect(conv.status, conv.stderr).toBe(0);
      const info = JSON.parse(runCli(['info', model, '--json']).stdout);
      expect(info.architecture).toMatchObject({ width, num_classes: 1000 });
      expect(info.labels[1]).toBe('goldfish');

      for (const [inputs, logitsFile] of [
        ['inputs_s224.npy', `logits_${tag}.npy`],
        ['photos_s224.npy', `photos_logits_${tag}.npy`],
      ]) {
        const cls = runCli(['classify', '--model', model, '--float', '--logits', join(LARGE, inputs)]);
        expect(cls.status, cls.stderr).toBe(0);
        const ref = loadNpy(join(LARGE, logitsFile));
        const rows = cls.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
        expect(rows.length).toBe(ref.shape[0]);
        let worst = 0;
        rows.forEach((row, i) => {
          const r = ref.data.subarray(i * 1000, (i + 1) * 1000);
          worst = Math.max(worst, maxAbsDiff(row.logits, r) / maxAbs(r));
          expect(maxAbsDiff(row.logits, r), `${inputs}[${i}]`).toBeLessThanOrEqual(1e-4 * maxAbs(r));
          // The real photos (preprocessed by Pillow/torchvision): same top-5 as PyTorch.
          expect(row.predictions.map((p: { index: number }) => p.index)).toEqual(topIndices(r, 5));
        });
        console.log(`width ${width}, ${inputs}: float max|Δ|/max|logit| ${worst.toExponential(2)} over ${rows.length} inputs`);
      }
    }, 900_000);
  }

  it('width 1.0 through our own image pipeline (image files, not tensors): same top-5 as PyTorch + Pillow', () => {
    const names = JSON.parse(readFileSync(join(LARGE, 'photos_top5_w10.json'), 'utf8')) as { name: string; top5: number[] }[];
    const cls = runCli(['classify', '--model', join(LARGE, 'w10.f32.gnv2'), '--float', ...names.map((n) => join(PHOTOS, n.name))]);
    expect(cls.status, cls.stderr).toBe(0);
    const rows = cls.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    rows.forEach((row, i) => {
      const got: number[] = row.predictions.map((p: { index: number }) => p.index);
      // Every photo, CMYK JPEGs included, decodes bit-identically to Pillow (the CLI decodes at full size).
      expect(got, names[i].name).toEqual(names[i].top5);
    });
  }, 900_000);

  it('the module.-wrapped and safetensors copies convert to the same model', async () => {
    // The same weights as ck_w10.pth.tar, whose conversion reproduces PyTorch above: every tensor
    // of their conversions must be bit-identical to it (so must every logit).
    for (const src of ['ck_w10_module.pth.tar', 'ck_w10.safetensors']) {
      const out = join(LARGE, `${src}.gnv2`);
      const r = runCli(['convert', join(LARGE, src), '--out', out, '--precision', 'float32']);
      expect(r.status, r.stderr).toBe(0);
      expect(await differingTensors(join(LARGE, 'w10.f32.gnv2'), out), src).toEqual([]);
    }
  }, 900_000);
});

describe.skipIf(!TORCH)('int8 fidelity against PyTorch float at 224, 1000 classes (torch needed)', () => {
  beforeAll(ensureLargeSet, LARGE_SET_TIMEOUT_MS);
  // Calibrate on the first 8 real photos (Pillow-preprocessed), measure on the other 9.
  const CALIB = 8;
  for (const tag of ['w10', 'w13']) {
    it(`${tag}: convert --calib (8 photos) then classify: mean logits cosine ≥ 0.93 on the held-out photos`, () => {
      const photos = join(LARGE, 'photos_s224.npy');
      const model = join(LARGE, `${tag}.int8.gnv2`);
      const conv = runCli(['convert', join(LARGE, `ck_${tag}.pth.tar`), '--out', model, '--calib', photos, '--calib-count', String(CALIB)]);
      expect(conv.status, conv.stderr).toBe(0);
      expect(conv.stderr).toMatch(/int8, calibrated on 8 images \(mse\)/);
      const cls = runCli(['classify', '--model', model, '--logits', photos]);
      expect(cls.status, cls.stderr).toBe(0);
      const ref = loadNpy(join(LARGE, `photos_logits_${tag}.npy`));
      const rows = cls.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const cos: number[] = [];
      for (let i = CALIB; i < rows.length; i++) {
        const r = ref.data.subarray(i * 1000, (i + 1) * 1000);
        cos.push(cosine(rows[i].logits as number[], r));
      }
      const mean = cos.reduce((a, b) => a + b, 0) / cos.length;
      console.log(`${tag} int8 vs PyTorch: mean cosine ${mean.toFixed(4)}, min ${Math.min(...cos).toFixed(4)} over ${cos.length} held-out photos`);
      expect(mean).toBeGreaterThanOrEqual(0.93);
    }, 900_000);
  }
});
