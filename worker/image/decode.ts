/**
 * bytes -> DecodedImage. The order is the point:
 *
 *   empty? -> body size -> sniff magic bytes (415) -> header dims (400/413)
 *   -> structural checks (JPEG EOI, scan count) -> memory budget and DCT scale (413, budget.ts)
 *   -> decode (any failure -> 400)
 *
 * Nothing proportional to the pixel count is allocated before the header says
 * the image is within `maxPixels` and its decode within `maxDecodeBytes`, so a
 * 2 KB PNG claiming 60000x60000 costs microseconds. Every client-caused failure
 * leaves as an ImageError; a plain Error means a bug or a missing initDecoders() (-> 500).
 *
 * Two entry points:
 *  - `withDecodedImage(bytes, opts, use)` hands the image to a synchronous `use` and returns its
 *    result. The pixels are then a view of the decoder's wasm memory (no second full-size copy at
 *    the peak), valid only while `use` runs — the Worker's path.
 *  - `decodeImage(bytes, opts)` returns an image the caller owns (copied out of the decoder)
 *    — for tools and tests.
 */

import { planDecode, scaleText, DEFAULT_MAX_DECODE_BYTES, type DecodeMode } from './budget.ts';
import { CodecFailure, DecoderSetupError, RECYCLE_BYTES, type RawImage } from './codec-common.ts';
import { jpegScale, jpegScaledSize, type JpegScale } from './codec-jpeg.ts';
import { getDecoders } from './decoders.ts';
import { readImageHeader, scanJpegData, type ImageHeader } from './dimensions.ts';
import { emptyBody, ImageError, imageTooLarge, invalidImage, unsupportedFormat } from './errors.ts';
import { FORMAT_NAMES, isSupportedFormat, sniffFormat } from './sniff.ts';
import type { DecodedImage } from './types.ts';

export { DEFAULT_MAX_DECODE_BYTES } from './budget.ts';

/** Pixel cap checked against the header before decoding (Pillow's own bomb warning starts at 89 Mpx). */
export const DEFAULT_MAX_PIXELS = 40_000_000;
/** Body cap: the hostile-file README recommends 10 MB. */
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
/** Progressive JPEGs have ~10 scans; each extra scan is another pass over the whole image (a known CPU-exhaustion trick). */
export const MAX_JPEG_SCANS = 256;

export interface DecodeOptions {
  /** Largest width*height accepted (default 40e6). Larger -> 413 before any decoding. */
  maxPixels?: number;
  /** Largest body accepted in bytes (default 10 MiB). Larger -> 413. */
  maxBytes?: number;
  /**
   * Memory a decode may take, estimated from the header (default 64 MiB; see budget.ts): the
   * decoder's wasm memory plus any copy handed to JS. Over it -> 413 before any decoding.
   */
  maxDecodeBytes?: number;
  /**
   * The shorter side the consumer will resize the image to (the model's
   * `floor(input_size / crop_pct)`, preprocess.ts `resizeShortSide`). Lets a JPEG be decoded at
   * a reduced DCT scale as `mode` allows (budget.ts); the result then carries `source`.
   * Omitted: always full size.
   */
  resizeShortSide?: number;
  /**
   * DECODE: `exact` (default) scales only a large JPEG (> 4 Mpx) by 1/2, 1/4 or 1/8 while its
   * shorter side stays >= 4x resizeShortSide; `fast` scales every JPEG by the smallest M/8 that
   * keeps it >= 2x.
   */
  mode?: DecodeMode;
}

/**
 * Decodes `bytes` and returns `use(image)`. The image's pixels may live in a decoder's memory:
 * they are valid only until `use` returns, and `use` must not decode another image. Errors
 * thrown by `use` pass through unchanged.
 */
export async function withDecodedImage<T>(bytes: Uint8Array, opts: DecodeOptions, use: (img: DecodedImage) => T): Promise<T> {
  return decode(bytes, opts, use);
}

