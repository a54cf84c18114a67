/**
 * Reads an origin's image body under the upload limits, before anything is buffered whole:
 *
 * - a Content-Length over MAX_BODY_BYTES is refused before the first read;
 * - every chunk is counted, and the read stops (the stream is cancelled) at the first byte past
 *   MAX_BODY_BYTES, whatever the origin declared;
 * - as soon as the first bytes hold the image header (a PNG's IHDR, a JPEG's SOF, a WebP's
 *   VP8/VP8L/VP8X chunk), its width x height is checked against MAX_PIXELS and bytes that are
 *   no image we accept are refused, so a 40000x40000 PNG or an HTML page stops after a few bytes;
 * - the deadline (FETCH_TIMEOUT_MS, shared with the connection and redirects) cancels the read.
 */
import { checkDimensions } from '../image/decode.ts';
import { readImageSize } from '../image/dimensions.ts';
import { imageTooLarge, isImageError, unsupportedFormat } from '../image/errors.ts';
import { FORMAT_NAMES, isSupportedFormat, sniffFormat } from '../image/sniff.ts';
import type { Deadline } from './deadline.ts';
import { emptyImage, unreachable } from './errors.ts';

export interface BodyLimits {
  maxBytes: number;
  maxPixels: number;
}

const tooLarge = (max: number, size: string) => imageTooLarge(`the body is ${size}, the limit is ${max} bytes (MAX_BODY_BYTES)`);

/** The header check is first tried at this many bytes, then each time the prefix has grown 4x (O(n) in all). */
const FIRST_HEADER_CHECK = 32;

/**
 * Whether `prefix` (the first bytes of the body) already shows the image is unacceptable: throws
 * 415 for a format we do not decode and 413 for a header over `maxPixels`; returns true once the
 * header was read and passed (no need to look again), false while more bytes are needed.
 */
export function checkPrefix(prefix: Uint8Array, maxPixels: number, final: boolean): boolean {
  const format = sniffFormat(prefix);
  if (!isSupportedFormat(format)) {
    // A short prefix may not yet show a WebP's RIFF/WEBP pair; 16 bytes show every signature we sniff.
    if (prefix.length >= 16 || final) throw unsupportedFormat(format === 'unknown' ? null : FORMAT_NAMES[format]);
    return false;
  }
  let size: { width: number; height: number } | null;
  try {
    size = readImageSize(prefix, format);
  } catch (e) {
    // A header cut off by the prefix reads as malformed: wait for more bytes (the full decode judges a truly bad one).
    if (isImageError(e) && e.code === 'invalid_image') return false;
    throw e;
  }
  if (!size) return false;
  checkDimensions(size, maxPixels);
  return true;
}

export async function readImageBody(body: ReadableStream<Uint8Array> | null, declaredLength: number | null, limits: BodyLimits, deadline: Deadline): Promise<Uint8Array> {
  if (declaredLength !== null && declaredLength > limits.maxBytes) {
    await body?.cancel().catch(() => {});
    throw tooLarge(limits.maxBytes, `${declaredLength} bytes (its Content-Length)`);
  }
  if (!body) throw emptyImage();
  const reader = body.getReader();
  const stop = () => reader.cancel().catch(() => {});
  let buf = new Uint8Array(Math.max(1, declaredLength ?? 64 * 1024));
  let size = 0;
  let headerChecked = false;
  let nextCheck = FIRST_HEADER_CHECK;
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await deadline.race(reader.read());
      } catch {
        if (deadline.expired) throw deadline.error();
        throw unreachable('body');
      }
      if (r.done) break;
      const chunk = r.value instanceof Uint8Array ? r.value : new Uint8Array(r.value as ArrayBuffer);
      if (size + chunk.byteLength > limits.maxBytes) throw tooLarge(limits.maxBytes, `more than ${limits.maxBytes} bytes`);
      if (size + chunk.byteLength > buf.byteLength) {
        const grown = new Uint8Array(Math.min(limits.maxBytes, Math.max(buf.byteLength * 2, size + chunk.byteLength)));
        grown.set(buf.subarray(0, size));
        buf = grown;
      }
      buf.set(chunk, size);
      size += chunk.byteLength;
      if (!headerChecked && size >= nextCheck) {
        headerChecked = checkPrefix(buf.subarray(0, size), limits.maxPixels, false);
        nextCheck = size * 4;
      }
    }
  } catch (e) {
    await stop();
    throw e;
  }
  if (size === 0) throw emptyImage();
  const bytes = size === buf.byteLength ? buf : buf.subarray(0, size);
  if (!headerChecked) checkPrefix(bytes, limits.maxPixels, true);
  return bytes;
}
