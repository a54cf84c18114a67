/** Shared shapes of the image pipeline (bytes -> DecodedImage -> tensor). */

import type { Orientation } from './exif.ts';
import type { SupportedFormat } from './sniff.ts';

export type { Orientation } from './exif.ts';

/**
 * A decoded still image, 8-bit RGBA, row-major, exactly as stored in the file
 * (before EXIF orientation). `orientation` says how to display it; the
 * preprocessing honours it without copying (see orient.ts), and
 * `applyOrientation()` produces an upright copy with `orientation: 1`.
 *
 * Alpha is kept here only because every decoder produces RGBA; the
 * preprocessing ignores it, which is Pillow's `.convert('RGB')` (see README).
 */
export interface DecodedImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
  orientation: Orientation;
  format?: SupportedFormat;
  /**
   * Set when the decoder reduced the image (JPEG DCT scaling by k, see budget.ts): the file's
   * image is `width` x `height` and covers the fractional `box` [x0, y0, x1, y1] of this pixel
   * grid — (0, 0, W/k, H/k) from the decoder; the last column/row is partial when the size is not
   * a multiple of k. The resize uses that box, like Pillow's `resize(size, box=...)` after `draft()`.
   */
  source?: { width: number; height: number; box: [number, number, number, number] };
}

/** timm-style preprocessing config of a model (what `resolve_data_config` returns). */
export interface Preprocessing {
  input_size: number;
  crop_pct: number;
  interpolation: 'bilinear' | 'bicubic';
  mean: [number, number, number];
  std: [number, number, number];
  grayscale: boolean; // convert to luma (Pillow's 'L') and copy to 3 channels
}
