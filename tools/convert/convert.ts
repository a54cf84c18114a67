/**
 * checkpoint bytes → model file bytes: read (zip + pickle / safetensors) → infer version, form and
 * width from the keys and shapes (layout.ts) → fold BN and re-parameterizable branches → (quantize)
 * → write.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type NetSpec } from '../../worker/model/architecture.ts';
import { writeModelFile, sha256Hex, type Preprocessing, type TensorToWrite, type ModelHeader } from '../../worker/model/format.ts';
import { readCheckpoint, type StateDict } from './checkpoint/index.ts';
import { foldCheckpoint, type FoldedConv } from './fold.ts';
import { canonicalV3Keys, convSources, describeLayout, inferLayout, type Form } from './layout.ts';
import { FloatGhostNetV2, type Feature } from './float-forward.ts';
import { chooseRange, collectStats, type QParams, type RangeMethod } from './calibrate.ts';
import { inputQParams, quantizedTensors, QUANT_SCHEME } from './quantize.ts';
import { dataFreeRanges } from './datafree.ts';

/** Chosen by measurement (README, "int8 fidelity"). */
export const DEFAULT_RANGE_METHOD: RangeMethod = 'mse';

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
  /** Extra provenance, e.g. the training run's result.json (float test accuracy, seed, epochs). */
  training?: Record<string, unknown>;
}

export class ConvertError extends Error {}

/** ImageNet class names, from Debian's python3-torchvision (torchvision.models._meta, BSD-3-Clause). */
export function imagenetLabels(): string[] {
  const path = fileURLToPath(new URL('../../models/imagenet_labels.txt', import.meta.url));
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
}

export function defaultLabels(numClasses: number): string[] {
  if (numClasses === 1000) return imagenetLabels();
  return Array.from({ length: numClasses }, (_, i) => `LABEL_${i}`);
}

export interface LoadedCheckpoint {
  spec: NetSpec;
  convs: Map<string, FoldedConv>;
  sourceSha256: string;
  /** How the checkpoint was laid out: form, and for V3 whose key names (timm `bn1` or official `bn`). */
  layout: { form: Form; keys: 'timm' | 'official'; description: string; branches: number };
}

export async function loadCheckpoint(bytes: Uint8Array, fileName?: string): Promise<LoadedCheckpoint> {
  const { sd, renamed } = canonicalV3Keys(readCheckpoint(bytes, fileName) as StateDict);
  const shapes = new Map([...sd].map(([k, t]) => [k, t.shape]));
  const { spec, form } = inferLayout(shapes);
  const sources = convSources(spec, form);
  const keys = renamed ? 'official' : 'timm';
  const branches = sources.reduce((n, s) => n + s.branches.length, 0);
  let description = describeLayout(spec.family, form);
  if (form === 'v3-train') description += ` (${keys} keys): ${branches} branches folded into ${sources.length} convs`;
  return { spec, convs: foldCheckpoint(sources, sd), sourceSha256: await sha256Hex(bytes), layout: { form, keys, description, branches } };
}

export function modelHeader(ck: LoadedCheckpoint, opts: ConvertOptions, precision: 'float32' | 'int8', quantization: ModelHeader['quantization']): Omit<ModelHeader, 'tensors'> {
  const labels = opts.labels ?? defaultLabels(ck.spec.numClasses);
  if (labels.length !== ck.spec.numClasses) {
    throw new ConvertError(`--labels has ${labels.length} labels but the checkpoint has ${ck.spec.numClasses} classes`);
  }
  return {
    name: opts.name,
    architecture: { family: ck.spec.family, width: ck.spec.width, num_classes: ck.spec.numClasses, feature_dim: ck.spec.headChannels },
    labels,
    preprocessing: { ...IMAGENET_PREPROCESSING, ...opts.preprocessing },
    precision,
    quantization,
    provenance: {
      source: opts.sourceName,
      source_sha256: ck.sourceSha256,
      source_layout: ck.layout.description,
      converter: CONVERTER_VERSION,
      created: new Date().toISOString(),
      ...(opts.training ? { training: opts.training } : {}),
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

export interface Int8Options {
  /** Calibration images, normalized CHW at the model's input size; absent = data-free ranges. */
  calibration?: Iterable<Feature>;
  calibrationCount?: number;
  method?: RangeMethod;
  onImage?: () => void;
}

/** The int8 model: quantized weights, int32 biases and every activation's range (models/FORMAT.md). */
export async function writeInt8Model(ck: LoadedCheckpoint, opts: ConvertOptions, q: Int8Options): Promise<Uint8Array> {
  const header = modelHeader(ck, opts, 'int8', null);
  const size = header.preprocessing.input_size;
  const input = inputQParams(header.preprocessing);
  let activations: Map<string, QParams>;
  let calibration: Record<string, unknown>;
  if (q.calibration) {
    const method = q.method ?? DEFAULT_RANGE_METHOD;
    const net = new FloatGhostNetV2(ck.spec, ck.convs);
    let images = 0;
    const stats = collectStats(net, q.calibration, 4096, 1, () => {
      images++;
      q.onImage?.();
    });
    if (images === 0) throw new ConvertError('no calibration images');
    activations = new Map([...stats].filter(([name]) => name !== 'classifier').map(([name, s]) => [name, chooseRange(s, method)]));
    calibration = { method, images };
  } else {
    activations = dataFreeRanges(ck.spec, size, ck.convs, input);
    calibration = { method: 'bn-stats', images: 0, note: 'data-free: ranges derived from BatchNorm statistics; calibrate with --calib for better accuracy' };
  }
  activations.set('input', input);
  const tensors = quantizedTensors(ck.spec, size, ck.convs, activations);
  return writeModelFile({ ...header, quantization: { scheme: QUANT_SCHEME, calibration, activations: Object.fromEntries(activations) } }, tensors);
}
