/**
 * Format detection from magic bytes only. The file name and the Content-Type
 * header are client claims and are never consulted: a text file sent as
 * image/jpeg must be answered as "not an image", not fed to a JPEG decoder.
 */

import { ascii, hasAscii, u16le, u32be, u32le } from './bytes.ts';

export type SupportedFormat = 'jpeg' | 'png' | 'webp';
export type ImageFormat = SupportedFormat | 'gif' | 'bmp' | 'tiff' | 'svg' | 'heic' | 'avif' | 'ico' | 'pdf' | 'unknown';

export const FORMAT_NAMES: Record<ImageFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  bmp: 'BMP',
  tiff: 'TIFF',
  svg: 'SVG',
  heic: 'HEIC/HEIF',
  avif: 'AVIF',
  ico: 'ICO',
  pdf: 'PDF',
  unknown: 'unknown',
};

export function isSupportedFormat(f: ImageFormat): f is SupportedFormat {
  return f === 'jpeg' || f === 'png' || f === 'webp';
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

// ISO-BMFF brands. AVIF is checked first because AVIF files usually also list
// the generic HEIF brand `mif1`.
const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1']);

export function sniffFormat(b: Uint8Array): ImageFormat {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && PNG_SIGNATURE.every((v, i) => b[i] === v)) return 'png';
  if (hasAscii(b, 0, 'RIFF') && hasAscii(b, 8, 'WEBP')) return 'webp';
  if (hasAscii(b, 0, 'GIF87a') || hasAscii(b, 0, 'GIF89a')) return 'gif';
  if (hasAscii(b, 0, 'II*\0') || hasAscii(b, 0, 'MM\0*') || hasAscii(b, 0, 'II+\0') || hasAscii(b, 0, 'MM\0+')) return 'tiff';
  if (hasAscii(b, 0, '%PDF-')) return 'pdf';
  const bmff = sniffIsoBmff(b);
  if (bmff) return bmff;
  // ICO / CUR: reserved 0, type 1 or 2, at least one entry.
  if (b.length >= 6 && b[0] === 0 && b[1] === 0 && (b[2] === 1 || b[2] === 2) && b[3] === 0 && u16le(b, 4) > 0) return 'ico';
  // BMP's magic is only two bytes; also require the DIB header size to be one of the known values.
  if (hasAscii(b, 0, 'BM') && [12, 40, 52, 56, 64, 108, 124].includes(u32le(b, 14))) return 'bmp';
  if (looksLikeSvg(b)) return 'svg';
  return 'unknown';
}

function sniffIsoBmff(b: Uint8Array): 'heic' | 'avif' | null {
  if (!hasAscii(b, 4, 'ftyp')) return null;
  const boxSize = u32be(b, 0);
  if (boxSize < 16) return null;
  const end = Math.min(boxSize, b.length, 4096);
  const brands = [ascii(b, 8, 4)];
  for (let p = 16; p + 4 <= end; p += 4) brands.push(ascii(b, p, 4));
  if (brands.some((x) => AVIF_BRANDS.has(x))) return 'avif';
  if (brands.some((x) => HEIF_BRANDS.has(x))) return 'heic';
  return null;
}

/**
 * SVG is text: optional UTF-8 BOM, whitespace, an optional `<?xml ...?>`
 * declaration, comments or a DOCTYPE, then the `<svg` root element. Only the
 * first 4 KiB are looked at.
 */
function looksLikeSvg(b: Uint8Array): boolean {
  let p = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  const end = Math.min(b.length, 4096);
  const skipWs = () => {
    while (p < end && (b[p] === 0x20 || b[p] === 0x09 || b[p] === 0x0a || b[p] === 0x0d)) p++;
  };
  const skipPast = (terminator: string): boolean => {
    for (; p + terminator.length <= end; p++) {
      if (hasAscii(b, p, terminator)) {
        p += terminator.length;
        return true;
      }
    }
    return false;
  };
  for (;;) {
    skipWs();
    if (hasAscii(b, p, '<?xml') || hasAscii(b, p, '<!--') || hasAscii(b, p, '<!DOCTYPE') || hasAscii(b, p, '<!doctype')) {
      const terminator = hasAscii(b, p, '<!--') ? '-->' : hasAscii(b, p, '<?') ? '?>' : '>';
      p += 2;
      if (!skipPast(terminator)) return false;
      continue;
    }
    if (!hasAscii(b, p, '<svg')) return false;
    const next = b[p + 4];
    return next === undefined || next === 0x3e || next === 0x2f || next === 0x20 || next === 0x09 || next === 0x0a || next === 0x0d;
  }
}
