/**
 * A port of Pillow's ImagingResample for 8-bit images (libImaging/Resample.c),
 * the resize behind torchvision's `Resize` on PIL images. Reproduced exactly:
 *
 *  - filters: bilinear = triangle (support 1), bicubic = Keys a = -0.5 (support 2);
 *  - antialiasing: when shrinking, the filter is stretched by the scale factor
 *    (support *= scale, argument *= 1/scale);
 *  - pixel centres at +0.5, tap range [trunc(center - support + 0.5), trunc(center + support + 0.5)),
 *    clamped to the image;
 *  - weights normalised to sum 1 in double, then converted to 22-bit fixed
 *    point with round-half-away-from-zero (normalize_coeffs_8bpc);
 *  - accumulation in integers starting at 1 << 21 (rounding), result `>> 22`
 *    clipped to 0..255 (clip8) — the *horizontal pass runs first and is stored
 *    as 8 bits*, then the vertical pass reads those bytes;
 *  - a pass whose size does not change is skipped (identity).
 *
 * One liberty, which does not change a single output value: only the output
 * window that CenterCrop keeps is computed. Each output column/row depends on
 * its own coefficients only, so computing 224 of 455 columns (and only the
 * source rows those need) gives the same bytes for a fraction of the work.
 */

import type { OrientedView } from './orient.ts';

export type ResampleFilter = 'bilinear' | 'bicubic';

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);
// Accumulators are int32 like Pillow's `int ss`: |sum| <= 255 * (sum of positive weights)
// * 2^22 + 2^21 < 2^31 for both filters, so `Math.imul` + `| 0` is exact and lets the JIT
// keep the loops in integer registers.

const SUPPORT: Record<ResampleFilter, number> = { bilinear: 1.0, bicubic: 2.0 };

function bilinearFilter(x: number): number {
  if (x < 0.0) x = -x;
  if (x < 1.0) return 1.0 - x;
  return 0.0;
}

