/**
 * The image pipeline, bytes -> model input:
 *
 *   sniff.ts (magic bytes) -> dimensions.ts (header, limits) -> decode.ts (wasm decoders)
 *   -> orient.ts (EXIF orientation) -> preprocess.ts (Pillow resize, crop, normalise) -> quantize.ts
 *
 * Environment-specific decoder setup lives in decoders-node.ts / decoders-workerd.ts
 * and is deliberately not re-exported here (each imports files the other runtime cannot load).
 */

export { decodeImage, withDecodedImage, DEFAULT_MAX_BYTES, DEFAULT_MAX_DECODE_BYTES, DEFAULT_MAX_PIXELS, type DecodeOptions } from './decode.ts';
export { decodeCost, planDecode } from './budget.ts';
export { initDecoders, type DecoderModules } from './decoders.ts';
export { ImageError, isImageError, ACCEPTED_FORMAT_NAMES, ACCEPTED_MEDIA_TYPES, type ImageErrorCode, type ImageErrorStatus } from './errors.ts';
export { sniffFormat, isSupportedFormat, FORMAT_NAMES, type ImageFormat, type SupportedFormat } from './sniff.ts';
export { readImageHeader, type ImageHeader } from './dimensions.ts';
export { applyOrientation, orientedView } from './orient.ts';
export { preprocess, resizeAndCrop, resizeShortSide, normalizeToCHW } from './preprocess.ts';
export { quantizeInputNHWC } from './quantize.ts';
export type { DecodedImage, Orientation, Preprocessing } from './types.ts';

import { withDecodedImage, type DecodeOptions } from './decode.ts';
import { preprocess, resizeShortSide } from './preprocess.ts';
import type { Preprocessing } from './types.ts';

/**
 * Whole pipeline for one request body: large JPEGs are decoded at the DCT scale the model's
 * resize allows, and the pixels are resized straight from the decoder's memory.
 * Throws ImageError (4xx) for anything wrong with the image.
 */
export async function imageToTensor(bytes: Uint8Array, p: Preprocessing, opts?: DecodeOptions): Promise<Float32Array> {
  return withDecodedImage(bytes, { resizeShortSide: resizeShortSide(p), ...opts }, (img) => preprocess(img, p));
}
