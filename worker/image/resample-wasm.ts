/**
 * The resize of resample.ts, run by the WebAssembly kernels of assembly/kernels/resample
 * (build/resample.simd128.wasm; resample.scalar.wasm is the reference build for tests and
 * benchmarks). Same bytes as resampleWindow() in resample.ts — hence as Pillow — faster.
 *
 * Prepare: the 22-bit fixed-point coefficients come from resample.ts `coefficients()` (the
 * one implementation of Pillow's precompute_coeffs) and are copied into wasm memory; the
 * horizontal weights are packed for the SIMD kernel there (`resample_h_pack`).
 *
 * Streaming, so wasm memory stays O(row width + crop window) and the decoded image (up to
 * 64 MB of RGBA in a 128 MB isolate) is never copied whole:
 *
 *   for each batch of B source rows the window needs (rowFirst..rowLast):
 *     gather the displayed rows' columns colFirst..colLast from the JS RGBA buffer into the wasm
 *       input buffer (orientations 1–4: one memcpy a row, 2/3 with mirrored taps; 5–8: strided);
 *     [gray: rgba_to_l]; resample_h → a ring of R = max(vertical taps) + B - 1 rows of nx × C bytes;
 *   whenever every row an output row needs is in the ring: resample_v → the output window.
 *
 * A row enters the ring only after every output row that still needs the row it replaces is done
 * (vertical tap ranges only move down), which is why that R suffices (the tests' tiny batches fail
 * with one row less).
 *
 * All buffers come from the module's bump allocator between mark() and release(), so repeated
 * calls reuse the same memory; it only grows when a bigger resize arrives, and never shrinks.
 * JS is single-threaded and a resize has no await, so one instance serves every request.
 */

import type { ResampleExports } from '../kernels.ts';
import type { OrientedView } from './orient.ts';
import { paramsTable, quantizeHWC } from './quantize.ts';
import { windowTaps, type Resampler, type ResampleFilter, type WindowTaps } from './resample.ts';

/**
 * Size of the gathered-rows buffer a batch aims for: small enough to stay in L2 between the gather
 * and the horizontal pass; larger for orientations 5–8, whose gather walks every stored row once a
 * batch (measured on a 16 Mpx photo: 64 rows a batch is ~4x faster than 8).
 */
const BATCH_BYTES = 256 * 1024;
const BATCH_BYTES_TRANSPOSED = 1024 * 1024;
const MAX_BATCH = 64;

export class WasmResampler implements Resampler {
  readonly variant: 'scalar' | 'simd128';
  readonly #k: ResampleExports;
  readonly #batchRows: number;
  /**
   * The last resize's taps and what they were computed from: a Worker resizes photos of the same
   * size to the same model input again and again, and computing the taps (Pillow's
   * precompute_coeffs, in JS) was ~6% of a 640×427 → 64² resize. Read-only once made.
   */
  #planKey = '';
  #plan: WindowTaps | null = null;

  /**
   * Instantiates the module synchronously (a compiled Module: workerd cannot compile from bytes).
   * `batchRows` fixes the rows a batch (tests use small ones to exercise the ring buffer's wrap).
   */
  constructor(module: WebAssembly.Module, opts: { batchRows?: number } = {}) {
    this.#k = new WebAssembly.Instance(module, {}).exports as unknown as ResampleExports;
    this.#batchRows = opts.batchRows ?? 0;
    this.variant = this.#k.variant() === 1 ? 'simd128' : 'scalar';
  }

  /** Current size of the module's linear memory. */
  get memoryBytes(): number {
    return this.#k.memory.buffer.byteLength;
  }

