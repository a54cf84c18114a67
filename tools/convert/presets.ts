/**
 * Calibration presets: `--calib <dataset>:<split>` names a data set the converter can read itself,
 * and with it the preprocessing and labels that data set's models are trained with. A preset
 * implies those settings unless the user gives the flag; convert prints what it used (settings.ts).
 */
import type { Preprocessing } from '../../worker/model/format.ts';
import { FASHION_MNIST_LABELS } from '../eval/fashion-mnist.ts';

export interface CalibrationPreset {
  name: string;
  /** One line for the effective-settings block. */
  data: string;
  preprocessing: Preprocessing;
  labels: string[];
}

/**
 * Fashion-MNIST as tools/train/train_fashion_mnist.py trains on it (models/fashion-mnist/result.json):
 * the 28×28 gray image resized to 64×64 (Pillow bilinear, no crop), normalized with the training
 * set's mean/std measured at 64×64, copied to 3 channels.
 */
const FASHION_MNIST_MEAN = 0.28626330949371875;
const FASHION_MNIST_STD = 0.3387631602458103;

export const PRESETS: Record<string, CalibrationPreset> = {
  'fashion-mnist:train': {
    name: 'fashion-mnist:train',
    data: 'Fashion-MNIST training split (28×28 gray, /usr/share/datasets/fashion-mnist; never the test split)',
    preprocessing: {
      input_size: 64,
      crop_pct: 1,
      interpolation: 'bilinear',
      mean: [FASHION_MNIST_MEAN, FASHION_MNIST_MEAN, FASHION_MNIST_MEAN],
      std: [FASHION_MNIST_STD, FASHION_MNIST_STD, FASHION_MNIST_STD],
      grayscale: true,
    },
    labels: FASHION_MNIST_LABELS,
  },
};

export class UnknownPresetError extends Error {}

/**
 * The preset `calib` names, or null when it is a path. A `name:split` that is neither a known
 * preset nor an existing path is named as an unknown preset (not reported as a missing folder).
 */
export function calibrationPreset(calib: string | undefined, pathExists: (p: string) => boolean): CalibrationPreset | null {
  if (!calib) return null;
  const preset = PRESETS[calib];
  if (preset) return preset;
  if (/^[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/.test(calib) && !pathExists(calib)) {
    throw new UnknownPresetError(`unknown calibration preset '${calib}' (known: ${Object.keys(PRESETS).join(', ')})`);
  }
  return null;
}
