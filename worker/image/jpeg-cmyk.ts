/**
 * CMYK / YCCK JPEGs (4 components, typically from print workflows).
 *
 * The @jsquash MozJPEG build always asks libjpeg for RGBA output, and libjpeg
 * cannot convert CMYK/YCCK to RGB, so it fails ("Unsupported color conversion
 * request"). These files go through jpeg-js instead (pure JS, with its own
 * resolution and memory caps), for this case only.
 *
 * What Pillow does, and so what the PyTorch reference sees: libjpeg decodes
 * YCCK -> CMYK, Pillow reads the samples as Adobe-inverted ("CMYK;I", always,
 * with or without an Adobe marker), and `.convert('RGB')` computes
 *   nk = 255 - K;  R = nk - MULDIV255(C, nk)      (C, K after inversion)
 * which is  R = s_k - round((255 - s_c) * s_k / 255)  in stored samples.
 * jpeg-js's RGBA output is the same expression (its getData() undoes the
 * Adobe inversion and copyToImageData() applies R = 255 - (C*(1-K/255) + K)),
 * but truncates instead of rounding, and its IDCT and YCC->RGB arithmetic are
 * not libjpeg's fixed-point ones. Measured against Pillow on our fixtures:
 * mean |diff| 0.25..0.37 per 8-bit sample before resizing, max 4; after the
 * 224 px preprocessing the tensors agree within ~0.2/255 (see the tests).
 *
 * jpeg-js only honours 4-component files that carry an Adobe APP14 marker;
 * for the rest we insert one declaring "no transform", which is exactly the
 * plain-CMYK interpretation libjpeg/Pillow use.
 */

import decodeJpegJs from 'jpeg-js/lib/decoder.js';
import type { RawImage } from './codec-common.ts';

/** jpeg-js accounts its allocations (~28 bytes per CMYK pixel); beyond this it refuses (-> 413). */
export const CMYK_MAX_MEMORY_MB = 128;

const ADOBE_NO_TRANSFORM = new Uint8Array([
  0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, // APP14, length 14, "Adobe"
  0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, // version 100, flags0, flags1, transform 0
]);

export function withAdobeMarker(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + ADOBE_NO_TRANSFORM.length);
  out.set(bytes.subarray(0, 2)); // SOI
  out.set(ADOBE_NO_TRANSFORM, 2);
  out.set(bytes.subarray(2), 2 + ADOBE_NO_TRANSFORM.length);
  return out;
}

/** Throws jpeg-js's own Error on corrupt data or when a cap is exceeded (callers map it). */
export function decodeCmykJpeg(bytes: Uint8Array, hasAdobeMarker: boolean, maxPixels: number): RawImage {
  const img = decodeJpegJs(hasAdobeMarker ? bytes : withAdobeMarker(bytes), {
    useTArray: true,
    formatAsRGBA: true,
    tolerantDecoding: true, // libjpeg, and so Pillow, also decode through recoverable stream damage
    maxResolutionInMP: maxPixels / 1e6,
    maxMemoryUsageInMB: CMYK_MAX_MEMORY_MB,
  });
  const data = img.data as Uint8Array;
  return { width: img.width, height: img.height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length) };
}
