/**
 * The stages of one classify request timed in Node, in-process, on the Worker's own code:
 * sniff + header, decode, resize (+ center crop + the input's quantization, one step in the
 * resampler's module as in the Worker: preprocess.ts resizeCropQuantize), inference, JSON. The stages run
 * interleaved round by round (each one once per round, in order), and every call is timed on
 * the process's CPU clock (cpuMs), so time the OS gives to other processes does not count.
 */
import { decodeImage, withDecodedImage, type DecodeOptions } from '../../../worker/image/decode.ts';
import { readImageHeader } from '../../../worker/image/dimensions.ts';
import { resizeCropQuantize, resizeShortSide } from '../../../worker/image/preprocess.ts';
import { inputQuantizeParams } from '../../../worker/model/registry.ts';
import { isSupportedFormat, sniffFormat } from '../../../worker/image/sniff.ts';
import type { Int8Engine } from '../../../worker/model/engine.ts';
import type { ModelFile } from '../../../worker/model/format.ts';
import { topK } from '../../../worker/model/predictions.ts';
import { summarize, type Summary } from '../stats.ts';

export const STAGES = ['sniff+header', 'decode', 'resize+quantize', 'inference', 'JSON'] as const;
export type Stage = (typeof STAGES)[number];

/**
 * CPU milliseconds this process has run (getrusage: exact to the microsecond, unlike the
 * tick-updated /proc/thread-self/schedstat of a running thread).
 */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export interface StageModel {
  name: string;
  file: ModelFile;
  engine: Int8Engine;
}

export interface StageResult {
  image: string;
  model: string;
  /** CPU ms per call, by stage. */
  stages: Record<Stage, Summary>;
  /** Sum of the stage medians. */
  totalMs: number;
}

/** Times the stages of `bytes` through `model`: `warmup` untimed rounds, then `rounds` timed ones. */
export async function timeStages(image: string, bytes: Uint8Array, model: StageModel, rounds: number, warmup: number, decode: DecodeOptions = {}): Promise<StageResult> {
  const p = model.file.header.preprocessing;
  const opts: DecodeOptions = { ...decode, resizeShortSide: resizeShortSide(p) };
  const params = inputQuantizeParams(model.file.header);
  if (!params) throw new Error(`${model.name}: the model file has no input quantization`);
  const labels = model.file.header.labels;
  const img = await decodeImage(bytes, opts); // owned copy, for the resize stage on its own
  const int8 = resizeCropQuantize(img, p, params);
  const logits = model.engine.runInt8(int8).logits;
  let sink = 0;
  // sniff + header take microseconds: time SNIFF_REPS of them per sample.
  const SNIFF_REPS = 100;
  const run: Record<Stage, () => unknown> = {
    'sniff+header': () => {
      for (let i = 0; i < SNIFF_REPS; i++) {
        const f = sniffFormat(bytes);
        if (isSupportedFormat(f)) sink += readImageHeader(bytes, f).width;
      }
    },
    decode: () => withDecodedImage(bytes, opts, (d) => (sink += d.width)),
    'resize+quantize': () => (sink += resizeCropQuantize(img, p, params)[0]),
    inference: () => (sink += model.engine.runInt8(int8).logits[0]),
    JSON: () => (sink += JSON.stringify({ model: { name: model.name, sha256: model.file.sha256 }, predictions: topK(logits, labels, 5) }).length),
  };
  const samples = Object.fromEntries(STAGES.map((s) => [s, [] as number[]])) as Record<Stage, number[]>;
  for (let r = 0; r < warmup + rounds; r++) {
    for (const s of STAGES) {
      const t0 = cpuMs();
      await run[s]();
      const ms = cpuMs() - t0;
      if (r >= warmup) samples[s].push(s === 'sniff+header' ? ms / SNIFF_REPS : ms);
    }
  }
  if (sink === -1) console.log(sink); // keep the work observable
  const stages = Object.fromEntries(STAGES.map((s) => [s, summarize(samples[s])])) as Record<Stage, Summary>;
  return { image, model: model.name, stages, totalMs: STAGES.reduce((a, s) => a + stages[s].median, 0) };
}
