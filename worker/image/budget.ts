/**
 * How much memory a decode will take, judged from the header before decoding, and the JPEG DCT
 * scale to decode at. An isolate has 128 MB for everything (model, engine arena, JS heap), so
 * the decoders get a budget (`maxDecodeBytes`, the Worker's MAX_DECODE_MB) and an image whose
 * decode would not fit answers 413 before any pixel is allocated.
 *
 * The estimates are upper bounds of what the decoders' wasm memory grows to plus the pixels
 * handed to JS, fitted on measurements (see the tests, which check them against the actual
 * memory of the JPEG decoder):
 *
 *  - JPEG (libjpeg-turbo, codec-jpeg.ts; the output is read in place, never copied):
 *      input copy + output RGBA at the chosen scale (4 B/px / k²) + libjpeg's row buffers,
 *      + for progressive or multi-scan files the coefficient buffer libjpeg keeps for the *whole*
 *      image whatever the output scale: 2 bytes per DCT coefficient, i.e. 3 B/px for 4:2:0,
 *      6 B/px for 4:4:4, 2 B/px for gray, computed from the SOF sampling factors.
 *  - PNG (our decoder, native/png + codec-native.ts; the RGBA result is read in place too): input
 *    copy + the filtered rows (channels × bytes per sample, inflated in one piece) + the RGBA
 *    output (4 B/px); the formula still adds the 3 B/px of vector growth the Rust `png` decoder
 *    had for RGB/palette (an upper bound with room to spare; not tightened).
 *  - WebP (libwebp, our build in native/webp + codec-native.ts; the RGBA output is read in place):
 *    the input, the decoder's buffers and the RGBA output (≈7.5 B/px lossy, 13 B/px lossless).
 *    The formula still has what the Emscripten build it replaced needed — a heap of at least
 *    16 MiB, and 4 B/px for the RGBA copy handed to JS — as room to spare (not tightened).
 *
 * DCT scaling: a consumer that will resize the shorter side to `resizeShortSide` (the model's
 * `floor(input_size / crop_pct)`) may get a JPEG decoded at a reduced scale, as `mode` says:
 *  - `exact` (the default): only a large JPEG (above SCALE_MIN_PIXELS), at 1/2, 1/4 or 1/8 (the
 *    scales of Pillow's draft()), while the decoded shorter side stays >= 4x that size — then the
 *    result after the (antialiased) resize is within ~0.2/255 of decoding at full size — or >= 2x
 *    (within ~0.6/255) when that is what it takes to fit the budget. Ordinary photos keep
 *    Pillow-exact results.
 *  - `fast`: every JPEG, at the smallest scale M/8 (M = 1..8, libjpeg's scaled IDCTs) that keeps
 *    the decoded shorter side >= 2x that size. The decode does M²/64 of the IDCT and colour work,
 *    and the tensor moves a little from Pillow's (measured in docs/benchmarks/decode-fast.md).
 */

import { jpegScale, jpegScaledSize, type JpegScale } from './codec-jpeg.ts';
import type { ImageHeader } from './dimensions.ts';
import { imageTooLarge } from './errors.ts';

/** Default decode budget: leaves room for the model, the engine's arena and the JS heap in a 128 MB isolate. */
export const DEFAULT_MAX_DECODE_BYTES = 64 * 1024 * 1024;
/** JPEGs up to this many pixels are decoded at full size when the budget allows (16 MB of RGBA). */
export const SCALE_MIN_PIXELS = 4_000_000;
/** Decoded shorter side vs the resize target: preferred and smallest allowed ratio. */
export const SCALE_PREFERRED_RATIO = 4;
export const SCALE_MIN_RATIO = 2;

/** How far DECODE lets a JPEG be DCT-scaled for the model (see above). */
export type DecodeMode = 'exact' | 'fast';
export const DECODE_MODES: readonly DecodeMode[] = ['exact', 'fast'];

/** M/8 in lowest terms (4/8 is 1/2), so a scale prints and compares the same however it was chosen. */
const eighths = (m: number): JpegScale => {
  let num = m;
  let denom = 8;
  while (num % 2 === 0 && denom > 1) [num, denom] = [num / 2, denom / 2];
  return { num, denom: denom as JpegScale['denom'] };
};
/** Candidate scales per mode, least reduction first. */
const SCALES: Record<DecodeMode, JpegScale[]> = {
  exact: [8, 4, 2, 1].map(eighths),
  fast: [8, 7, 6, 5, 4, 3, 2, 1].map(eighths),
};
export const scaleText = (s: JpegScale) => `${s.num}/${s.denom}`;

const MiB = 1024 * 1024;
const WEBP_MIN_HEAP = 16 * MiB;
/** Fixed overhead of a decode: the module's initial memory (data, stack), allocator slack, page rounding. */
const OVERHEAD = 1 * MiB;
const PNG_OVERHEAD = 2 * MiB;

export interface DecodeCost {
  /** Estimated peak bytes (decoder memory + pixels handed to JS). */
  bytes: number;
  /** Bytes of that which do not shrink with the DCT scale (progressive JPEG coefficients). */
  fixed: number;
  /** What the image is, for messages: "progressive JPEG", "PNG", "lossless WebP", ... */
  kind: string;
}

