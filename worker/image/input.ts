/**
 * Image bytes → model input: the one function the Worker's routes, the CLI (classify,
 * calibration) and the benches call, so they all see the same pixels.
 *
 *   decode.ts (sniff, header, limits, DCT scale, decode) → preprocess.ts (orientation, resize, crop)
 *
 * The result is the model's input as the image right before ToTensor: HWC bytes [S, S, 3]. The
 * int8 engine quantizes those through one table (registry.ts `runPixels`); float consumers call
 * `inputToCHW`. The Worker's requests take `imageToEngineInput` instead, which quantizes in the
 * resampler's module (preprocess.ts `resizeCropQuantize`) and gives the engine's int8 input. Large JPEGs are decoded at the DCT scale the model's resize allows, and that
 * choice depends on the decode budget, so every caller passes the same limits (the Worker's,
 * `DEFAULT_INPUT_LIMITS` unless its vars say otherwise) to get the same tensor.
 */
import type { DecodeMode } from './budget.ts';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_DECODE_BYTES, DEFAULT_MAX_PIXELS, withDecodedImage } from './decode.ts';
import { normalizeToCHW, resizeAndCrop, resizeCropQuantize, resizeShortSide } from './preprocess.ts';
import { imageStats, type ImageStats } from './domain.ts';
import type { DecodedImage, Preprocessing } from './types.ts';

/** What a decode may take; all three are judged before any pixel is decoded (decode.ts). */
export interface InputLimits {
  /** Largest encoded image, bytes. */
  maxBytes: number;
  /** Largest width × height. */
  maxPixels: number;
  /** Memory one decode may take, bytes (also decides how far a large JPEG is DCT-scaled). */
  maxDecodeBytes: number;
  /** How far a JPEG may be DCT-scaled for the model: `exact` (default) or `fast` (budget.ts). */
  decode?: DecodeMode;
}

/** The Worker's defaults (wrangler.toml vars MAX_BODY_BYTES, MAX_PIXELS, MAX_DECODE_MB, DECODE). */
export const DEFAULT_INPUT_LIMITS: InputLimits = { maxBytes: DEFAULT_MAX_BYTES, maxPixels: DEFAULT_MAX_PIXELS, maxDecodeBytes: DEFAULT_MAX_DECODE_BYTES, decode: 'exact' };

export interface ModelInput {
  /** The resized, centre-cropped image as HWC bytes [size, size, 3] (three equal channels for gray models). */
  pixels: Uint8Array;
  size: number;
  /** Size, colourfulness and border brightness of the decoded image, for the out-of-domain note (domain.ts). */
  image: ImageStats;
  /** Wall-clock ms: sniff + header + decode, then orientation + resize + crop. */
  timing: { decode_ms: number; preprocess_ms: number };
}

/** The int8 engine's input of an image: ModelInput with the pixels already quantized. */
export interface EngineInput extends Omit<ModelInput, 'pixels'> {
  /** int8 NHWC [size, size, 3] at the model's input quantization. */
  int8: Int8Array;
}

const ms = (a: number, b: number) => Math.round((b - a) * 1000) / 1000;

/** Decodes `bytes` under `limits` and hands the decoded image to `prepare` (timed as preprocessing). */
async function fromImage<T>(bytes: Uint8Array, p: Preprocessing, limits: InputLimits, prepare: (decoded: DecodedImage) => T) {
  const t0 = performance.now();
  let t1 = t0;
  const opts = { maxBytes: limits.maxBytes, maxPixels: limits.maxPixels, maxDecodeBytes: limits.maxDecodeBytes, resizeShortSide: resizeShortSide(p), mode: limits.decode };
  const { input, image } = await withDecodedImage(bytes, opts, (decoded) => {
    t1 = performance.now();
    return { input: prepare(decoded), image: imageStats(decoded) };
  });
  const t2 = performance.now();
  return { input, size: p.input_size, image, timing: { decode_ms: ms(t0, t1), preprocess_ms: ms(t1, t2) } };
}

/**
 * Decodes `bytes` and resizes/crops them as `p` says. Throws ImageError (4xx) for anything wrong
 * with the image. The resize reads the pixels straight from the decoder's memory (no full-size copy).
 */
export async function imageToInput(bytes: Uint8Array, p: Preprocessing, limits: InputLimits = DEFAULT_INPUT_LIMITS): Promise<ModelInput> {
  const { input, ...rest } = await fromImage(bytes, p, limits, (decoded) => resizeAndCrop(decoded, p));
  return { pixels: input, ...rest };
}

/**
 * imageToInput and the input quantization in one: `params` from image/quantize.ts
 * `quantizeParams` for the model's input (model/registry.ts `inputQuantizeParams`).
 */
export async function imageToEngineInput(bytes: Uint8Array, p: Preprocessing, params: Uint8Array, limits: InputLimits = DEFAULT_INPUT_LIMITS): Promise<EngineInput> {
  const { input, ...rest } = await fromImage(bytes, p, limits, (decoded) => resizeCropQuantize(decoded, p, params));
  return { int8: input, ...rest };
}

/** ToTensor + Normalize of a model input: CHW float32 [3, size, size], bit-identical to torchvision. */
export function inputToCHW(input: ModelInput, p: Preprocessing): Float32Array {
  return normalizeToCHW(input.pixels, input.size, p.mean, p.std);
}
