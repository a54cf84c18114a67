/**
 * Fashion-MNIST from Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, MIT, Zalando SE):
 * IDX files, gzip-compressed. 10,000 test images of 28x28 gray.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { DecodedImage } from '../../worker/image/types.ts';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export interface GraySet {
  count: number;
  rows: number;
  cols: number;
  images: Uint8Array; // count * rows * cols
  labels: Uint8Array;
}

function idx(path: string, magic: number): { dims: number[]; data: Uint8Array } {
  const raw = gunzipSync(readFileSync(path));
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (view.getUint32(0) !== magic) throw new Error(`${path}: not an IDX file with magic ${magic.toString(16)}`);
  const nd = magic & 0xff;
  const dims = Array.from({ length: nd }, (_, i) => view.getUint32(4 + 4 * i));
  return { dims, data: new Uint8Array(raw.buffer, raw.byteOffset + 4 + 4 * nd) };
}

export function loadFashionMnist(split: 'train' | 'test', dir = FASHION_MNIST_DIR): GraySet {
  const prefix = split === 'train' ? 'train' : 't10k';
  const imagesPath = join(dir, `${prefix}-images-idx3-ubyte.gz`);
  if (!existsSync(imagesPath)) throw new Error(`Fashion-MNIST not found in ${dir}: apt-get install dataset-fashion-mnist`);
  const images = idx(imagesPath, 0x803);
  const labels = idx(join(dir, `${prefix}-labels-idx1-ubyte.gz`), 0x801);
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) throw new Error('Fashion-MNIST images and labels disagree in count');
  return { count, rows, cols, images: images.data, labels: labels.data };
}

export interface EvalReport {
  count: number;
  accuracy: number;
  perClass: { label: string; accuracy: number; count: number }[];
  confusion: number[][]; // [true][predicted]
}

export function evalReport(truth: ArrayLike<number>, predicted: ArrayLike<number>, labels: string[]): EvalReport {
  const k = labels.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    confusion[truth[i]][predicted[i]]++;
    if (truth[i] === predicted[i]) correct++;
  }
  const perClass = labels.map((label, c) => {
    const n = confusion[c].reduce((a, b) => a + b, 0);
    return { label, count: n, accuracy: n ? confusion[c][c] / n : 0 };
  });
  return { count: truth.length, accuracy: correct / truth.length, perClass, confusion };
}

export function formatReport(r: EvalReport, floatAccuracy?: number): string {
  const pct = (x: number) => (100 * x).toFixed(2).padStart(6);
  const lines = [
    `int8 accuracy: ${pct(r.accuracy)}% on ${r.count} images` + (floatAccuracy !== undefined ? `   (float: ${pct(floatAccuracy)}%, Δ ${(100 * (r.accuracy - floatAccuracy)).toFixed(2)} points)` : ''),
  ];
  lines.push('', 'per class:');
  for (const c of r.perClass) lines.push(`  ${c.label.padEnd(12)} ${pct(c.accuracy)}%  (${c.count})`);
  lines.push('', 'confusion matrix (rows: true, columns: predicted):');
  const w = 6;
  lines.push(' '.repeat(13) + r.perClass.map((_, i) => String(i).padStart(w)).join(''));
  r.confusion.forEach((row, i) => lines.push(`${String(i).padStart(2)} ${r.perClass[i].label.slice(0, 10).padEnd(10)}` + row.map((v) => String(v).padStart(w)).join('')));
  return lines.join('\n');
}

/** One gray image of the set as a decoded RGBA image, so it goes through the Worker's own preprocessing. */
export function grayImage(set: GraySet, i: number): DecodedImage {
  const n = set.rows * set.cols;
  const data = new Uint8ClampedArray(4 * n);
  for (let p = 0; p < n; p++) {
    const v = set.images[i * n + p];
    data[4 * p] = data[4 * p + 1] = data[4 * p + 2] = v;
    data[4 * p + 3] = 255;
  }
  return { width: set.cols, height: set.rows, data, orientation: 1 };
}