/** Bytes of libjpeg's whole-image coefficient buffer: 64 coefficients of 2 bytes per block, per component. */
export function jpegCoefficientBytes(width: number, height: number, sampling: ReadonlyArray<readonly [number, number]>): number {
  const hmax = Math.max(...sampling.map(([h]) => h));
  const vmax = Math.max(...sampling.map(([, v]) => v));
  let blocks = 0;
  for (const [h, v] of sampling) {
    // jdinput.c: width_in_blocks = ceil(W * h / (hmax * 8)); jdcoefct.c rounds it up to a multiple of h (v for rows).
    const bw = Math.ceil(Math.ceil((width * h) / hmax) / 8);
    const bh = Math.ceil(Math.ceil((height * v) / vmax) / 8);
    blocks += Math.ceil(bw / h) * h * Math.ceil(bh / v) * v;
  }
  return blocks * 128;
}

/** Estimated decode memory of the image at DCT scale `scale` (JPEG only; other formats ignore it). */
export function decodeCost(h: ImageHeader, bodyBytes: number, scale: JpegScale = jpegScale(1), jpegScans = 1): DecodeCost {
  const px = h.width * h.height;
  if (h.format === 'jpeg') {
    const j = h.jpeg!;
    const buffered = j.progressive || jpegScans > 1;
    const fixed = buffered ? jpegCoefficientBytes(h.width, h.height, j.sampling) : 0;
    const { width: w, height: oh } = jpegScaledSize(h.width, h.height, scale);
    const out = w * oh * 4;
    // Row buffers: a few iMCU rows (up to 4 x 8 lines with context) per component, at output width.
    const rows = w * j.components * 64;
    const kind = `${j.progressive ? 'progressive ' : buffered ? 'multi-scan ' : ''}${j.components === 4 ? 'CMYK ' : ''}JPEG`;
    return { bytes: bodyBytes + fixed + out + rows + OVERHEAD, fixed, kind };
  }
  if (h.format === 'png') {
    const p = h.png!;
    const channels = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 }[p.colorType] ?? 4;
    const raw = channels * (p.bitDepth === 16 ? 2 : 1);
    const growth = channels === 3 ? 3 : 1;
    return { bytes: bodyBytes + px * (raw + 4 + growth) + PNG_OVERHEAD, fixed: 0, kind: 'PNG' };
  }
  const lossless = h.webp!.lossless;
  const heap = Math.max(WEBP_MIN_HEAP, bodyBytes + px * (lossless ? 13 : 7.5));
  return { bytes: Math.ceil(heap + px * 4 + OVERHEAD), fixed: 0, kind: `${lossless ? 'lossless' : 'lossy'} WebP` };
}

export interface DecodePlan {
  /** The JPEG DCT scale (1/1 for other formats). */
  scale: JpegScale;
  cost: DecodeCost;
}

export interface PlanOptions {
  bodyBytes: number;
  maxDecodeBytes: number;
  /** See DecodeOptions.resizeShortSide. Without it, JPEGs are decoded at full size. */
  resizeShortSide?: number;
  /** Number of SOS segments (a baseline file with several scans is buffered like a progressive one). */
  jpegScans?: number;
  /** DECODE: `exact` (default) or `fast`, see above. */
  mode?: DecodeMode;
}

const mib = (n: number) => `${(n / MiB).toFixed(n < 10 * MiB ? 1 : 0)} MiB`;

/** Chooses the DCT scale and checks the budget; throws 413 `image_too_large` when nothing fits. */
export function planDecode(h: ImageHeader, o: PlanOptions): DecodePlan {
  const cost = (s: JpegScale) => decodeCost(h, o.bodyBytes, s, o.jpegScans);
  const target = o.resizeShortSide && o.resizeShortSide > 0 ? o.resizeShortSide : 0;
  const scalable = h.format === 'jpeg' && target > 0;
  const decodedShort = (s: JpegScale) => {
    const d = jpegScaledSize(h.width, h.height, s);
    return Math.min(d.width, d.height);
  };
  const full = (s: JpegScale) => s.num === s.denom;
  // Full size is always acceptable; a reduction only as far as the decoded shorter side allows.
  const allowed = SCALES[o.mode ?? 'exact'].filter((s) => full(s) || (scalable && decodedShort(s) >= SCALE_MIN_RATIO * target));
  const preferredOk = (s: JpegScale) => full(s) || o.mode === 'fast' || (h.width * h.height > SCALE_MIN_PIXELS && decodedShort(s) >= SCALE_PREFERRED_RATIO * target);
  let preferred = 0; // allowed[0] is full size
  allowed.forEach((s, i) => {
    if (preferredOk(s)) preferred = i;
  });
  // The preferred scale if it fits, else the least further reduction that fits.
  for (const s of allowed.slice(preferred)) {
    const c = cost(s);
    if (c.bytes <= o.maxDecodeBytes) return { scale: s, cost: c };
  }
  const s = allowed.at(-1)!;
  const c = cost(s);
  const mp = ((h.width * h.height) / 1e6).toFixed(1);
  const how = !full(s) ? ` even at ${scaleText(s)} scale` : h.format === 'jpeg' && !scalable ? ' at full size' : '';
  const why = c.fixed > o.maxDecodeBytes / 2 ? ` (it keeps all its DCT coefficients, ${mib(c.fixed)}, whatever the output size)` : '';
  throw imageTooLarge(`a ${h.width}x${h.height} ${c.kind} (${mp} megapixels) needs about ${mib(c.bytes)} of memory to decode${how}${why}; the limit is ${mib(o.maxDecodeBytes)}`);
}
