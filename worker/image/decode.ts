/**
 * bytes -> DecodedImage. The order is the point:
 *
 *   empty? -> body size -> sniff magic bytes (415) -> header dims (400/413)
 *   -> structural checks (JPEG EOI) -> decode (any failure -> 400)
 *
 * Nothing proportional to the pixel count is allocated before the header says
 * the image is within `maxPixels`, so a 2 KB PNG claiming 60000x60000 costs
 * microseconds. Every client-caused failure leaves as an ImageError; a plain
 * Error means a bug or a missing initDecoders() (-> 500).
 */

import { CodecFailure, DecoderSetupError, type RawImage } from './codec-common.ts';
import { getDecoders } from './decoders.ts';
import { readImageHeader, scanJpegData, type ImageHeader } from './dimensions.ts';
import { emptyBody, ImageError, imageTooLarge, invalidImage, unsupportedFormat } from './errors.ts';
import { decodeCmykJpeg } from './jpeg-cmyk.ts';
import { FORMAT_NAMES, isSupportedFormat, sniffFormat } from './sniff.ts';
import type { DecodedImage } from './types.ts';

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
}

export async function decodeImage(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<DecodedImage> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;

  if (bytes.length === 0) throw emptyBody();
  if (bytes.length > maxBytes) throw imageTooLarge(`the body is ${bytes.length} bytes, the limit is ${maxBytes} bytes`);

  const format = sniffFormat(bytes);
  if (!isSupportedFormat(format)) throw unsupportedFormat(format === 'unknown' ? null : FORMAT_NAMES[format]);
  const name = FORMAT_NAMES[format];

  const header = readImageHeader(bytes, format);
  checkDimensions(header, maxPixels);
  const decoders = getDecoders(); // outside the try: "not initialised" is our bug, not a 400

  let raw: RawImage;
  try {
    if (format === 'jpeg') raw = await decodeJpeg(bytes, header, maxPixels);
    else if (format === 'png') raw = decoders.png.decode(bytes);
    else raw = (await decoders.webp.decode(bytes)).image;
  } catch (e) {
    if (e instanceof ImageError || e instanceof DecoderSetupError) throw e;
    throw decoderFailure(name, e);
  }

  if (raw.width !== header.width || raw.height !== header.height || raw.data.length !== raw.width * raw.height * 4) {
    throw invalidImage(name, `decoded size ${raw.width}x${raw.height} does not match the header's ${header.width}x${header.height}`);
  }
  return { width: raw.width, height: raw.height, data: raw.data, orientation: header.orientation, format };
}

function checkDimensions(h: ImageHeader, maxPixels: number): void {
  const pixels = h.width * h.height;
  if (pixels > maxPixels) {
    const mp = (n: number) => `${(n / 1e6).toFixed(1)} megapixels`;
    throw imageTooLarge(`${h.width}x${h.height} is ${mp(pixels)}, the limit is ${mp(maxPixels)}`);
  }
}

async function decodeJpeg(bytes: Uint8Array, header: ImageHeader, maxPixels: number): Promise<RawImage> {
  const info = header.jpeg!;
  // libjpeg pads a truncated stream with gray and only *warns*; Pillow refuses
  // it ("image file is truncated"). A missing EOI is exactly that case.
  const scan = scanJpegData(bytes, info.sosOffset);
  if (!scan.hasEoi) throw invalidImage('JPEG', 'the image data is truncated (no EOI marker)');
  if (scan.scans > MAX_JPEG_SCANS) throw invalidImage('JPEG', `too many scans (${scan.scans}, at most ${MAX_JPEG_SCANS} are accepted)`);

  if (info.components === 4) return decodeCmykJpeg(bytes, info.adobeTransform !== null, maxPixels);

  const { image, messages } = await getDecoders().jpeg.decode(bytes, /* preserveOrientation: we orient ourselves */ false);
  if (messages.some((m) => /premature end of jpeg file/i.test(m))) throw invalidImage('JPEG', 'the image data is truncated');
  return image;
}

/** Maps whatever a decoder threw to a client error, with the decoder's own words when they mean something. */
function decoderFailure(name: string, e: unknown): ImageError {
  const raw = e instanceof Error ? e.message : String(e);
  const text = raw.replace(/\s+/g, ' ').trim().slice(0, 200);
  if (/maxMemoryUsageInMB|maxResolutionInMP|out of memory|\bOOM\b|Cannot enlarge memory|allocation failed/i.test(text)) {
    return imageTooLarge(`decoding this ${name} image needs more memory than allowed (${text})`);
  }
  // Messages from the C/Rust decoders are informative ("Bogus Huffman table definition");
  // JS engine errors out of jpeg-js (TypeError on malformed tables), wasm traps and
  // wasm-bindgen's "`unwrap_throw` failed" are not, so they get the generic wording.
  const opaque = !(e instanceof CodecFailure || e?.constructor === Error) || /exit\(|unreachable|unwrap_throw|^$/i.test(text);
  return invalidImage(name, opaque ? 'corrupt or truncated data' : `corrupt or truncated data (${text})`, e);
}
