/**
 * `ghostnet-edge` — convert checkpoints, inspect model files, classify images and tensors.
 * Every failure exits non-zero with one line on stderr.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import cliProgress from 'cli-progress';
import type { Preprocessing } from '../worker/model/format.ts';
import { Command, InvalidArgumentError, Option } from 'commander';
import { readModelFile, type ModelFile } from '../worker/model/format.ts';
import { topK } from '../worker/model/predictions.ts';
import { defaultLabels, loadCheckpoint, writeFloatModel, writeInt8Model, DEFAULT_RANGE_METHOD } from './convert/convert.ts';
import { calibrationPreset, PRESETS } from './convert/presets.ts';
import { formatSettings, resolveSettings } from './convert/settings.ts';
import { RANGE_METHODS } from './convert/calibrate.ts';
import { createEngine, type Build } from './engine-node.ts';
import { DEFAULT_PACK, packInt8Model, parsePackTargets, PACK_TARGETS, type PackTarget } from './convert/pack.ts';
import { floatNetFromModel } from './convert/float-model.ts';
import { Feature } from './convert/float-forward.ts';
import { readNpy } from './io/npy.ts';
import { cannotRead } from './io/errors.ts';
import { tensorFidelity } from './convert/sqnr.ts';
import { imageFileInput, isImagePath, listImages } from './io/images.ts';
import { inputToCHW, type ModelInput } from '../worker/image/input.ts';
import { pixelRunner } from '../worker/model/registry.ts';
import { evalReport, formatReport, FASHION_MNIST_LABELS, grayImage, loadFashionMnist } from './eval/fashion-mnist.ts';
import { preprocess, resizeAndCrop } from '../worker/image/preprocess.ts';
import { initNodeDecoders } from '../worker/image/decoders-node.ts';
import { isImageError } from '../worker/image/errors.ts';
import { modelSummary } from './io/summary.ts';
import { addModel, projectRoot, removeModel } from './models.ts';

class CliError extends Error {}

/** A failure whose details were already printed; main() adds this one summary line. */
class Reported extends CliError {}

const readBytes = (path: string): Uint8Array => {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new CliError(cannotRead(path, e));
  }
};

const readText = (path: string): string => new TextDecoder().decode(readBytes(path));

const packTargets = (v: string): PackTarget[] => {
  try {
    return parsePackTargets(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};

const triple =
  (name: string) =>
  (v: string): [number, number, number] => {
    const parts = v.split(',').map(Number);
    if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x))) throw new InvalidArgumentError(`${name} takes three comma-separated numbers`);
    return parts as [number, number, number];
  };

async function loadModel(path: string): Promise<ModelFile> {
  return readModelFile(readBytes(path));
}

/** One input of classify/sqnr: an image file's model input (HWC bytes, as the Worker gets it) or a normalized tensor. */
interface Sample {
  input: string;
  index: number;
  pixels?: ModelInput;
  chw?: Feature;
}

/** Inputs: image files (through imageToInput, as the Worker) or .npy tensors [3,H,W] / [N,3,H,W], already normalized. */
async function* samples(path: string, p: Preprocessing): AsyncGenerator<Sample> {
  if (isImagePath(path)) {
    yield { input: path, index: 0, pixels: await imageFileInput(readBytes(path), p) };
    return;
  }
  if (extname(path).toLowerCase() !== '.npy') throw new CliError(`${path}: not a JPEG/PNG/WebP image or a .npy tensor`);
  const arr = readNpy(readBytes(path));
  const s = arr.shape;
  const [n, c, h, w] = s.length === 3 ? [1, ...s] : s.length === 4 ? s : [0, 0, 0, 0];
  if (c !== 3 || !(h > 0 && w > 0)) throw new CliError(`${path}: expected a float32 tensor of shape [3,H,W] or [N,3,H,W], got [${s}]`);
  const size = 3 * h * w;
  for (let i = 0; i < n; i++) yield { input: path, index: i, chw: new Feature(3, h, w, arr.data.slice(i * size, (i + 1) * size)) };
}

