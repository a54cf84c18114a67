/**
 * One image of a request through the model: imageToInput (decode, resize, crop; needs only the
 * model header, so a bad image never costs an engine load), then the engine.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { domainNote, type DomainNote, type DomainSpec, type ImageStats } from '../image/domain.ts';
import { imageToEngineInput, imageToInput, type InputLimits } from '../image/input.ts';
import type { Limits } from '../middleware/limits.ts';
import type { EngineOutput } from '../model/engine.ts';
import type { ModelHeader, Preprocessing } from '../model/format.ts';
import { inputQuantizeParams, type Classifier, type ModelRegistry } from '../model/registry.ts';
import type { ImageInput } from './read.ts';

export interface Timing {
  decode_ms: number;
  preprocess_ms: number;
  inference_ms: number;
}

export interface RunContext {
  /** Name the client asked for (or the default) and the verified model file's header. */
  name: string;
  preprocessing: Preprocessing;
  /** The engine, loaded once per isolate on first use (after the first image decodes). */
  classifier: () => Promise<Classifier>;
  limits: Limits;
  /** What the model was trained on (models/manifest.json), for the out-of-domain note. */
  domain?: DomainSpec;
  /** The model input's quantization for the resampler (registry.ts inputQuantizeParams); null: quantized by runPixels. */
  inputParams: Uint8Array | null;
}

/** The request limits that bound one image decode. */
export function inputLimits(limits: Limits): InputLimits {
  return { maxBytes: limits.maxBodyBytes, maxPixels: limits.maxPixels, maxDecodeBytes: limits.maxDecodeBytes, decode: limits.decode };
}

const ms = (a: number, b: number) => Math.round((b - a) * 1000) / 1000;

/**
 * `runPixels` is synchronous: the engine's input is written, every kernel runs and the outputs
 * are copied out with no await in between, so concurrent requests in this isolate cannot
 * interleave inside the engine.
 */
export async function runImage(image: ImageInput, ctx: RunContext): Promise<{ output: EngineOutput; classifier: Classifier; timing: Timing; domain: DomainNote | null; image: ImageStats }> {
  const input = await modelInput(image.bytes, ctx);
  const classifier = await ctx.classifier();
  const t0 = performance.now();
  const output = runInput(classifier, input);
  const t1 = performance.now();
  return { output, classifier, timing: { ...input.timing, inference_ms: ms(t0, t1) }, domain: domainNote(input.image, ctx.preprocessing, ctx.domain), image: input.image };
}

/** Runs the model on modelInput's result: already quantized (runInt8) or HWC bytes (runPixels). */
export function runInput(classifier: Classifier, input: Awaited<ReturnType<typeof modelInput>>): EngineOutput {
  return 'int8' in input ? classifier.runInt8(input.int8) : classifier.runPixels(input.pixels);
}

/** The engine's input of an image: quantized by the resampler when the model says how. */
export function modelInput(bytes: Uint8Array, ctx: RunContext) {
  const limits = inputLimits(ctx.limits);
  return ctx.inputParams ? imageToEngineInput(bytes, ctx.preprocessing, ctx.inputParams, limits) : imageToInput(bytes, ctx.preprocessing, limits);
}

export function serverTiming(timings: Timing[]): string {
  const sum = (k: keyof Timing) => Math.round(timings.reduce((a, t) => a + t[k], 0) * 1000) / 1000;
  const parts = [`decode;dur=${sum('decode_ms')}`, `preprocess;dur=${sum('preprocess_ms')}`, `inference;dur=${sum('inference_ms')}`];
  return parts.join(', ');
}

/** The requested (or default) model: verified file now, engine on first use. */
export async function runContext(c: Context<AppEnv>, registry: ModelRegistry, requested: string | undefined): Promise<RunContext & { sha256: string; header: ModelHeader }> {
  const name = registry.resolve(requested, c.env.MODEL);
  const file = await registry.file(name);
  const build = registry.build(c.env.ENGINE);
  return {
    name,
    sha256: file.sha256,
    header: file.header,
    preprocessing: file.header.preprocessing,
    classifier: () => registry.classifier(name, build),
    limits: c.get('limits'),
    domain: registry.bundled(name)?.domain,
    inputParams: inputQuantizeParams(file.header),
  };
}