function bicubicFilter(x: number): number {
  const a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

/** Fixed-point taps for a run of consecutive output pixels. */
export interface Coefficients {
  /** First source index of output i (i relative to the run). */
  start: Int32Array;
  /** Number of taps of output i. */
  count: Int32Array;
  /** Stride of `k` per output. */
  ksize: number;
  /** 22-bit fixed-point weights, `count[i]` of them at `i * ksize`. */
  k: Int32Array;
}

/**
 * Pillow's precompute_coeffs + normalize_coeffs_8bpc for outputs
 * [first, first + n) of a resize from `inSize` to `outSize`. `box` is the source range
 * [in0, in1) that Pillow's `resize(..., box=)` takes (default: the whole image, [0, inSize));
 * a DCT-scaled decode passes its fractional extent (see orient.ts `scaled`). Taps stay clamped
 * to the real [0, inSize).
 */
export function coefficients(inSize: number, outSize: number, filter: ResampleFilter, first: number, n: number, box?: readonly [number, number]): Coefficients {
  // Pillow's box is C floats: `(double)(in1 - in0) / outSize`, centre `in0 + (x + 0.5) * scale`.
  const in0 = box ? Math.fround(box[0]) : 0;
  const in1 = box ? Math.fround(box[1]) : Math.fround(inSize);
  if (inSize === outSize && (!box || (in0 === 0 && in1 === inSize))) return identity(first, n);
  const fn = filter === 'bicubic' ? bicubicFilter : bilinearFilter;
  const scale = Math.fround(in1 - in0) / outSize;
  const filterscale = scale < 1.0 ? 1.0 : scale;
  const support = SUPPORT[filter] * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const ss = 1.0 / filterscale;
  const start = new Int32Array(n);
  const count = new Int32Array(n);
  const k = new Int32Array(n * ksize);
  const w = new Float64Array(ksize);
  for (let i = 0; i < n; i++) {
    const center = in0 + (first + i + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0.0;
    for (let x = 0; x < xmax; x++) {
      const v = fn((x + xmin - center + 0.5) * ss);
      w[x] = v;
      ww += v;
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0.0 ? w[x] / ww : w[x];
      k[i * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE);
    }
    start[i] = xmin;
    count[i] = xmax;
  }
  return { start, count, ksize, k };
}

/** Same size: Pillow skips the pass; one tap of weight 1.0 is the same thing. */
function identity(first: number, n: number): Coefficients {
  const start = new Int32Array(n);
  for (let i = 0; i < n; i++) start[i] = first + i;
  return { start, count: new Int32Array(n).fill(1), ksize: 1, k: new Int32Array(n).fill(ONE) };
}

/** A resize + crop implementation: this file's resampleWindow, or the wasm one (resample-wasm.ts). */
export interface Resampler {
  resampleWindow(src: OrientedView, outW: number, outH: number, filter: ResampleFilter, left: number, top: number, size: number, gray: boolean): Uint8ClampedArray;
}

/** This TypeScript port as a Resampler: the reference and the fallback of the wasm kernels. */
export const TS_RESAMPLER: Resampler = { resampleWindow: (...args) => resampleWindow(...args) };

/** The part of a crop window that lies inside the resized image, and the taps that compute it. */
export interface WindowTaps {
  /** First output column / row of the window inside the resized image, and how many. */
  x0: number;
  y0: number;
  nx: number;
  ny: number;
  /** Horizontal taps of columns x0..x0+nx, vertical taps of rows y0..y0+ny. */
  hc: Coefficients;
  vc: Coefficients;
}

/** Shared by both resamplers (this file and resample-wasm.ts); null when the window misses the image. */
export function windowTaps(src: OrientedView, outW: number, outH: number, filter: ResampleFilter, left: number, top: number, size: number): WindowTaps | null {
  const x0 = Math.max(0, left);
  const x1 = Math.min(outW, left + size);
  const y0 = Math.max(0, top);
  const y1 = Math.min(outH, top + size);
  if (x1 <= x0 || y1 <= y0) return null;
  const nx = x1 - x0;
  const ny = y1 - y0;
  return {
    x0,
    y0,
    nx,
    ny,
    hc: coefficients(src.width, outW, filter, x0, nx, src.scaled?.xBox),
    vc: coefficients(src.height, outH, filter, y0, ny, src.scaled?.yBox),
  };
}

/**
 * Resize `src` (an oriented view, see orient.ts) to outW x outH with Pillow's
 * algorithm and return the `size` x `size` window whose top-left corner is at
 * (left, top) in the resized image, as HWC bytes with `gray ? 1 : 3` channels.
 * Window pixels outside the resized image stay 0 (torchvision pads CenterCrop
 * with 0). With `gray`, each RGB source pixel is first converted to L exactly
 * like Pillow's convert('L'): (R*19595 + G*38470 + B*7471 + 0x8000) >> 16.
 * The alpha byte of the RGBA source is never read (= Pillow's convert('RGB')).
 */
export function resampleWindow(src: OrientedView, outW: number, outH: number, filter: ResampleFilter, left: number, top: number, size: number, gray: boolean): Uint8ClampedArray {
  const C = gray ? 1 : 3;
  const out = new Uint8ClampedArray(size * size * C);
  const plan = windowTaps(src, outW, outH, filter, left, top, size);
  if (!plan) return out;
  const { x0, y0, nx, ny, hc, vc } = plan;

  // Source rows the vertical pass will read (Pillow's ybox_first..ybox_last, restricted to the window).
  let rowFirst = vc.start[0];
  let rowLast = 0;
  for (let i = 0; i < ny; i++) {
    if (vc.start[i] < rowFirst) rowFirst = vc.start[i];
    if (vc.start[i] + vc.count[i] > rowLast) rowLast = vc.start[i] + vc.count[i];
  }
  const rows = rowLast - rowFirst;

  // Horizontal pass: source rows -> nx columns, rounded and clipped to 8 bits
  // (a Uint8ClampedArray store is Pillow's clip8), then the vertical pass over
  // those bytes into the crop window. One small function per case keeps each
  // loop monomorphic for the JIT.
  const tmp = new Uint8ClampedArray(rows * nx * C);
  if (gray) horizontalGray(src, hc, rowFirst, rows, nx, tmp);
  else horizontalRgb(src, hc, rowFirst, rows, nx, tmp);
  const outOffset = ((y0 - top) * size + (x0 - left)) * C;
  if (gray) verticalGray(tmp, vc, rowFirst, ny, nx, out, outOffset, size);
  else verticalRgb(tmp, vc, rowFirst, ny, nx, out, outOffset, size * 3);
  return out;
}

function horizontalRgb(src: OrientedView, c: Coefficients, rowFirst: number, rows: number, nx: number, tmp: Uint8ClampedArray): void {
  const d = src.data,
    sx = src.sx,
    sy = src.sy;
  const k = c.k,
    ks = c.ksize,
    start = c.start,
    count = c.count;
  let o = 0;
  for (let r = 0; r < rows; r++) {
    const rowBase = src.base + (rowFirst + r) * sy;
    for (let j = 0; j < nx; j++) {
      const n = count[j];
      let kp = j * ks;
      let p = rowBase + start[j] * sx;
      let s0 = HALF,
        s1 = HALF,
        s2 = HALF;
      for (let t = 0; t < n; t++, p += sx) {
        const w = k[kp++];
        s0 = (s0 + Math.imul(d[p], w)) | 0;
        s1 = (s1 + Math.imul(d[p + 1], w)) | 0;
        s2 = (s2 + Math.imul(d[p + 2], w)) | 0;
      }
      tmp[o] = s0 >> PRECISION_BITS;
      tmp[o + 1] = s1 >> PRECISION_BITS;
      tmp[o + 2] = s2 >> PRECISION_BITS;
      o += 3;
    }
  }
}

/** Same as horizontalRgb on Pillow's L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16 of each source pixel. */
function horizontalGray(src: OrientedView, c: Coefficients, rowFirst: number, rows: number, nx: number, tmp: Uint8ClampedArray): void {
  const d = src.data,
    sx = src.sx,
    sy = src.sy;
  const k = c.k,
    ks = c.ksize,
    start = c.start,
    count = c.count;
  let o = 0;
  for (let r = 0; r < rows; r++) {
    const rowBase = src.base + (rowFirst + r) * sy;
    for (let j = 0; j < nx; j++) {
      const n = count[j];
      let kp = j * ks;
      let p = rowBase + start[j] * sx;
      let s = HALF;
      for (let t = 0; t < n; t++, p += sx) {
        s = (s + Math.imul((d[p] * 19595 + d[p + 1] * 38470 + d[p + 2] * 7471 + 0x8000) >> 16, k[kp++])) | 0;
      }
      tmp[o++] = s >> PRECISION_BITS;
    }
  }
}

function verticalRgb(tmp: Uint8ClampedArray, c: Coefficients, rowFirst: number, ny: number, nx: number, out: Uint8ClampedArray, outOffset: number, outStride: number): void {
  const k = c.k,
    ks = c.ksize,
    start = c.start,
    count = c.count;
  const rowStride = nx * 3;
  for (let i = 0; i < ny; i++) {
    const n = count[i];
    const kBase = i * ks;
    const firstRow = (start[i] - rowFirst) * rowStride;
    let q = outOffset + i * outStride;
    for (let j = 0; j < rowStride; j += 3) {
      let p = firstRow + j;
      let s0 = HALF,
        s1 = HALF,
        s2 = HALF;
      for (let t = 0; t < n; t++, p += rowStride) {
        const w = k[kBase + t];
        s0 = (s0 + Math.imul(tmp[p], w)) | 0;
        s1 = (s1 + Math.imul(tmp[p + 1], w)) | 0;
        s2 = (s2 + Math.imul(tmp[p + 2], w)) | 0;
      }
      out[q] = s0 >> PRECISION_BITS;
      out[q + 1] = s1 >> PRECISION_BITS;
      out[q + 2] = s2 >> PRECISION_BITS;
      q += 3;
    }
  }
}

function verticalGray(tmp: Uint8ClampedArray, c: Coefficients, rowFirst: number, ny: number, nx: number, out: Uint8ClampedArray, outOffset: number, outStride: number): void {
  const k = c.k,
    ks = c.ksize,
    start = c.start,
    count = c.count;
  for (let i = 0; i < ny; i++) {
    const n = count[i];
    const kBase = i * ks;
    const firstRow = (start[i] - rowFirst) * nx;
    let q = outOffset + i * outStride;
    for (let j = 0; j < nx; j++) {
      let p = firstRow + j;
      let s = HALF;
      for (let t = 0; t < n; t++, p += nx) s = (s + Math.imul(tmp[p], k[kBase + t])) | 0;
      out[q++] = s >> PRECISION_BITS;
    }
  }
}