/** The normalized CHW tensor of a sample (images: ToTensor + Normalize of their model input). */
function sampleCHW(s: Sample, p: Preprocessing): Feature {
  if (s.chw) return s.chw;
  return new Feature(3, s.pixels!.size, s.pixels!.size, inputToCHW(s.pixels!, p));
}

type Forward = (s: Sample) => Float32Array;

function floatForward(model: ModelFile): Forward {
  const net = floatNetFromModel(model);
  return (s) => net.forward(sampleCHW(s, model.header.preprocessing)).logits;
}

/** Images run exactly as in the Worker (pixelRunner: one quantization table over the HWC bytes); tensors through run(chw). */
async function int8Forward(model: ModelFile, build: Build): Promise<Forward> {
  const engine = await createEngine(model, build);
  const runPixels = pixelRunner(engine, model.header.preprocessing);
  return (s) => {
    if (s.pixels) return runPixels(s.pixels.pixels).logits;
    const x = s.chw!;
    if (x.h !== engine.inputSize || x.w !== engine.inputSize) throw new CliError(`the int8 engine takes ${engine.inputSize}x${engine.inputSize} inputs, got ${x.h}x${x.w}`);
    return engine.run(x.data).logits;
  };
}

function progressBar(total: number, what: string) {
  if (!process.stderr.isTTY) return null;
  const bar = new cliProgress.SingleBar({ format: `${what} [{bar}] {value}/{total} {eta}s`, stream: process.stderr }, cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  return bar;
}

/** Calibration inputs: a normalized .npy [N,3,H,W], or a folder of images preprocessed as the model will be. */
async function calibrationSet(path: string, count: number, p: Preprocessing): Promise<{ samples: Feature[]; count: number }> {
  const out: Feature[] = [];
  if (PRESETS[path]?.name === 'fashion-mnist:train') {
    // The training split only: test images are never used for calibration.
    const set = loadFashionMnist('train');
    await initNodeDecoders(); // the Worker's resampler (wasm), so calibration sees the same bytes
    for (let i = 0; i < Math.min(count, set.count); i++) out.push(new Feature(3, p.input_size, p.input_size, preprocess(grayImage(set, i), p)));
  } else if (path.toLowerCase().endsWith('.npy')) {
    for await (const s of samples(path, p)) {
      const x = s.chw!;
      if (x.h !== p.input_size || x.w !== p.input_size) throw new CliError(`${path}: calibration tensors must be ${p.input_size}x${p.input_size}, got ${x.h}x${x.w}`);
      if (out.length < count) out.push(x);
    }
  } else {
    let files: string[];
    try {
      files = listImages(path).slice(0, count);
    } catch (e) {
      throw new CliError(cannotRead(path, e));
    }
    for (const f of files) out.push(sampleCHW({ input: f, index: 0, pixels: await imageFileInput(readBytes(f), p) }, p));
  }
  if (out.length === 0) throw new CliError(`${path}: no calibration images found`);
  return { samples: out, count: out.length };
}

const program = new Command('ghostnet-edge')
  .description('GhostNet (V1/V2/V3) image classification: convert checkpoints, classify, evaluate, benchmark')
  .showHelpAfterError(false)
  .exitOverride()
  // commander's usage errors as every tool's (tools/lib/args.ts): `ghostnet-edge: <reason>`, exit 2 (main)
  .configureOutput({ outputError: (text, write) => write(`ghostnet-edge: ${text.replace(/^error: /, '')}`) })
  .addHelpText(
    'after',
    '\nExample:\n  npx ghostnet-edge classify --model models/fashion-mnist/ghostnetv2_fmnist.int8.gnv2 test/fixtures/fashion-mnist/test_00000.png\nEvery command has --help with an example.',
  );

program
  .command('convert')
  .description('convert a GhostNetV1/V2/V3 checkpoint (official .pth/.pth.tar or timm .safetensors; V3 re-parameterized here) into a model file')
  .argument('<checkpoint>')
  .requiredOption('--out <file>', 'model file to write')
  .option('--name <name>', 'model name (default: the checkpoint file name)')
  .option('--labels <file>', "class names, one per line (default: the preset's, ImageNet names for 1000 classes, else LABEL_i)")
  .option('--input-size <n>', "input resolution (default: the preset's, else 224)", positiveInt('--input-size'), 224)
  .option('--crop-pct <x>', "center-crop fraction (default: the preset's, else 0.875)", parseFloat, 0.875)
  .option('--mean <r,g,b>', "normalization mean (default: the preset's, else ImageNet)", triple('--mean'), [0.485, 0.456, 0.406])
  .option('--std <r,g,b>', "normalization std (default: the preset's, else ImageNet)", triple('--std'), [0.229, 0.224, 0.225])
  .addOption(new Option('--interpolation <kind>', 'resize filter').choices(['bilinear', 'bicubic']).default('bilinear'))
  .option('--grayscale', "convert images to gray and copy to 3 channels (default: the preset's, else off)", false)
  .option('--training <json>', 'training record to keep in the provenance (e.g. tools/train result.json)')
  .addOption(new Option('--precision <p>', 'weights and activations (default: int8 when --calib is given, else float32)').choices(['float32', 'int8']))
  .option('--calib <path>', `calibration data: a folder of images, a normalized .npy [N,3,H,W], or a preset (${Object.keys(PRESETS).join(', ')}: implies its preprocessing and labels)`)
  .option('--calib-count <n>', 'use at most n calibration images', positiveInt('--calib-count'), 64)
  .addOption(new Option('--calib-method <m>', 'activation range method').choices(RANGE_METHODS).default(DEFAULT_RANGE_METHOD))
  .option('--pack <targets>', `int8: prepared weights to store, comma list of ${PACK_TARGETS.join(', ')} (plain = weights any engine build can pack)`, packTargets, DEFAULT_PACK)
  .addHelpText(
    'after',
    '\nExamples:\n' +
      '  npx ghostnet-edge convert ck_ghostnetv2_10.pth.tar --out ghostnetv2_10.gnv2 --calib ./calib --calib-count 64\n' +
      '  npx ghostnet-edge convert models/fashion-mnist/ghostnetv2_fmnist.pth.tar --out m.gnv2 --calib fashion-mnist:train\n' +
      'The effective settings (and where each came from) are printed before calibrating.',
  )
  .action(async (checkpoint: string, o, cmd: Command) => {
    if (!(o.cropPct > 0 && o.cropPct <= 1)) throw new CliError('--crop-pct must be in (0, 1]');
    if (o.inputSize < 16 || o.inputSize > 1024) throw new CliError('--input-size must be between 16 and 1024');
    const precision: 'float32' | 'int8' = o.precision ?? (o.calib ? 'int8' : 'float32');
    if (o.calib && precision !== 'int8') throw new CliError('--calib only applies to --precision int8');
    const preset = calibrationPreset(o.calib, existsSync);
    const labelsFile = o.labels
      ? {
          path: o.labels as string,
          labels: readText(o.labels)
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean),
        }
      : undefined;
    const ck = await loadCheckpoint(readBytes(checkpoint), basename(checkpoint));
    const FLAG_KEYS: Record<string, string> = { input_size: 'inputSize', crop_pct: 'cropPct', interpolation: 'interpolation', mean: 'mean', std: 'std', grayscale: 'grayscale' };
    const settings = resolveSettings({
      options: { input_size: o.inputSize, crop_pct: o.cropPct, mean: o.mean, std: o.std, interpolation: o.interpolation, grayscale: o.grayscale },
      given: (k) => cmd.getOptionValueSource(FLAG_KEYS[k]) === 'cli',
      preset,
      labelsFile,
      defaultLabels: defaultLabels(ck.spec.numClasses),
      numClasses: ck.spec.numClasses,
    });
    const opts = {
      name: o.name ?? basename(checkpoint).replace(/\.(pth\.tar|pth|pt|safetensors)$/, ''),
      sourceName: basename(checkpoint),
      labels: settings.labels,
      training: o.training ? (JSON.parse(readText(o.training)) as Record<string, unknown>) : undefined,
      preprocessing: settings.preprocessing,
    };
    const calibration = precision === 'int8' && o.calib ? await calibrationSet(o.calib, o.calibCount, opts.preprocessing) : undefined;
    const calibText =
      precision === 'float32'
        ? 'none (float32)'
        : calibration
          ? `${calibration.count} images of ${preset ? preset.data : o.calib}, method ${o.calibMethod}`
          : 'none: data-free ranges from BatchNorm statistics (less accurate; pass --calib)';
    process.stderr.write(
      formatSettings(settings, {
        name: opts.name,
        architecture: `${ck.layout.description}; width ${ck.spec.width}`,
        numClasses: ck.spec.numClasses,
        precision,
        calibration: calibText,
        presetName: preset?.name,
      }),
    );
    let bytes: Uint8Array;
    if (precision === 'float32') bytes = await writeFloatModel(ck, opts);
    else {
      const bar = calibration ? progressBar(calibration.count, 'calibrating') : null;
      bytes = await packInt8Model(await writeInt8Model(ck, opts, { calibration: calibration?.samples, method: o.calibMethod, onImage: () => bar?.increment() }), o.pack);
      bar?.stop();
    }
    writeFileSync(o.out, bytes);
    const how =
      precision === 'float32' ? '' : calibration ? `, calibrated on ${calibration.count} images (${o.calibMethod})` : ', data-free ranges from BatchNorm statistics (less accurate; pass --calib)';
    process.stderr.write(`wrote ${o.out}: ${ck.layout.description}; width ${ck.spec.width}, ${ck.spec.numClasses} classes, ${precision}${how}, ${(bytes.length / 1e6).toFixed(1)} MB\n`);
  });

