/**
 * DecodedImage -> model input, matching the timm/torchvision eval transform
 * on a PIL image:
 *
 *   img = exif_transpose(Image.open(f)).convert('RGB')      # decode.ts, orient.ts
 *   [img = img.convert('L') -> 3 equal channels]            # if grayscale
 *   Resize(int(input_size / crop_pct), interpolation)       # shorter side; PIL antialiased resample
 *   CenterCrop(input_size)
 *   ToTensor()                                              # /255, float32, CHW
 *   Normalize(mean, std)
 *
 * Every step is integer- or float32-exact with the reference (see
 * resample.ts for the resize, run by the wasm kernels of resample-wasm.ts once
 * initResampler() has run); the tests compare against Pillow/torchvision
 * goldens.
 */

import { orientedView } from './orient.ts';
import { TS_RESAMPLER, type Resampler } from './resample.ts';
import { WasmResampler, wasmResampler } from './resample-wasm.ts';
import { paramsTable, quantizeHWC } from './quantize.ts';
import type { DecodedImage, Preprocessing } from './types.ts';

export { quantizeInputNHWC } from './quantize.ts';
import { normalizeTable } from './normalize.ts';

/** torchvision 0.14 `_compute_resized_output_size` for an int size: the shorter side becomes `size`. */
export function resizedSize(width: number, height: number, size: number): [number, number] {
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.trunc((size * long) / short); // Python: int(requested_new_short * long / short)
  return width <= height ? [size, newLong] : [newLong, size];
}

/** Python 3 round() on a multiple of 0.5: ties go to the even neighbour. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * torchvision's CenterCrop offset along one axis, in resized-image
 * coordinates: int(round((size - crop) / 2.0)), or minus the left/top padding
 * ((crop - size) // 2) when the image is smaller than the crop.
 */
export function centerCropOffset(size: number, crop: number): number {
  return crop > size ? -Math.floor((crop - size) / 2) : roundHalfEven((size - crop) / 2.0);
}

function validate(p: Preprocessing): void {
  if (!Number.isInteger(p.input_size) || p.input_size < 1 || p.input_size > 4096) throw new RangeError(`input_size must be an integer in 1..4096, got ${p.input_size}`);
  if (!(p.crop_pct > 0) || !(Math.floor(p.input_size / p.crop_pct) >= 1)) throw new RangeError(`crop_pct must be > 0, got ${p.crop_pct}`);
  if (p.interpolation !== 'bilinear' && p.interpolation !== 'bicubic') throw new RangeError(`unsupported interpolation "${p.interpolation}"`);
  if (p.mean.length !== 3 || p.std.length !== 3 || p.std.some((s) => !(s !== 0))) throw new RangeError('mean and std need 3 values, std non-zero');
}

/** The shorter side the Resize step produces: timm's `math.floor(img_size / crop_pct)` (the decoder's scale hint). */
export function resizeShortSide(p: Preprocessing): number {
  return Math.floor(p.input_size / p.crop_pct);
}

/** The wasm resampler once initResampler() has run (decoders-node.ts / decoders-workerd.ts do), else resample.ts. */
export function defaultResampler(): Resampler {
  return wasmResampler() ?? TS_RESAMPLER;
}

/**
 * Resize + CenterCrop: the PIL image right before ToTensor, as HWC bytes
 * [S, S, 3] (three equal channels when `grayscale`). Honours `img.orientation`
 * without copying the image. `resampler` picks the implementation (all give the same bytes).
 */
export function resizeAndCrop(img: DecodedImage, p: Preprocessing, resampler: Resampler = defaultResampler()): Uint8Array {
  const w = cropWindow(img, p);
  const win = resampler.resampleWindow(w.view, w.outW, w.outH, p.interpolation, w.left, w.top, p.input_size, p.grayscale);
  const S = p.input_size;
  if (!p.grayscale) return new Uint8Array(win.buffer, win.byteOffset, win.length);
  const rgb = new Uint8Array(S * S * 3);
  for (let i = 0, o = 0; i < win.length; i++, o += 3) rgb[o] = rgb[o + 1] = rgb[o + 2] = win[i];
  return rgb;
}

/** What the resize reads and where its CenterCrop window lies. */
function cropWindow(img: DecodedImage, p: Preprocessing) {
  validate(p);
  const S = p.input_size;
  const view = orientedView(img);
  // The resize size comes from the image in the file, also when the decoder scaled it (view.scaled).
  const [outW, outH] = resizedSize(view.scaled?.width ?? view.width, view.scaled?.height ?? view.height, resizeShortSide(p));
  return { view, outW, outH, left: centerCropOffset(outW, S), top: centerCropOffset(outH, S) };
}

/**
 * Resize + CenterCrop + the engine's input quantization: int8 NHWC [S, S, 3], equal to
 * quantizeHWC(resizeAndCrop(img, p), table) for the table `params` holds (quantize.ts
 * quantizeParams). The wasm resampler quantizes the window in its own module before copying it
 * out (its SIMD build in one affine pass); resample.ts resizes and quantizeHWC quantizes.
 */
export function resizeCropQuantize(img: DecodedImage, p: Preprocessing, params: Uint8Array, resampler: Resampler = defaultResampler()): Int8Array {
  const table = paramsTable(params); // checks the block's size first, whichever resampler runs
  if (!(resampler instanceof WasmResampler)) return quantizeHWC(resizeAndCrop(img, p, resampler), table);
  const w = cropWindow(img, p);
  return resampler.resampleWindowInt8(w.view, w.outW, w.outH, p.interpolation, w.left, w.top, p.input_size, p.grayscale, params);
}

/**
 * ToTensor + Normalize on HWC bytes -> CHW float32, bit-identical to
 * torchvision: each step rounds to float32 like the tensor ops do
 * (v / 255, then - mean, then / std, with mean/std as float32). There are only
 * 256 possible inputs per channel, so it is a table lookup.
 */
export function normalizeToCHW(hwc: Uint8Array, S: number, mean: readonly number[], std: readonly number[]): Float32Array {
  const lut = normalizeTable(mean, std);
  const plane = S * S;
  const out = new Float32Array(3 * plane);
  for (let i = 0, p = 0; i < plane; i++, p += 3) {
    out[i] = lut[hwc[p]];
    out[plane + i] = lut[256 + hwc[p + 1]];
    out[2 * plane + i] = lut[512 + hwc[p + 2]];
  }
  return out;
}

/** The model input: Float32Array CHW [3, S, S]. */
export function preprocess(img: DecodedImage, p: Preprocessing, resampler: Resampler = defaultResampler()): Float32Array {
  return normalizeToCHW(resizeAndCrop(img, p, resampler), p.input_size, p.mean, p.std);
}
