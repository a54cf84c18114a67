/**
 * Full-size parity with PyTorch: synthetic width-1.0 and width-1.3 checkpoints at 224x224 with
 * 1000 classes in the official format (flat state_dict + 178 thop entries), generated with
 * Debian's torch by tools/reference/make_large.sh. Needs /usr/bin/python3 with torch: CI installs
 * it; elsewhere these tests are skipped and say so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { missingPython, ROOT, runCli } from '../helpers/cli.ts';
import { cosine } from '../../tools/lib/cosine.ts';
import { maxAbs, maxAbsDiff } from '../../tools/lib/max-abs.ts';
import { loadNpy, topIndices } from '../helpers/npy.ts';

// make_large.sh needs PyTorch, torchvision (the reference preprocessing), Pillow and numpy.
const MISSING = missingPython(['torch', 'torchvision', 'PIL', 'numpy']);
const TORCH = MISSING === null;
if (MISSING) console.warn(`SKIPPED torch-parity: ${MISSING}`);
const LARGE = process.env.GHOSTNET_LARGE_DIR ?? join(ROOT, 'tmp/large');
const PHOTOS = join(ROOT, 'test/fixtures/photos');

describe.skipIf(!TORCH)('float parity with PyTorch at 224, 1000 classes (torch needed)', () => {
  beforeAll(() => {
    // Generated once and cached (a few minutes on 2 cores); the manifest's last line marks completion.
    const done = join(LARGE, 'photos_top5_w13.json');
    if (!existsSync(done)) execFileSync('bash', [join(ROOT, 'tools/reference/make_large.sh'), LARGE, '--photos', PHOTOS], { stdio: 'inherit', timeout: 1_200_000 });
  }, 1_300_000);

  for (const [width, tag] of [[1.0, 'w10'], [1.3, 'w13']] as const) {
    it(`width ${width}: convert --precision float32 then classify --float --logits reproduces PyTorch's logits`, () => {
      const model = join(LARGE, `${tag}.f32.gnv2`);
      const conv = runCli(['convert', join(LARGE, `ck_${tag}.pth.tar`), '--out', model, '--precision', 'float32']);
      expect(conv.status, conv.stderr).toBe(0);
      const info = JSON.parse(runCli(['info', model, '--json']).stdout);
      expect(info.architecture).toMatchObject({ width, num_classes: 1000 });
      expect(info.labels[1]).toBe('goldfish');

      for (const [inputs, logitsFile] of [['inputs_s224.npy', `logits_${tag}.npy`], ['photos_s224.npy', `photos_logits_${tag}.npy`]]) {
        const cls = runCli(['classify', '--model', model, '--float', '--logits', join(LARGE, inputs)]);
        expect(cls.status, cls.stderr).toBe(0);
        const ref = loadNpy(join(LARGE, logitsFile));
        const rows = cls.stdout.trim().split('\n').map((l) => JSON.parse(l));
        expect(rows.length).toBe(ref.shape[0]);
        rows.forEach((row, i) => {
          const r = ref.data.subarray(i * 1000, (i + 1) * 1000);
          expect(maxAbsDiff(row.logits, r), `${inputs}[${i}]`).toBeLessThanOrEqual(1e-4 * maxAbs(r));
          // The real photos (preprocessed by Pillow/torchvision): same top-5 as PyTorch.
          expect(row.predictions.map((p: { index: number }) => p.index)).toEqual(topIndices(r, 5));
        });
      }
    }, 900_000);
  }

  it('width 1.0 through our own image pipeline (image files, not tensors): same top-5 as PyTorch + Pillow', () => {
    const names = (JSON.parse(readFileSync(join(LARGE, 'photos_top5_w10.json'), 'utf8')) as { name: string; top5: number[] }[]);
    const cls = runCli(['classify', '--model', join(LARGE, 'w10.f32.gnv2'), '--float', ...names.map((n) => join(PHOTOS, n.name))]);
    expect(cls.status, cls.stderr).toBe(0);
    const rows = cls.stdout.trim().split('\n').map((l) => JSON.parse(l));
    rows.forEach((row, i) => {
      const got: number[] = row.predictions.map((p: { index: number }) => p.index);
      // Every photo, CMYK JPEGs included, decodes bit-identically to Pillow (the CLI decodes at full size).
      expect(got, names[i].name).toEqual(names[i].top5);
    });
  }, 900_000);

  it('the module.-wrapped and safetensors copies convert to the same model', () => {
    for (const src of ['ck_w10_module.pth.tar', 'ck_w10.safetensors']) {
      const out = join(LARGE, `${src}.gnv2`);
      const r = runCli(['convert', join(LARGE, src), '--out', out, '--precision', 'float32']);
      expect(r.status, r.stderr).toBe(0);
      const cls = runCli(['classify', '--model', out, '--float', '--logits', join(LARGE, 'inputs_s224.npy')]);
      const ref = loadNpy(join(LARGE, 'logits_w10.npy'));
      cls.stdout.trim().split('\n').forEach((l, i) => {
        const r = ref.data.subarray(i * 1000, (i + 1) * 1000);
        expect(maxAbsDiff(JSON.parse(l).logits, r)).toBeLessThanOrEqual(1e-4 * maxAbs(r));
      });
    }
  }, 900_000);
});

describe.skipIf(!TORCH)('int8 fidelity against PyTorch float at 224, 1000 classes (torch needed)', () => {
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
      const rows = cls.stdout.trim().split('\n').map((l) => JSON.parse(l));
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