program
  .command('pack')
  .description('re-pack an int8 model file that has plain weights, e.g. for another engine build or a new packed layout')
  .argument('<model>')
  .requiredOption('--out <file>', 'model file to write')
  .option('--pack <targets>', `comma list of ${PACK_TARGETS.join(', ')}`, packTargets, DEFAULT_PACK)
  .addHelpText(
    'after',
    '\nExample:\n  npx ghostnet-edge pack m.int8.gnv2 --pack simd128,relaxed --out m.packed.gnv2\n(the input must carry plain weights: convert with --pack plain or any --pack list that includes it)',
  )
  .action(async (path: string, o: { out: string; pack: PackTarget[] }) => {
    const input = readBytes(path);
    await readModelFile(input); // a file from elsewhere: verified before use
    const bytes = await packInt8Model(input, o.pack).catch((e) => {
      throw new CliError((e as Error).message);
    });
    await readModelFile(bytes); // verify what is written
    writeFileSync(o.out, bytes);
    process.stderr.write(`wrote ${o.out}: packed for ${o.pack.join(', ')}, ${(bytes.length / 1e6).toFixed(1)} MB\n`);
  });

program
  .command('info')
  .description('summarize a model file (architecture, precision, input, labels, provenance)')
  .argument('<model>')
  .option('--tensors', 'also list every tensor (name, dtype, shape)', false)
  .option('--json', 'print the whole header as JSON instead', false)
  .addHelpText('after', '\nExamples:\n  npx ghostnet-edge info models/fashion-mnist/ghostnetv2_fmnist.int8.gnv2\n  npx ghostnet-edge info m.gnv2 --json | jq .quantization.calibration')
  .action(async (path: string, o) => {
    const m = await loadModel(path);
    if (o.json) {
      process.stdout.write(JSON.stringify({ ...m.header, sha256: m.sha256 }, null, 2) + '\n');
      return;
    }
    process.stdout.write(modelSummary(m, statSync(path).size));
    if (o.tensors) for (const t of m.header.tensors) process.stdout.write(`  ${t.name}  ${t.dtype} [${t.shape.join(', ')}]\n`);
  });