  #alloc(bytes: number): number {
    const p = this.#k.alloc(bytes);
    if (!p) throw new Error(`resampler out of memory allocating ${bytes} bytes`);
    return p;
  }

  /** Same contract as resampleWindow() in resample.ts. */
  resampleWindow(src: OrientedView, outW: number, outH: number, filter: ResampleFilter, left: number, top: number, size: number, gray: boolean): Uint8ClampedArray {
    const out = this.#window(src, outW, outH, filter, left, top, size, gray, null);
    return out ? new Uint8ClampedArray(out.buffer, out.byteOffset, out.length) : new Uint8ClampedArray(size * size * (gray ? 1 : 3));
  }

  /**
   * The same window quantized for the engine in the same module (`quantize_hwc` on the window
   * while it is still in wasm memory): int8 NHWC [size, size, 3] (gray repeated into 3 channels),
   * equal to quantizeHWC(resizeAndCrop bytes, table) for the table `params` was made from
   * (quantize.ts quantizeParams).
   */
  resampleWindowInt8(src: OrientedView, outW: number, outH: number, filter: ResampleFilter, left: number, top: number, size: number, gray: boolean, params: Uint8Array): Int8Array {
    const table = paramsTable(params); // checks the block's size before anything runs
    const out = this.#window(src, outW, outH, filter, left, top, size, gray, params);
    return out ? new Int8Array(out.buffer, out.byteOffset, out.length) : quantizeHWC(new Uint8Array(size * size * 3), table);
  }

  /** The window as a copy out of wasm memory: bytes (params null) or the quantized int8; null when the crop misses the image. */
  #window(src: OrientedView, outW: number, outH: number, filter: ResampleFilter, left: number, top: number, size: number, gray: boolean, params: Uint8Array | null): Uint8Array | null {
    const C = gray ? 1 : 3;
    const key = `${src.width} ${src.height} ${src.scaled?.xBox ?? ''} ${src.scaled?.yBox ?? ''} ${outW} ${outH} ${filter} ${left} ${top} ${size}`;
    if (key !== this.#planKey) {
      this.#plan = windowTaps(src, outW, outH, filter, left, top, size);
      this.#planKey = key;
    }
    const plan = this.#plan;
    if (!plan) return null;
    const { x0, y0, nx, ny, hc, vc } = plan;

    // Source columns the horizontal pass reads, source rows the vertical pass reads.
    let colFirst = hc.start[0],
      colLast = 0;
    for (let j = 0; j < nx; j++) {
      colFirst = Math.min(colFirst, hc.start[j]);
      colLast = Math.max(colLast, hc.start[j] + hc.count[j]);
    }
    const rowFirst = vc.start[0];
    let rowLast = 0,
      maxTaps = 0;
    for (let i = 0; i < ny; i++) {
      if (i > 0 && vc.start[i] < vc.start[i - 1]) throw new Error('resampler: vertical taps must move down'); // Pillow's always do
      rowLast = Math.max(rowLast, vc.start[i] + vc.count[i]);
      maxTaps = Math.max(maxTaps, vc.count[i]);
    }
    const Wc = colLast - colFirst;
    const budget = Math.abs(src.sx) === 4 ? BATCH_BYTES : BATCH_BYTES_TRANSPOSED;
    const B = Math.max(1, Math.min(rowLast - rowFirst, this.#batchRows || Math.min(MAX_BATCH, Math.floor(budget / (Wc * 4)))));
    // Ring rows. When a batch is gathered, output row i is the first not done and its last tap row
    // has not been computed: hi <= start[i] + maxTaps - 1. The batch's rows hi..hi+B-1 overwrite rows
    // up to hi + B - 1 - R, which must be < start[i] (the first row anything still needs).
    const R = maxTaps + B - 1;
    const width = nx * C; // bytes of one horizontal-pass row
    const ringStride = (width + 15) & ~15;
    const outStride = size * C;

    const k = this.#k;
    const mark = k.mark();
    try {
      const hStart = this.#alloc(4 * nx);
      const hCount = this.#alloc(4 * nx);
      const hK = this.#alloc(4 * nx * hc.ksize);
      const hPacked = this.#alloc(k.resample_h_packed_size(nx, hc.ksize, C));
      const vStart = this.#alloc(4 * ny);
      const vCount = this.#alloc(4 * ny);
      const vK = this.#alloc(4 * ny * vc.ksize);
      const input = this.#alloc(B * Wc * 4);
      const lrows = gray ? this.#alloc(B * Wc) : 0;
      const ring = this.#alloc(R * ringStride);
      const out = this.#alloc(size * outStride);
      const qParams = params ? this.#alloc(params.length) : 0;
      const qOut = params ? this.#alloc(3 * size * size) : 0;

      const buf = k.memory.buffer; // no allocation (hence no growth) from here on
      const i32 = (p: number, n: number) => new Int32Array(buf, p, n);
      const hs = i32(hStart, nx);
      i32(hCount, nx).set(hc.count);
      if (src.sx === -4) {
        // Orientations 2 and 3: the gathered row is the stored row, i.e. the displayed row mirrored
        // (buffer pixel i = displayed column colLast - 1 - i). Mirror each column's taps instead of
        // the pixels: the same products, summed in another order — the same int32 sum.
        const hk = i32(hK, nx * hc.ksize);
        for (let j = 0; j < nx; j++) {
          const n = hc.count[j],
            o = j * hc.ksize;
          hs[j] = colLast - hc.start[j] - n;
          for (let t = 0; t < n; t++) hk[o + t] = hc.k[o + n - 1 - t];
        }
      } else {
        for (let j = 0; j < nx; j++) hs[j] = hc.start[j] - colFirst;
        i32(hK, nx * hc.ksize).set(hc.k);
      }
      k.resample_h_pack(hK, hCount, nx, hc.ksize, C, hPacked);
      i32(vStart, ny).set(vc.start);
      i32(vCount, ny).set(vc.count);
      i32(vK, ny * vc.ksize).set(vc.k);
      const result = new Uint8Array(buf, out, size * outStride);
      if (nx < size || ny < size) result.fill(0); // torchvision pads CenterCrop with 0
      if (params) new Uint8Array(buf, qParams, params.length).set(params);
      const outOffset = out + (y0 - top) * outStride + (x0 - left) * C;

      const gather = gatherer(src, buf, input, colFirst, Wc);
      const hSrc = gray ? lrows : input;
      const hSrcStride = gray ? Wc : 4 * Wc;
      let hi = rowFirst; // rows [.., hi) have been through the horizontal pass
      let i = 0; // output rows [0, i) are done
      while (i < ny) {
        let j = i;
        while (j < ny && vc.start[j] + vc.count[j] <= hi) j++;
        if (j > i) {
          k.resample_v(ring, R, ringStride, width, vStart + 4 * i, vCount + 4 * i, vK + 4 * i * vc.ksize, vc.ksize, j - i, outOffset + i * outStride, outStride);
          i = j;
          continue;
        }
        const n = Math.min(B, rowLast - hi);
        gather(hi, n);
        if (gray) k.rgba_to_l(input, n * Wc, lrows);
        for (let done = 0; done < n; ) {
          const slot = (hi + done) % R;
          const m = Math.min(n - done, R - slot);
          k.resample_h(hSrc + done * hSrcStride, hSrcStride, m, hStart, hCount, hPacked, hc.ksize, nx, C, ring + slot * ringStride, ringStride);
          done += m;
        }
        hi += n;
      }
      if (!params) return result.slice();
      k.quantize_hwc(out, size * outStride, C, qParams, qOut);
      return new Uint8Array(buf, qOut, 3 * size * size).slice();
    } finally {
      k.release(mark);
    }
  }
}

