/**
 * EXIF orientation, applied the way `PIL.ImageOps.exif_transpose` applies it:
 *
 *   2 FLIP_LEFT_RIGHT   3 ROTATE_180   4 FLIP_TOP_BOTTOM   5 TRANSPOSE
 *   6 ROTATE_270 (= 90° clockwise)     7 TRANSVERSE        8 ROTATE_90 (= 90° counter-clockwise)
 *
 * Rather than always materialising a rotated copy (which for a 12 Mpx phone
 * photo is another 48 MB in a 128 MB isolate), an orientation is expressed as
 * an affine *view*: the byte offset of displayed pixel (x, y) is
 * `base + x*sx + y*sy` in the stored RGBA buffer. The resampler reads through
 * the view directly; `applyOrientation` materialises it only when a caller
 * really needs upright pixels.
 */

import type { Orientation } from './exif.ts';
import type { DecodedImage } from './types.ts';

export interface OrientedView {
  data: Uint8ClampedArray;
  /** Displayed (upright) size. */
  width: number;
  height: number;
  /** Byte offset of displayed pixel (0, 0) and byte steps for +1 in displayed x and y. */
  base: number;
  sx: number;
  sy: number;
  /**
   * Only for a DCT-scaled decode (DecodedImage.source): the displayed size of the image in the
   * file, and the fractional range [in0, in1) of this pixel grid it covers along displayed x and
   * along displayed y (Pillow's resize box).
   */
  scaled?: { width: number; height: number; xBox: [number, number]; yBox: [number, number] };
}

/** True for the orientations that swap width and height. */
export function swapsAxes(o: Orientation): boolean {
  return o >= 5;
}

export function orientedView(img: DecodedImage): OrientedView {
  const { width: w, height: h, data } = img;
  const row = 4 * w;
  const last = 4 * (w - 1); // offset of the last pixel in a row
  const bottom = row * (h - 1); // offset of the last row
  let base: number, sx: number, sy: number;
  switch (img.orientation) {
    case 2:
      [base, sx, sy] = [last, -4, row];
      break;
    case 3:
      [base, sx, sy] = [last + bottom, -4, -row];
      break;
    case 4:
      [base, sx, sy] = [bottom, 4, -row];
      break;
    case 5:
      [base, sx, sy] = [0, row, 4];
      break;
    case 6:
      [base, sx, sy] = [bottom, -row, 4];
      break;
    case 7:
      [base, sx, sy] = [last + bottom, -row, -4];
      break;
    case 8:
      [base, sx, sy] = [last, row, -4];
      break;
    default:
      [base, sx, sy] = [0, 4, row];
  }
  const swap = swapsAxes(img.orientation);
  const view: OrientedView = { data, width: swap ? h : w, height: swap ? w : h, base, sx, sy };
  const src = img.source;
  if (src) {
    // A displayed axis runs along stored y when the axes swap, backwards when its step is negative.
    const [x0, y0, x1, y1] = src.box;
    const along = (lo: number, hi: number, grid: number, reversed: boolean): [number, number] => (reversed ? [grid - hi, grid - lo] : [lo, hi]);
    view.scaled = swap
      ? { width: src.height, height: src.width, xBox: along(y0, y1, h, sx < 0), yBox: along(x0, x1, w, sy < 0) }
      : { width: src.width, height: src.height, xBox: along(x0, x1, w, sx < 0), yBox: along(y0, y1, h, sy < 0) };
  }
  return view;
}

/** Upright copy with orientation 1 (returns `img` itself when it is already upright). */
export function applyOrientation(img: DecodedImage): DecodedImage {
  if (img.orientation === 1) return img;
  const v = orientedView(img);
  const out = new Uint8ClampedArray(v.width * v.height * 4);
  const src = v.data;
  let o = 0;
  for (let y = 0; y < v.height; y++) {
    let p = v.base + y * v.sy;
    for (let x = 0; x < v.width; x++, p += v.sx, o += 4) {
      out[o] = src[p];
      out[o + 1] = src[p + 1];
      out[o + 2] = src[p + 2];
      out[o + 3] = src[p + 3];
    }
  }
  const s = v.scaled;
  const source: DecodedImage['source'] = s && { width: s.width, height: s.height, box: [s.xBox[0], s.yBox[0], s.xBox[1], s.yBox[1]] };
  return { ...img, width: v.width, height: v.height, data: out, orientation: 1, source };
}