program
  .command('classify')
  .description('classify images (JPEG/PNG/WebP) or normalized .npy tensors; one JSON line per image')
  .argument('<inputs...>')
  .requiredOption('--model <file>', 'model file')
  .option('--top-k <k>', 'predictions per image (0 = all)', positiveInt('--top-k'), 5)
  .option('--logits', 'include the raw logits', false)
  .option('--float', 'run the float32 reference forward pass (needs a float32 model file)', false)
  .addOption(new Option('--engine <build>', 'int8 engine build').choices(['simd128', 'scalar']).default('simd128'))
  .addHelpText(
    'after',
    '\nExample:\n  npx ghostnet-edge classify --model models/fashion-mnist/ghostnetv2_fmnist.int8.gnv2 --top-k 3 test/fixtures/fashion-mnist/*.png\n' +
      'An input that cannot be read or decoded prints one error line on stderr; the others are still classified, and the exit status is 1.',
  )
  .action(async (inputs: string[], o) => {
    const model = await loadModel(o.model);
    const useFloat = o.float || model.header.precision === 'float32';
    if (o.float && model.header.precision !== 'float32') throw new CliError('--float needs a float32 model file (convert with --precision float32); this one is int8');
    const forward = useFloat ? floatForward(model) : await int8Forward(model, o.engine as Build);
    let failed = 0;
    for (const path of inputs) {
      try {
        for await (const s of samples(path, model.header.preprocessing)) {
          const logits = forward(s);
          const line: Record<string, unknown> = { input: s.input, index: s.index, predictions: topK(logits, model.header.labels, o.topK) };
          if (o.logits) line.logits = Array.from(logits);
          process.stdout.write(JSON.stringify(line) + '\n');
        }
      } catch (e) {
        if (!(e instanceof CliError || isImageError(e))) throw e;
        failed++;
        const msg = (e as Error).message;
        process.stderr.write(`ghostnet-edge: ${msg.includes(path) ? msg : `${path}: ${msg}`}\n`);
      }
    }
    if (failed) throw new Reported(`${failed} of ${inputs.length} inputs failed`);
  });

