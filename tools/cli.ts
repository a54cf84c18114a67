/**
 * `ghostnet-edge` — convert checkpoints, inspect model files, classify images and tensors.
 * Every failure exits non-zero with one line on stderr.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { readModelFile, type ModelFile } from '../worker/model/format.ts';
import { topK } from '../worker/model/predictions.ts';
import { loadCheckpoint, writeFloatModel } from './convert/convert.ts';
import { floatNetFromModel } from './convert/float-model.ts';
import { Feature } from './convert/float-forward.ts';
import { readNpy } from './io/npy.ts';

class CliError extends Error {}

const readBytes = (path: string): Uint8Array => {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new CliError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
};

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};

const triple = (name: string) => (v: string): [number, number, number] => {
  const parts = v.split(',').map(Number);
  if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x))) throw new InvalidArgumentError(`${name} takes three comma-separated numbers`);
  return parts as [number, number, number];
};

async function loadModel(path: string): Promise<ModelFile> {
  return readModelFile(readBytes(path));
}

interface Sample {
  input: string;
  index: number;
  chw: Feature;
}

/** Inputs: .npy tensors [3,H,W] or [N,3,H,W], already normalized. */
function* samples(path: string): Generator<Sample> {
  const ext = extname(path).toLowerCase();
  if (ext !== '.npy') throw new CliError(`${path}: image inputs are not supported yet in this build; pass a normalized .npy tensor`);
  const arr = readNpy(readBytes(path));
  const s = arr.shape;
  const [n, c, h, w] = s.length === 3 ? [1, ...s] : s.length === 4 ? s : [0, 0, 0, 0];
  if (c !== 3 || !(h > 0 && w > 0)) throw new CliError(`${path}: expected a float32 tensor of shape [3,H,W] or [N,3,H,W], got [${s}]`);
  const size = 3 * h * w;
  for (let i = 0; i < n; i++) yield { input: path, index: i, chw: new Feature(3, h, w, arr.data.slice(i * size, (i + 1) * size)) };
}

const program = new Command('ghostnet-edge')
  .description('GhostNetV2 image classification: convert checkpoints, classify, evaluate, benchmark')
  .showHelpAfterError(false)
  .exitOverride();

program
  .command('convert')
  .description('convert an official GhostNetV2 checkpoint (.pth.tar) or timm .safetensors into a model file')
  .argument('<checkpoint>')
  .requiredOption('--out <file>', 'model file to write')
  .option('--name <name>', 'model name (default: the checkpoint file name)')
  .option('--labels <file>', 'class names, one per line (default: ImageNet names for 1000 classes, else LABEL_i)')
  .option('--input-size <n>', 'input resolution', positiveInt('--input-size'), 224)
  .option('--crop-pct <x>', 'center-crop fraction', parseFloat, 0.875)
  .option('--mean <r,g,b>', 'normalization mean', triple('--mean'), [0.485, 0.456, 0.406])
  .option('--std <r,g,b>', 'normalization std', triple('--std'), [0.229, 0.224, 0.225])
  .addOption(new Option('--interpolation <kind>', 'resize filter').choices(['bilinear', 'bicubic']).default('bilinear'))
  .option('--grayscale', 'convert images to gray and copy to 3 channels', false)
  .addOption(new Option('--precision <p>', 'weights and activations').choices(['float32', 'int8']))
  .action(async (checkpoint: string, o) => {
    if (!(o.cropPct > 0 && o.cropPct <= 1)) throw new CliError('--crop-pct must be in (0, 1]');
    if (o.inputSize < 16 || o.inputSize > 1024) throw new CliError('--input-size must be between 16 and 1024');
    const precision = o.precision ?? 'float32';
    if (precision === 'int8') throw new CliError('int8 conversion is not available in this build yet; use --precision float32');
    const labels = o.labels ? readFileSync(o.labels, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean) : undefined;
    const ck = await loadCheckpoint(readBytes(checkpoint), basename(checkpoint));
    const bytes = await writeFloatModel(ck, {
      name: o.name ?? basename(checkpoint).replace(/\.(pth\.tar|pth|pt|safetensors)$/, ''),
      sourceName: basename(checkpoint),
      labels,
      preprocessing: { input_size: o.inputSize, crop_pct: o.cropPct, mean: o.mean, std: o.std, interpolation: o.interpolation, grayscale: o.grayscale },
    });
    writeFileSync(o.out, bytes);
    process.stderr.write(`wrote ${o.out}: GhostNetV2 width ${ck.spec.width}, ${ck.spec.numClasses} classes, ${precision}, ${(bytes.length / 1e6).toFixed(1)} MB\n`);
  });

program
  .command('info')
  .description('print a model file header as JSON')
  .argument('<model>')
  .action(async (path: string) => {
    const m = await loadModel(path);
    process.stdout.write(JSON.stringify({ ...m.header, sha256: m.sha256 }, null, 2) + '\n');
  });

program
  .command('classify')
  .description('classify images (JPEG/PNG/WebP) or normalized .npy tensors; one JSON line per image')
  .argument('<inputs...>')
  .requiredOption('--model <file>', 'model file')
  .option('--top-k <k>', 'predictions per image (0 = all)', positiveInt('--top-k'), 5)
  .option('--logits', 'include the raw logits', false)
  .option('--float', 'run the float32 reference forward pass', false)
  .action(async (inputs: string[], o) => {
    const model = await loadModel(o.model);
    if (model.header.precision !== 'float32') throw new CliError('int8 models need the int8 engine, which is not in this build yet');
    const net = floatNetFromModel(model);
    for (const path of inputs) {
      for (const s of samples(path)) {
        const { logits } = net.forward(s.chw);
        const line: Record<string, unknown> = { input: s.input, index: s.index, predictions: topK(logits, model.header.labels, o.topK) };
        if (o.logits) line.logits = Array.from(logits);
        process.stdout.write(JSON.stringify(line) + '\n');
      }
    }
  });

export async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    if (err.code?.startsWith('commander.')) return err.exitCode || 2; // commander already printed the reason
    const msg = (err.message ?? String(e)).split('\n')[0];
    process.stderr.write(`ghostnet-edge: ${msg}\n`);
    if (process.env.GHOSTNET_DEBUG) console.error(e);
    return 1;
  }
}
