/**
 * `convert` cannot silently go wrong (issue #9.2): a calibration preset implies its data set's
 * preprocessing and labels, flags override it with a warning, the effective settings are printed,
 * unknown presets are named. Truth: the training record of the default model
 * (models/fashion-mnist/result.json) and its committed header.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../../tools/convert/presets.ts';
import { readModelFile } from '../../worker/model/format.ts';
import { ROOT, runCli } from '../helpers/cli.ts';

const TINY = join(ROOT, 'test/fixtures/golden/tiny_w015_c10_s64.safetensors'); // 10 classes
const SMALL = join(ROOT, 'test/fixtures/golden/small_w030_c7_s48.pth.tar'); // 7 classes
const FMNIST = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';
const HAS_FMNIST = existsSync(FMNIST);
if (!HAS_FMNIST) console.warn(`SKIPPED the fashion-mnist:train preset conversions: ${FMNIST} not found (apt-get install dataset-fashion-mnist)`);
const dir = mkdtempSync(join(tmpdir(), 'ghostnet-convert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header = async (file: string) => (await readModelFile(new Uint8Array(readFileSync(file)))).header;
const FM_LABELS = readFileSync(join(ROOT, 'models/fashion-mnist/labels.txt'), 'utf8').trim().split('\n');

describe('the fashion-mnist:train preset', () => {
  it('holds the preprocessing the default model was trained with (result.json) and converted with (its header)', async () => {
    const p = PRESETS['fashion-mnist:train'];
    const training = JSON.parse(readFileSync(join(ROOT, 'models/fashion-mnist/result.json'), 'utf8')) as { size: number; mean: number; std: number };
    expect(p.preprocessing.input_size).toBe(training.size);
    expect(p.preprocessing.mean).toEqual([training.mean, training.mean, training.mean]);
    expect(p.preprocessing.std).toEqual([training.std, training.std, training.std]);
    const committed = await header(join(ROOT, 'models/fashion-mnist/ghostnetv2_fmnist.int8.gnv2'));
    expect(p.preprocessing).toEqual(committed.preprocessing);
    expect(p.labels).toEqual(committed.labels);
    expect(p.labels).toEqual(FM_LABELS);
  });

  it.skipIf(!HAS_FMNIST)('with no other flag: its preprocessing and labels, printed with their source', async () => {
    const out = join(dir, 'preset.gnv2');
    const r = runCli(['convert', TINY, '--out', out, '--calib', 'fashion-mnist:train', '--calib-count', '4']);
    expect(r.status, r.stderr).toBe(0);
    const h = await header(out);
    expect(h.preprocessing).toEqual(PRESETS['fashion-mnist:train'].preprocessing);
    expect(h.labels).toEqual(FM_LABELS);
    expect(r.stderr).toContain('convert: effective settings');
    expect(r.stderr).toMatch(/input size +64x64 \(preset fashion-mnist:train\)/);
    expect(r.stderr).toMatch(/crop +crop_pct 1 \(preset fashion-mnist:train\), resize bilinear \(preset fashion-mnist:train\)/);
    expect(r.stderr).toMatch(/mean \/ std +0\.2863,0\.2863,0\.2863 \/ 0\.3388,0\.3388,0\.3388 \(preset/);
    expect(r.stderr).toMatch(/colour +grayscale, copied to 3 channels \(preset fashion-mnist:train\)/);
    expect(r.stderr).toMatch(/labels +T-shirt\/top, Trouser, .*Ankle boot \(preset fashion-mnist:train\)/);
    expect(r.stderr).toMatch(/calibration +4 images of Fashion-MNIST training split .* method mse/);
    expect(r.stderr).not.toContain('warning');
  });

  it.skipIf(!HAS_FMNIST)('an explicit flag wins, with a warning that it contradicts the calibration data', async () => {
    const out = join(dir, 'override.gnv2');
    const r = runCli(['convert', TINY, '--out', out, '--calib', 'fashion-mnist:train', '--calib-count', '2', '--input-size', '32']);
    expect(r.status, r.stderr).toBe(0);
    const h = await header(out);
    expect(h.preprocessing.input_size).toBe(32);
    expect(h.preprocessing.grayscale).toBe(true);
    expect(r.stderr).toMatch(/input size +32x32 \(flag\)/);
    expect(r.stderr).toContain("warning: --input-size 32 overrides fashion-mnist:train's 64");
  });

  it.skipIf(!HAS_FMNIST)('a checkpoint whose class count does not fit the preset: warned, placeholder labels named', async () => {
    const r = runCli(['convert', SMALL, '--out', join(dir, 'small.gnv2'), '--calib', 'fashion-mnist:train', '--calib-count', '2']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: the checkpoint has 7 classes but fashion-mnist:train has 10');
    expect(r.stderr).toContain('warning: no labels: the 7 classes will be named LABEL_0..LABEL_6');
  });
});

describe('convert without a preset', () => {
  it('prints the defaults as defaults, and warns about placeholder labels', async () => {
    const r = runCli(['convert', TINY, '--out', join(dir, 'f32.gnv2'), '--precision', 'float32']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/input size +224x224 \(default\)/);
    expect(r.stderr).toMatch(/colour +RGB \(default\)/);
    expect(r.stderr).toMatch(/calibration +none \(float32\)/);
    expect(r.stderr).toContain('warning: no labels: the 10 classes will be named LABEL_0..LABEL_9');
  });

  it('an unknown preset is named as such, not reported as a missing folder', () => {
    const r = runCli(['convert', TINY, '--out', join(dir, 'x.gnv2'), '--calib', 'imagenet:val']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("ghostnet-edge: unknown calibration preset 'imagenet:val' (known: fashion-mnist:train)");
  });
});