program
  .command('add-model')
  .description('bundle a converted int8 model file with the Worker (models/manifest.json), optionally as the default')
  .argument('<model>', 'an int8 .gnv2 file (ghostnet-edge convert --calib ...)')
  .option('--name <name>', 'the name clients pass as `model` (default: the name in the file)')
  .option('--default', 'serve it when a request names no model', false)
  .option('--description <text>', 'one line for /v1/models and the demo page')
  .option('--domain <text>', 'what kind of images it was trained on, for the demo page')
  .addHelpText('after', '\nExample:\n  npx ghostnet-edge add-model ghostnetv2_10.gnv2 --name imagenet --default --domain "ImageNet-1k photos"\n  npm start')
  .action(async (file: string, o) => {
    process.stderr.write((await addModel(projectRoot(), file, o)) + '\n');
  });

program
  .command('remove-model')
  .description("take a model out of the Worker's bundle (models/manifest.json); the file is kept")
  .argument('<name>')
  .addHelpText('after', '\nExample:\n  npx ghostnet-edge remove-model imagenet')
  .action(async (name: string) => {
    process.stderr.write(removeModel(projectRoot(), name) + '\n');
  });

program
  .command('eval')
  .description('accuracy of the int8 engine on a whole test set, with per-class accuracy and a confusion matrix')
  .requiredOption('--model <file>', 'int8 model file')
  .addOption(new Option('--dataset <name>', 'test set').choices(['fashion-mnist']).default('fashion-mnist'))
  .option('--limit <n>', 'evaluate only the first n images', positiveInt('--limit'))
  .addOption(new Option('--engine <build>', 'int8 engine build').choices(['simd128', 'scalar']).default('simd128'))
  .option('--json <file>', 'also write the report as JSON')
  .addHelpText('after', '\nExample:\n  npx ghostnet-edge eval --model models/fashion-mnist/ghostnetv2_fmnist.int8.gnv2 --limit 1000')
  .action(async (o) => {
    const model = await loadModel(o.model);
    if (model.header.precision !== 'int8') throw new CliError('eval runs the int8 engine: pass an int8 model file');
    const set = loadFashionMnist('test');
    const labels = model.header.labels;
    if (labels.length !== 10 || labels.some((l, i) => l !== FASHION_MNIST_LABELS[i])) throw new CliError('this model is not a Fashion-MNIST model (labels differ)');
    const engine = await createEngine(model, o.engine as Build);
    await initNodeDecoders(); // the Worker's resampler (wasm): eval measures the Worker's pipeline
    const p = model.header.preprocessing;
    const runPixels = pixelRunner(engine, p);
    const n = Math.min(o.limit ?? set.count, set.count);
    const predicted = new Uint8Array(n);
    const bar = progressBar(n, 'evaluating');
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const logits = runPixels(resizeAndCrop(grayImage(set, i), p)).logits;
      let best = 0;
      for (let c = 1; c < logits.length; c++) if (logits[c] > logits[best]) best = c;
      predicted[i] = best;
      bar?.increment();
    }
    bar?.stop();
    const ms = (performance.now() - t0) / n;
    const report = evalReport(set.labels.subarray(0, n), predicted, labels);
    const training = model.header.provenance.training as { float_test_accuracy?: number } | undefined;
    const floatAccuracy = typeof training?.float_test_accuracy === 'number' ? training.float_test_accuracy : undefined;
    process.stdout.write(formatReport(report, n === set.count ? floatAccuracy : undefined) + `\n\n${ms.toFixed(2)} ms per image (preprocess + int8 inference, ${engine.variant})\n`);
    if (o.json) writeFileSync(o.json, JSON.stringify({ ...report, float_accuracy: floatAccuracy, ms_per_image: ms }, null, 1));
  });