/** Decodes `bytes` into an image the caller owns (see withDecodedImage for the zero-copy path). */
export async function decodeImage(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<DecodedImage> {
  return decode(bytes, opts, (img) => ({ ...img, data: img.data.slice() }));
}

async function decode<T>(bytes: Uint8Array, opts: DecodeOptions, use: (img: DecodedImage) => T): Promise<T> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;

  if (bytes.length === 0) throw emptyBody();
  if (bytes.length > maxBytes) throw imageTooLarge(`the body is ${bytes.length} bytes, the limit is ${maxBytes} bytes`);

  const format = sniffFormat(bytes);
  if (!isSupportedFormat(format)) throw unsupportedFormat(format === 'unknown' ? null : FORMAT_NAMES[format]);
  const name = FORMAT_NAMES[format];

  const header = readImageHeader(bytes, format);
  checkDimensions(header, maxPixels);
  const scans = format === 'jpeg' ? checkJpegStructure(bytes, header) : 1;
  const plan = planDecode(header, {
    bodyBytes: bytes.length,
    maxDecodeBytes: opts.maxDecodeBytes ?? DEFAULT_MAX_DECODE_BYTES,
    resizeShortSide: opts.resizeShortSide,
    jpegScans: scans,
    mode: opts.mode,
  });
  const decoders = getDecoders(); // outside the try: "not initialised" is our bug, not a 400
  // A decode larger than what an idle decoder may keep (RECYCLE_BYTES) first drops the other
  // decoders' instances, so their idle memory is not added to its budget in the 128 MB isolate.
  if (plan.cost.bytes > RECYCLE_BYTES) {
    if (format !== 'jpeg') decoders.jpeg.reset();
    if (format !== 'png') decoders.png.reset();
    if (format !== 'webp') decoders.webp.reset();
  }

  // The decoders call `consume` synchronously with their output; what it throws (an ImageError
  // about the decoded image, or a bug in `use`) must not be mistaken for a decoder failure.
  let result: { value: T } | null = null;
  let consumerError: { error: unknown } | null = null;
  const consume = (raw: RawImage, scale: JpegScale = jpegScale(1), warning: string | null = null) => {
    try {
      if (warning && /premature end of jpeg file/i.test(warning)) throw invalidImage('JPEG', 'the image data is truncated');
      const { width: w, height: h } = jpegScaledSize(header.width, header.height, scale);
      const reduced = scale.num !== scale.denom;
      if (raw.width !== w || raw.height !== h || raw.data.length !== w * h * 4) {
        throw invalidImage(name, `decoded size ${raw.width}x${raw.height} does not match the header's ${header.width}x${header.height}${reduced ? ` at ${scaleText(scale)} scale` : ''}`);
      }
      const img: DecodedImage = { width: w, height: h, data: raw.data, orientation: header.orientation, format };
      // libjpeg's scaled IDCT maps each 8x8 block to M x M pixels: the whole frame spans exactly
      // width·M/8 output pixels (the last, partial column/row of pixels included), so that is the box.
      const f = scale.num / scale.denom;
      if (reduced) img.source = { width: header.width, height: header.height, box: [0, 0, header.width * f, header.height * f] };
      result = { value: use(img) };
    } catch (e) {
      consumerError = { error: e };
    }
  };

  try {
    if (format === 'jpeg') {
      const req = { width: header.width, height: header.height, scale: plan.scale, cmyk: header.jpeg!.components === 4 };
      decoders.jpeg.decode(bytes, req, (raw, warning) => consume(raw, plan.scale, warning));
    } else {
      decoders[format].decode(bytes, header.width, header.height, (raw) => consume(raw));
    }
  } catch (e) {
    if (e instanceof ImageError || e instanceof DecoderSetupError) throw e;
    throw decoderFailure(name, e);
  }
  if (consumerError) throw (consumerError as { error: unknown }).error;
  if (!result) throw new Error('decoder returned without an image');
  return (result as { value: T }).value;
}

/** 413 when the header's width x height is over `maxPixels` (also run on a URL image's first bytes, worker/origin). */
export function checkDimensions(h: Pick<ImageHeader, 'width' | 'height'>, maxPixels: number): void {
  const pixels = h.width * h.height;
  if (pixels > maxPixels) {
    const mp = (n: number) => `${(n / 1e6).toFixed(1)} megapixels`;
    throw imageTooLarge(`${h.width}x${h.height} is ${mp(pixels)}, the limit is ${mp(maxPixels)}`);
  }
}

/** Structural checks before a JPEG decode; returns the number of scans. */
function checkJpegStructure(bytes: Uint8Array, header: ImageHeader): number {
  // libjpeg pads a truncated stream with gray and only *warns*; Pillow refuses
  // it ("image file is truncated"). A missing EOI is exactly that case.
  const scan = scanJpegData(bytes, header.jpeg!.sosOffset);
  if (!scan.hasEoi) throw invalidImage('JPEG', 'the image data is truncated (no EOI marker)');
  if (scan.scans > MAX_JPEG_SCANS) throw invalidImage('JPEG', `too many scans (${scan.scans}, at most ${MAX_JPEG_SCANS} are accepted)`);
  return scan.scans;
}

/** Maps whatever a decoder threw to a client error, with the decoder's own words when they mean something. */
function decoderFailure(name: string, e: unknown): ImageError {
  const raw = e instanceof Error ? e.message : String(e);
  const text = raw.replace(/\s+/g, ' ').trim().slice(0, 200);
  if (/Insufficient memory|out of memory|\bOOM\b|Cannot enlarge memory|allocation failed|Maximum memory size exceeded/i.test(text)) {
    return imageTooLarge(`decoding this ${name} image needs more memory than allowed (${text})`);
  }
  // Messages from the C/Rust decoders are informative ("Bogus Huffman table definition");
  // wasm traps and wasm-bindgen's "`unwrap_throw` failed" are not, so they get the generic wording.
  const opaque = !(e instanceof CodecFailure || e?.constructor === Error) || /exit\(|unreachable|unwrap_throw|libjpeg error|^$/i.test(text);
  return invalidImage(name, opaque ? 'corrupt or truncated data' : `corrupt or truncated data (${text})`, e);
}
