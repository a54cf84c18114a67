/**
 * EXIF orientation (tag 0x0112) from an EXIF/TIFF blob, read the way Pillow's
 * `Image.getexif()` does for `ImageOps.exif_transpose`:
 *  - a leading "Exif\0\0" is stripped (JPEG APP1 payloads and some WebP EXIF chunks have it),
 *  - the rest must be a TIFF header ("II*\0" or "MM\0*") pointing at IFD0,
 *  - only IFD0 is searched; if the tag occurs twice the last one wins (dict semantics).
 * Anything malformed yields 1 ("as stored"): broken metadata must never fail an
 * otherwise decodable image. Every read is bounds-checked, so a 64 KiB EXIF
 * block (or a hostile one with absurd counts/offsets) costs at most one pass
 * over IFD0's entries.
 */

import { hasAscii } from './bytes.ts';

/** EXIF orientation: 1 = as stored; 2..8 = flips/rotations (see orient.ts). */
export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

const TAG_ORIENTATION = 0x0112;
// TIFF field types that can carry a small integer in the entry itself.
const TYPE_BYTE = 1;
const TYPE_SHORT = 3;
const TYPE_LONG = 4;
const TYPE_SSHORT = 8;
const TYPE_SLONG = 9;

export function parseExifOrientation(b: Uint8Array, start = 0, end = b.length): Orientation {
  if (start < 0 || end > b.length || end <= start) return 1;
  let base = start;
  if (hasAscii(b, base, 'Exif\0\0')) base += 6;
  if (end - base < 8) return 1;

  let le: boolean;
  if (b[base] === 0x49 && b[base + 1] === 0x49 && b[base + 2] === 0x2a && b[base + 3] === 0x00) le = true;
  else if (b[base] === 0x4d && b[base + 1] === 0x4d && b[base + 2] === 0x00 && b[base + 3] === 0x2a) le = false;
  else return 1;

  const rd16 = (p: number): number => (p + 2 > end ? -1 : le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1]);
  const rd32 = (p: number): number => (p + 4 > end ? -1 : (le ? (b[p + 3] << 24) | (b[p + 2] << 16) | (b[p + 1] << 8) | b[p] : (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0);

  const ifd0 = rd32(base + 4);
  if (ifd0 < 8) return 1;
  const ifdStart = base + ifd0;
  const count = rd16(ifdStart);
  if (count <= 0) return 1;

  let orientation = 1;
  for (let i = 0; i < count; i++) {
    const e = ifdStart + 2 + i * 12;
    if (e + 12 > end) break; // IFD runs off the end: keep what we have (Pillow warns and stops too)
    if (rd16(e) !== TAG_ORIENTATION) continue;
    const type = rd16(e + 2);
    const n = rd32(e + 4);
    if (n !== 1) {
      orientation = 1; // a tuple value never matches exif_transpose's table
      continue;
    }
    let v: number;
    if (type === TYPE_SHORT || type === TYPE_SSHORT) v = rd16(e + 8);
    else if (type === TYPE_LONG || type === TYPE_SLONG) v = rd32(e + 8);
    else if (type === TYPE_BYTE) v = b[e + 8];
    else v = 1;
    if (type === TYPE_SSHORT && v > 0x7fff) v -= 0x10000;
    orientation = v >= 1 && v <= 8 ? v : 1;
  }
  return orientation as Orientation;
}