/**
 * Returns gather(y, n): copies displayed rows y..y+n-1, columns colFirst..colFirst+Wc-1, as RGBA
 * into wasm memory at `dst` (row stride 4·Wc), in displayed order except for sx = -4 (mirrored, see
 * above). Displayed pixel (x, y) is at base + x·sx + y·sy.
 */
function gatherer(v: OrientedView, buf: ArrayBuffer, dst: number, colFirst: number, Wc: number): (y: number, n: number) => void {
  const { base, sx, sy } = v;
  const data = v.data;
  const rowBytes = 4 * Wc;
  if (sx === 4 || sx === -4) {
    // Orientations 1 and 4: each displayed row is a contiguous run of a stored row. 2 and 3: the
    // same run mirrored, copied as stored (the caller mirrors the taps instead).
    const first = sx === 4 ? 4 * colFirst : -4 * (colFirst + Wc - 1);
    const s8 = new Uint8Array(data.buffer, data.byteOffset, data.length);
    const d8 = new Uint8Array(buf);
    return (y, n) => {
      for (let b = 0; b < n; b++) {
        const off = base + (y + b) * sy + first;
        d8.set(s8.subarray(off, off + rowBytes), dst + b * rowBytes);
      }
    };
  }
  if (data.byteOffset % 4 === 0) {
    // One u32 per pixel (byte order is preserved whatever the endianness).
    const s32 = new Uint32Array(data.buffer, data.byteOffset, data.length >> 2);
    const d32 = new Uint32Array(buf);
    const d0 = dst >> 2;
    const px = sx >> 2,
      py = sy >> 2;
    // Orientations 5–8: displayed rows are stored columns. Walk 8 stored rows at a time, reading
    // the n displayed rows' pixels of each (neighbours in the stored row); the unrolled 8 keeps 8
    // streams in flight and writes 32 contiguous bytes a step (~4x faster than one at a time).
    const x8 = Wc & ~7;
    return (y, n) => {
      let p0 = ((base + y * sy) >> 2) + colFirst * px;
      let x = 0;
      for (; x < x8; x += 8, p0 += 8 * px) {
        for (let o = d0 + x, p = p0, b = 0; b < n; b++, o += Wc, p += py) {
          d32[o] = s32[p];
          d32[o + 1] = s32[p + px];
          d32[o + 2] = s32[p + 2 * px];
          d32[o + 3] = s32[p + 3 * px];
          d32[o + 4] = s32[p + 4 * px];
          d32[o + 5] = s32[p + 5 * px];
          d32[o + 6] = s32[p + 6 * px];
          d32[o + 7] = s32[p + 7 * px];
        }
      }
      for (; x < Wc; x++, p0 += px) {
        for (let o = d0 + x, p = p0, b = 0; b < n; b++, o += Wc, p += py) d32[o] = s32[p];
      }
    };
  }
  const d8 = new Uint8Array(buf);
  return (y, n) => {
    for (let b = 0; b < n; b++) {
      let p = base + (y + b) * sy + colFirst * sx;
      for (let o = dst + b * rowBytes, x = 0; x < Wc; x++, p += sx, o += 4) {
        d8[o] = data[p];
        d8[o + 1] = data[p + 1];
        d8[o + 2] = data[p + 2];
        d8[o + 3] = data[p + 3];
      }
    }
  };
}

let active: WasmResampler | null = null;
let activeModule: WebAssembly.Module | null = null;

/**
 * Makes resizeAndCrop()/preprocess() use the wasm resampler built from `module`
 * (build/resample.simd128.wasm). Idempotent per module. Without it they use resample.ts.
 */
export function initResampler(module: WebAssembly.Module): void {
  if (!(module instanceof WebAssembly.Module)) throw new TypeError('initResampler: expected a compiled WebAssembly.Module');
  if (activeModule === module) return;
  active = new WasmResampler(module);
  activeModule = module;
}

/** The wasm resampler installed by initResampler(), or null. */
export function wasmResampler(): WasmResampler | null {
  return active;
}
