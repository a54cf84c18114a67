/**
 * int8 fidelity against PyTorch float: calibrate on the first `calib` images of a normalized
 * .npy, measure on the rest against PyTorch's logits for the same images. Compares the range
 * methods on one set of statistics, so the choice of default is measured, not guessed.
 *   npx tsx tools/eval/fidelity.ts <checkpoint> <images.npy> <torch_logits.npy> [calib=8]
 */
import { basename } from 'node:path';
import { readModelFile } from '../../worker/model/format.ts';
import { writeModelFile } from '../../worker/model/format.ts';
import { modelHeader, type LoadedCheckpoint } from '../convert/convert.ts';
import { chooseRange, collectStats, RANGE_METHODS, type QParams, type TensorStats } from '../convert/calibrate.ts';
import { dataFreeRanges } from '../convert/datafree.ts';
import { inputQParams, quantizedTensors, QUANT_SCHEME } from '../convert/quantize.ts';
import { Feature, FloatGhostNetV2 } from '../convert/float-forward.ts';
import { cosine } from '../lib/cosine.ts';
import { createEngine } from '../engine-node.ts';
import { existingFile, headerHelp, int, positionalCount, toolArgs } from '../lib/args.ts';
import { loadPhotoSet } from './photo-set.ts';

export interface FidelityRow {
  method: string;
  meanCosine: number;
  minCosine: number;
  top1Agreement: number;
  top5Overlap: number; // mean |top5 ∩ top5_torch| / 5
}

const top = (a: ArrayLike<number>, k: number) =>
  Array.from(a, (v, i) => [v, i] as const)
    .sort((x, y) => y[0] - x[0])
    .slice(0, k)
    .map(([, i]) => i);

async function measure(ck: LoadedCheckpoint, size: number, act: Map<string, QParams>, evalSet: Feature[], ref: Float32Array[], method: string): Promise<FidelityRow> {
  const header = modelHeader(ck, { name: 'fidelity', sourceName: 'fidelity', preprocessing: { input_size: size } }, 'int8', null);
  const bytes = await writeModelFile(
    { ...header, quantization: { scheme: QUANT_SCHEME, calibration: { method }, activations: Object.fromEntries(act) } },
    quantizedTensors(ck.spec, size, ck.convs, act),
  );
  const engine = await createEngine(await readModelFile(bytes));
  const cos: number[] = [];
  let top1 = 0;
  let top5 = 0;
  evalSet.forEach((x, i) => {
    const logits = engine.run(x.data).logits;
    cos.push(cosine(logits, ref[i]));
    if (top(logits, 1)[0] === top(ref[i], 1)[0]) top1++;
    const t = new Set(top(ref[i], 5));
    top5 += top(logits, 5).filter((c) => t.has(c)).length / 5;
  });
  return { method, meanCosine: cos.reduce((a, b) => a + b, 0) / cos.length, minCosine: Math.min(...cos), top1Agreement: top1 / evalSet.length, top5Overlap: top5 / evalSet.length };
}

export async function fidelity(checkpoint: string, imagesNpy: string, logitsNpy: string, calib: number, methods: string[] = [...RANGE_METHODS, 'bn-stats']): Promise<FidelityRow[]> {
  const { ck, xs, ref, size: h } = await loadPhotoSet(checkpoint, imagesNpy, logitsNpy);
  const calibSet = xs.slice(0, calib);
  const evalSet = xs.slice(calib);
  const evalRef = ref.slice(calib);
  const header = modelHeader(ck, { name: 'x', sourceName: 'x', preprocessing: { input_size: h } }, 'int8', null);
  const input = inputQParams(header.preprocessing);
  let stats: Map<string, TensorStats> | null = null;
  const rows: FidelityRow[] = [];
  for (const method of methods) {
    let act: Map<string, QParams>;
    if (method === 'bn-stats') act = dataFreeRanges(ck.spec, h, ck.convs, input);
    else {
      stats ??= collectStats(new FloatGhostNetV2(ck.spec, ck.convs), calibSet);
      act = new Map([...stats].filter(([name]) => name !== 'classifier').map(([name, s]) => [name, chooseRange(s, method as (typeof RANGE_METHODS)[number])]));
    }
    act.set('input', input);
    rows.push(await measure(ck, h, act, evalSet, evalRef, method));
  }
  return rows;
}

if (process.argv[1]?.endsWith('fidelity.ts')) {
  const { positionals } = toolArgs('eval:fidelity', headerHelp(import.meta.url), { options: {}, allowPositionals: true });
  const [checkpoint, images, logits, calib = '8'] = positionalCount(positionals, 3, 4, '<checkpoint> <images.npy> <torch_logits.npy> [calib]');
  for (const f of [checkpoint, images, logits]) existingFile(f);
  const rows = await fidelity(checkpoint, images, logits, int(calib, 'calib', 8, 1));
  console.log(`int8 vs PyTorch float, ${basename(checkpoint)}: calibrated on ${calib} images, measured on the rest`);
  console.log('method       mean cos   min cos   top-1 agree   top-5 overlap');
  for (const r of rows)
    console.log(
      `${r.method.padEnd(12)} ${r.meanCosine.toFixed(4).padStart(8)}  ${r.minCosine.toFixed(4).padStart(8)}  ${(100 * r.top1Agreement).toFixed(0).padStart(10)}%  ${(100 * r.top5Overlap).toFixed(0).padStart(12)}%`,
    );
}
