/**
 * What the int8-fidelity tools (fidelity, int8-tensors, fake-quant) all start from: a checkpoint,
 * a normalized NCHW .npy of images and PyTorch's float logits for the same images, in that order.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { loadCheckpoint, type LoadedCheckpoint } from '../convert/convert.ts';
import { Feature } from '../convert/float-forward.ts';
import { readNpy } from '../io/npy.ts';

export interface PhotoSet {
  ck: LoadedCheckpoint;
  /** One float input per image, CHW. */
  xs: Feature[];
  /** PyTorch's logits for xs[i] (views into one buffer: read only). */
  ref: Float32Array[];
  /** The square input size. */
  size: number;
}

export async function loadPhotoSet(checkpoint: string, imagesNpy: string, logitsNpy: string): Promise<PhotoSet> {
  const ck = await loadCheckpoint(new Uint8Array(readFileSync(checkpoint)), basename(checkpoint));
  const images = readNpy(new Uint8Array(readFileSync(imagesNpy)));
  const logits = readNpy(new Uint8Array(readFileSync(logitsNpy)));
  const [n, c, h, w] = images.shape;
  const k = logits.shape[1];
  const xs = Array.from({ length: n }, (_, i) => new Feature(c, h, w, images.data.slice(i * c * h * w, (i + 1) * c * h * w)));
  const ref = Array.from({ length: n }, (_, i) => logits.data.subarray(i * k, (i + 1) * k));
  return { ck, xs, ref, size: h };
}
