/**
 * checkpoint bytes → model file bytes: read (zip + pickle / safetensors) → check against the
 * architecture → fold BN → (quantize) → write.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inferNetSpec, type NetSpec } from '../../worker/model/architecture.ts';
import { writeModelFile, sha256Hex, type Preprocessing, type TensorToWrite, type ModelHeader } from '../../worker/model/format.ts';
import { readCheckpoint, type StateDict } from './checkpoint/index.ts';
import { foldBatchNorms, type FoldedConv } from './fold.ts';

export const CONVERTER_VERSION = 'ghostnet-edge-convert 0.1.0';

export const IMAGENET_PREPROCESSING: Preprocessing = {
  input_size: 224,
  crop_pct: 0.875,
  interpolation: 'bilinear',
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  grayscale: false,
};

export interface ConvertOptions {
  name: string;
  sourceName: string;
  labels?: string[];
  preprocessing?: Partial<Preprocessing>;
}

export class ConvertError extends Error {}

/** ImageNet class names, from Debian's python3-torchvision (torchvision.models._meta, BSD-3-Clause). */
export function imagenetLabels(): string[] {
  const path = fileURLToPath(new URL('../../models/imagenet_labels.txt', import.meta.url));
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
}

export function defaultLabels(numClasses: number): string[] {
  if (numClasses === 1000) return imagenetLabels();
  return Array.from({ length: numClasses }, (_, i) => `LABEL_${i}`);
}

export interface LoadedCheckpoint {
  spec: NetSpec;
  convs: Map<string, FoldedConv>;
  sourceSha256: string;
}

export async function loadCheckpoint(bytes: Uint8Array, fileName?: string): Promise<LoadedCheckpoint> {
  const sd: StateDict = readCheckpoint(bytes, fileName);
  const shapes = new Map([...sd].map(([k, t]) => [k, t.shape]));
  const spec = inferNetSpec(shapes);
  return { spec, convs: foldBatchNorms(spec, sd), sourceSha256: await sha256Hex(bytes) };
}

export function modelHeader(ck: LoadedCheckpoint, opts: ConvertOptions, precision: 'float32' | 'int8', quantization: ModelHeader['quantization']): Omit<ModelHeader, 'tensors'> {
  const labels = opts.labels ?? defaultLabels(ck.spec.numClasses);
  if (labels.length !== ck.spec.numClasses) {
    throw new ConvertError(`--labels has ${labels.length} labels but the checkpoint has ${ck.spec.numClasses} classes`);
  }
  return {
    name: opts.name,
    architecture: { family: 'ghostnetv2', width: ck.spec.width, num_classes: ck.spec.numClasses, feature_dim: ck.spec.headChannels },
    labels,
    preprocessing: { ...IMAGENET_PREPROCESSING, ...opts.preprocessing },
    precision,
    quantization,
    provenance: {
      source: opts.sourceName,
      source_sha256: ck.sourceSha256,
      converter: CONVERTER_VERSION,
      created: new Date().toISOString(),
    },
  };
}

/** The float32 model: every conv's folded weight and bias, named by its official conv key. */
export async function writeFloatModel(ck: LoadedCheckpoint, opts: ConvertOptions): Promise<Uint8Array> {
  const tensors: TensorToWrite[] = [];
  for (const [name, c] of ck.convs) {
    const s = c.spec;
    tensors.push({ name: `${name}.weight`, dtype: 'float32', shape: [s.cout, s.cin / s.groups, s.kh, s.kw], data: c.weight });
    tensors.push({ name: `${name}.bias`, dtype: 'float32', shape: [s.cout], data: c.bias });
  }
  return writeModelFile(modelHeader(ck, opts, 'float32', null), tensors);
}
