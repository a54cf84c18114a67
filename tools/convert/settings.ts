/**
 * What `convert` will write, and where each setting came from: a flag, a calibration preset, the
 * checkpoint, or the converter's default. Printed as one block on stderr before calibrating, with
 * warnings where the settings contradict the calibration data, so a conversion cannot silently go
 * wrong (issue #9.2: a preset used to leave 224², ImageNet mean/std, colour and LABEL_i in place).
 */
import type { Preprocessing } from '../../worker/model/format.ts';
import type { CalibrationPreset } from './presets.ts';

export type Source = 'flag' | 'preset' | 'default';

export interface SettingsInput {
  /** Every preprocessing value, from the flags or their defaults. */
  options: Preprocessing;
  /** Which of them the user gave. */
  given: (key: keyof Preprocessing) => boolean;
  preset: CalibrationPreset | null;
  labelsFile?: { path: string; labels: string[] };
  /** Converter default labels for this class count (ImageNet names or LABEL_i). */
  defaultLabels: string[];
  numClasses: number;
}

export interface EffectiveSettings {
  preprocessing: Preprocessing;
  sources: Record<keyof Preprocessing, Source>;
  labels: string[];
  labelsSource: string;
  warnings: string[];
}

const KEYS: Array<keyof Preprocessing> = ['input_size', 'crop_pct', 'interpolation', 'mean', 'std', 'grayscale'];
const FLAG: Record<keyof Preprocessing, string> = { input_size: '--input-size', crop_pct: '--crop-pct', interpolation: '--interpolation', mean: '--mean', std: '--std', grayscale: '--grayscale' };
const show = (v: unknown) => (Array.isArray(v) ? v.map((x) => +Number(x).toFixed(4)).join(',') : String(v));
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function resolveSettings(s: SettingsInput): EffectiveSettings {
  const warnings: string[] = [];
  const preset = s.preset;
  const presetFits = !!preset && preset.labels.length === s.numClasses;
  if (preset && !presetFits) {
    warnings.push(`the checkpoint has ${s.numClasses} classes but ${preset.name} has ${preset.labels.length}: is this the right calibration data? Its labels are not used`);
  }
  const preprocessing = { ...s.options };
  const sources = {} as Record<keyof Preprocessing, Source>;
  for (const k of KEYS) {
    if (s.given(k)) {
      sources[k] = 'flag';
      if (preset && !same(s.options[k], preset.preprocessing[k])) {
        warnings.push(`${FLAG[k]} ${show(s.options[k])} overrides ${preset.name}'s ${show(preset.preprocessing[k])}: the model will see its images unlike the data it was trained and calibrated on`);
      }
    } else if (preset) {
      (preprocessing as Record<string, unknown>)[k] = preset.preprocessing[k];
      sources[k] = 'preset';
    } else sources[k] = 'default';
  }

  let labels = s.defaultLabels;
  let labelsSource = s.numClasses === 1000 && labels[0] !== 'LABEL_0' ? 'ImageNet class names (converter default for 1000 classes)' : 'placeholders (no --labels)';
  if (s.labelsFile) {
    labels = s.labelsFile.labels;
    labelsSource = `--labels ${s.labelsFile.path}`;
    if (presetFits && !same(labels, preset!.labels)) warnings.push(`--labels ${s.labelsFile.path} differ from ${preset!.name}'s class names (${preset!.labels.slice(0, 3).join(', ')}, …)`);
  } else if (presetFits) {
    labels = preset!.labels;
    labelsSource = `preset ${preset!.name}`;
  } else if (labels[0] === 'LABEL_0') {
    warnings.push(`no labels: the ${s.numClasses} classes will be named LABEL_0..LABEL_${s.numClasses - 1} (pass --labels <file>, one name per line)`);
  }
  return { preprocessing, sources, labels, labelsSource, warnings };
}

export interface SettingsReport {
  name: string;
  /** What the checkpoint is, as convert reports it (version/layout; width). */
  architecture: string;
  numClasses: number;
  precision: 'float32' | 'int8';
  /** "256 images of fashion-mnist:train, method mse", or the data-free note. */
  calibration: string;
  presetName?: string;
}

/** The block convert prints on stderr. */
export function formatSettings(e: EffectiveSettings, r: SettingsReport): string {
  const src = (k: keyof Preprocessing) => (e.sources[k] === 'flag' ? 'flag' : e.sources[k] === 'preset' ? `preset ${r.presetName}` : 'default');
  const p = e.preprocessing;
  const labelList = e.labels.length <= 10 ? e.labels.join(', ') : `${e.labels.slice(0, 5).join(', ')}, … (${e.labels.length})`;
  const lines = [
    'convert: effective settings',
    `  model        ${r.name}: ${r.architecture}, ${r.numClasses} classes (from the checkpoint), ${r.precision}`,
    `  input size   ${p.input_size}x${p.input_size} (${src('input_size')})`,
    `  crop         crop_pct ${p.crop_pct} (${src('crop_pct')}), resize ${p.interpolation} (${src('interpolation')})`,
    `  mean / std   ${show(p.mean)} / ${show(p.std)} (${src('mean')} / ${src('std')})`,
    `  colour       ${p.grayscale ? 'grayscale, copied to 3 channels' : 'RGB'} (${src('grayscale')})`,
    `  labels       ${labelList} (${e.labelsSource})`,
    `  calibration  ${r.calibration}`,
  ];
  for (const w of e.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n') + '\n';
}