program
  .command('sqnr')
  .description('int8 fidelity tensor by tensor: SQNR of every int8 tensor against the float reference')
  .argument('<inputs...>', 'normalized .npy tensors')
  .requiredOption('--model <file>', 'int8 model file')
  .requiredOption('--float-model <file>', 'float32 model file of the same checkpoint')
  .addHelpText('after', '\nExample:\n  npx ghostnet-edge sqnr --model m.int8.gnv2 --float-model m.f32.gnv2 inputs.npy')
  .action(async (inputs: string[], o) => {
    const model = await loadModel(o.model);
    const net = floatNetFromModel(await loadModel(o.floatModel));
    const engine = await createEngine(model, 'simd128', true);
    const acc = new Map<string, number[]>();
    const cos: number[] = [];
    for (const path of inputs)
      for await (const s of samples(path, model.header.preprocessing)) {
        const r = tensorFidelity(engine, net, sampleCHW(s, model.header.preprocessing));
        cos.push(r.logitsCosine);
        for (const t of r.tensors) acc.set(t.tensor, [...(acc.get(t.tensor) ?? []), t.sqnrDb]);
      }
    for (const [name, v] of acc) process.stdout.write(`${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(2).padStart(7)} dB  ${name}\n`);
    process.stdout.write(`logits cosine: mean ${(cos.reduce((a, b) => a + b, 0) / cos.length).toFixed(4)} over ${cos.length} inputs\n`);
  });

export async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    if (err.code?.startsWith('commander.')) return 2; // a usage error: commander already printed the reason
    const msg = (err.message ?? String(e)).split('\n')[0];
    process.stderr.write(`ghostnet-edge: ${msg}\n`);
    if (process.env.GHOSTNET_DEBUG) console.error(e);
    return 1;
  }
}
