/**
 * Resample tester (XNNPACK style), for the image module (build/resample.*.wasm):
 *
 *  - kernel level: `resample_h` (with its packed weights), `resample_v` and `rgba_to_l` of a build
 *    against their `_reference` in the same build, byte for byte, with poison checks around the
 *    outputs — random shapes, both filters, up- and downscaling, identity, odd widths, 1 and 3
 *    channels, ring buffers that wrap, saturating pixel patterns (bicubic overshoot → clipping);
 *  - whole resize: WasmResampler (worker/image/resample-wasm.ts: coefficients, streaming, ring,
 *    orientation gathers) against resampleWindow() of worker/image/resample.ts — the port that
 *    test/node/image.test.ts checks against Pillow — on random images in all 8 EXIF orientations,
 *    RGB and gray, both filters, windows that need zero padding, tiny batches.
 *
 * Environment-agnostic (Node and workerd). A failure names its seed; the `*Case(…, seed)`
 * functions replay it.
 */
import { orientedView } from '../../worker/image/orient.ts';
import { coefficients, resampleWindow, type Resampler, type ResampleFilter } from '../../worker/image/resample.ts';
import type { DecodedImage, Orientation } from '../../worker/image/types.ts';
import { firstDifference, type Harness } from '../../tools/lib/harness.ts';
import { Rng } from '../../tools/lib/rng.ts';

const POISON = 0x5a;
const FILTERS: ResampleFilter[] = ['bilinear', 'bicubic'];

/** Pixel bytes: uniform, or saturated 0/255 patterns that make bicubic overshoot (clip8 both ways), or flat. */
function pixels(rng: Rng, n: number): Uint8Array {
  const a = new Uint8Array(n);
  const kind = rng.next();
  if (kind < 0.5) for (let i = 0; i < n; i++) a[i] = rng.int(0, 255);
  else if (kind < 0.85) for (let i = 0; i < n; i++) a[i] = rng.next() < 0.5 ? 0 : 255;
  else a.fill(rng.pick([0, 1, 128, 254, 255]));
  return a;
}

/** An in/out size pair: downscale (antialiased, many taps), upscale, or identity. */
function sizes(rng: Rng, maxIn: number): [number, number] {
  const inSize = rng.int(1, maxIn);
  const r = rng.next();
  if (r < 0.5) return [inSize, rng.int(1, inSize)];
  if (r < 0.9) return [inSize, rng.int(inSize, 3 * inSize + 5)];
  return [inSize, inSize];
}

/** The output rows must match the reference, and bytes between rows and after the last must keep the poison. */
function compareRows(h: Harness, got: number, want: number, rows: number, rowBytes: number, stride: number, tag: string): void {
  const total = rows * stride + 32;
  const a = h.bytes(got, total),
    b = h.bytes(want, total);
  const d = firstDifference(a, b);
  if (d >= 0) throw new Error(`${tag}: byte ${d} (row ${Math.floor(d / stride)}, col ${d % stride}) is ${a[d]}, reference ${b[d]}`);
  for (let i = 0; i < total; i++) {
    const inRow = i < rows * stride && i % stride < rowBytes;
    if (!inRow && a[i] !== POISON) throw new Error(`${tag}: byte ${i} outside the output was written`);
  }
}

export function resampleHCase(h: Harness, seed: number): void {
  const rng = new Rng(seed);
  const filter = rng.pick(FILTERS);
  const C = rng.pick([1, 3]);
  const [inW, outW] = sizes(rng, rng.next() < 0.7 ? 60 : 400);
  const first = rng.int(0, outW - 1);
  const nx = rng.int(1, Math.min(outW - first, 70));
  const c = coefficients(inW, outW, filter, first, nx);
  const rows = rng.int(1, 4);
  const px = C === 3 ? 4 : 1;
  const srcStride = inW * px + px * rng.int(0, 3);
  const dstStride = nx * C + rng.int(0, 5);
  const tag = `resample_h seed=${seed} ${filter} C=${C} ${inW}->${outW} cols ${first}+${nx} ksize=${c.ksize} rows=${rows} strides ${srcStride}/${dstStride}`;
  h.scoped(() => {
    const src = h.put(pixels(rng, rows * srcStride));
    const start = h.put(c.start),
      count = h.put(c.count),
      k = h.put(c.k);
    const packed = h.out(h.fn('resample_h_packed_size')(nx, c.ksize, C) as number);
    h.fn('resample_h_pack')(k, count, nx, c.ksize, C, packed);
    const y1 = h.out(rows * dstStride, POISON),
      y2 = h.out(rows * dstStride, POISON);
    h.fn('resample_h')(src, srcStride, rows, start, count, packed, c.ksize, nx, C, y1, dstStride);
    h.fn('resample_h_reference')(src, srcStride, rows, start, count, k, c.ksize, nx, C, y2, dstStride);
    compareRows(h, y1, y2, rows, nx * C, dstStride, tag);
  });
}

export function resampleVCase(h: Harness, seed: number): void {
  const rng = new Rng(seed);
  const filter = rng.pick(FILTERS);
  const [inH, outH] = sizes(rng, rng.next() < 0.7 ? 60 : 300);
  const first = rng.int(0, outH - 1);
  const ny = rng.int(1, Math.min(outH - first, 12));
  const c = coefficients(inH, outH, filter, first, ny);
  // Any ring size gives well-defined reads; small ones wrap (rows share slots), large ones do not.
  const ringRows = rng.next() < 0.5 ? rng.int(1, 8) : rng.int(1, inH + 3);
  const width = rng.next() < 0.3 ? rng.int(1, 17) : rng.int(1, 700);
  const ringStride = width + rng.int(0, 20);
  const dstStride = width + rng.int(0, 5);
  const tag = `resample_v seed=${seed} ${filter} ${inH}->${outH} rows ${first}+${ny} ksize=${c.ksize} ring ${ringRows}x${ringStride} width=${width}`;
  h.scoped(() => {
    const ring = h.put(pixels(rng, ringRows * ringStride));
    const start = h.put(c.start),
      count = h.put(c.count),
      k = h.put(c.k);
    const y1 = h.out(ny * dstStride, POISON),
      y2 = h.out(ny * dstStride, POISON);
    h.fn('resample_v')(ring, ringRows, ringStride, width, start, count, k, c.ksize, ny, y1, dstStride);
    h.fn('resample_v_reference')(ring, ringRows, ringStride, width, start, count, k, c.ksize, ny, y2, dstStride);
    compareRows(h, y1, y2, ny, width, dstStride, tag);
  });
}

export function rgbaToLCase(h: Harness, seed: number): void {
  const rng = new Rng(seed);
  const n = rng.next() < 0.5 ? rng.int(1, 40) : rng.int(1, 2000);
  const tag = `rgba_to_l seed=${seed} n=${n}`;
  h.scoped(() => {
    const src = h.put(pixels(rng, 4 * n));
    const y1 = h.out(n, POISON),
      y2 = h.out(n, POISON);
    h.fn('rgba_to_l')(src, n, y1);
    h.fn('rgba_to_l_reference')(src, n, y2);
    compareRows(h, y1, y2, 1, n, n, tag);
  });
}

export function resampleKernelCases(h: Harness, rng: Rng, count: number): void {
  for (let i = 0; i < count; i++) {
    resampleHCase(h, rng.int(0, 0x7fffffff));
    resampleVCase(h, rng.int(0, 0x7fffffff));
    rgbaToLCase(h, rng.int(0, 0x7fffffff));
  }
}

/** The reference kernels against a direct JS evaluation of Pillow's sums (the formulas of resample.ts). */
export function resampleReferenceChecks(h: Harness, rng: Rng, count: number): void {
  const clip = (s: number) => Math.max(0, Math.min(255, s >> 22));
  for (let i = 0; i < count; i++) {
    const seed = rng.int(0, 0x7fffffff);
    const r = new Rng(seed);
    const filter = r.pick(FILTERS);
    const [inW, outW] = sizes(r, 50);
    const c = coefficients(inW, outW, filter, 0, outW);
    const rgba = pixels(r, 4 * inW);
    const want = new Uint8Array(3 * outW);
    const wantL = new Uint8Array(outW);
    const L = new Uint8Array(inW);
    for (let x = 0; x < inW; x++) L[x] = (rgba[4 * x] * 19595 + rgba[4 * x + 1] * 38470 + rgba[4 * x + 2] * 7471 + 0x8000) >> 16;
    for (let j = 0; j < outW; j++) {
      for (let ch = 0; ch < 3; ch++) {
        let s = 1 << 21;
        for (let t = 0; t < c.count[j]; t++) s = (s + Math.imul(rgba[4 * (c.start[j] + t) + ch], c.k[j * c.ksize + t])) | 0;
        want[3 * j + ch] = clip(s);
      }
      let s = 1 << 21;
      for (let t = 0; t < c.count[j]; t++) s = (s + Math.imul(L[c.start[j] + t], c.k[j * c.ksize + t])) | 0;
      wantL[j] = clip(s);
    }
    h.scoped(() => {
      const src = h.put(rgba),
        start = h.put(c.start),
        cnt = h.put(c.count),
        k = h.put(c.k);
      const y = h.out(3 * outW),
        l = h.out(inW),
        yl = h.out(outW);
      h.fn('resample_h_reference')(src, 4 * inW, 1, start, cnt, k, c.ksize, outW, 3, y, 3 * outW);
      h.fn('rgba_to_l_reference')(src, inW, l);
      h.fn('resample_h_reference')(l, inW, 1, start, cnt, k, c.ksize, outW, 1, yl, outW);
      // The vertical reference on the same data seen as a column of 1-byte rows.
      const yv = h.out(outW);
      h.fn('resample_v_reference')(l, inW, 1, 1, start, cnt, k, c.ksize, outW, yv, 1);
      const tag = `reference vs JS seed=${seed} ${filter} ${inW}->${outW}`;
      let d = firstDifference(h.bytes(y, 3 * outW), want);
      if (d >= 0) throw new Error(`${tag}: resample_h_reference RGB byte ${d}`);
      d = firstDifference(h.bytes(l, inW), L);
      if (d >= 0) throw new Error(`${tag}: rgba_to_l_reference byte ${d}`);
      d = firstDifference(h.bytes(yl, outW), wantL);
      if (d >= 0) throw new Error(`${tag}: resample_h_reference L byte ${d}`);
      d = firstDifference(h.bytes(yv, outW), wantL);
      if (d >= 0) throw new Error(`${tag}: resample_v_reference byte ${d}`);
    });
  }
}

/** A random RGBA image (alpha random too: it must never be read), sometimes at an unaligned byte offset. */
export function randomImage(rng: Rng, w: number, h: number, orientation: Orientation): DecodedImage {
  const off = rng.next() < 0.2 ? rng.int(1, 3) : 0;
  const bytes = pixels(rng, off + 4 * w * h);
  return { width: w, height: h, data: new Uint8ClampedArray(bytes.buffer, off, 4 * w * h), orientation };
}

/**
 * One whole resize through every resampler in `impls` (WasmResamplers, possibly with tiny batches)
 * against resampleWindow() of resample.ts.
 */
export function resampleWindowCase(impls: Resampler[], seed: number): void {
  const rng = new Rng(seed);
  const big = rng.next() < 0.15;
  const w = rng.int(1, big ? 300 : 50),
    h = rng.int(1, big ? 300 : 50);
  const orientation = rng.int(1, 8) as Orientation;
  const img = randomImage(rng, w, h, orientation);
  const view = orientedView(img);
  const filter = rng.pick(FILTERS);
  const gray = rng.next() < 0.4;
  const pick = (n: number) => (rng.next() < 0.5 ? rng.int(1, n) : rng.int(n, 3 * n + 4));
  const outW = pick(view.width),
    outH = pick(view.height);
  const size = rng.int(1, Math.max(outW, outH) + 6);
  // Mostly a centred window; sometimes one that hangs over an edge (zero padding) or misses entirely.
  const offset = (out: number) => (rng.next() < 0.7 ? Math.round((out - size) / 2) : rng.int(-size - 2, out + 2));
  const left = offset(outW),
    top = offset(outH);
  const want = resampleWindow(view, outW, outH, filter, left, top, size, gray);
  const tag = `resampleWindow seed=${seed} ${w}x${h} orientation ${orientation} ${filter}${gray ? ' gray' : ''} -> ${outW}x${outH} window ${size} at (${left}, ${top})`;
  impls.forEach((r, i) => {
    const got = r.resampleWindow(view, outW, outH, filter, left, top, size, gray);
    const d = firstDifference(new Uint8Array(got.buffer, got.byteOffset, got.length), new Uint8Array(want.buffer, want.byteOffset, want.length));
    if (d >= 0) throw new Error(`${tag} (resampler ${i}): byte ${d} is ${got[d]}, resample.ts ${want[d]}`);
  });
}

/**
 * One resampler through a chain of resizes, each differing from the one before in ONE of the things
 * the taps depend on (the image's displayed size, the DCT-scaled source box, the resize, the filter,
 * the window) or in none of them (new pixels, gray, orientation with the same displayed size): the
 * wasm resampler keeps the last resize's taps, and every call must still give resample.ts's bytes.
 */
export function resampleSequenceCases(r: Resampler, rng: Rng): void {
  type Call = { img: DecodedImage; outW: number; outH: number; filter: ResampleFilter; left: number; top: number; size: number; gray: boolean };
  const a = randomImage(rng, 41, 29, 1);
  const scaledA: DecodedImage = { ...a, source: { width: 328, height: 232, box: [0, 0, 41, 29] } };
  const steps: Array<(c: Call) => Call> = [
    (c) => c, // the same call again: the taps are reused
    (c) => ({ ...c, img: randomImage(rng, 41, 29, 1) }), // new pixels, same size
    (c) => ({ ...c, outW: c.outW + 1 }),
    (c) => ({ ...c, outH: c.outH + 1 }),
    (c) => ({ ...c, filter: c.filter === 'bilinear' ? 'bicubic' : 'bilinear' }),
    (c) => ({ ...c, left: c.left + 1 }),
    (c) => ({ ...c, top: c.top + 1 }),
    (c) => ({ ...c, size: c.size + 2 }), // larger: taps kept from the smaller window would leave columns unwritten
    (c) => ({ ...c, gray: !c.gray }),
    (c) => ({ ...c, img: randomImage(rng, 42, 29, 1) }), // width
    (c) => ({ ...c, img: randomImage(rng, 42, 30, 1) }), // height
    (c) => ({ ...c, img: randomImage(rng, 30, 42, 6) }), // orientation 6: the same displayed size
    (c) => ({ ...c, img: scaledA }), // a DCT-scaled decode: the source box
    (c) => ({ ...c, img: { ...scaledA, source: { width: 328, height: 232, box: [0.5, 0, 41, 29] } } }), // another box (x)
    (c) => ({ ...c, img: { ...scaledA, source: { width: 328, height: 232, box: [0.5, 0.5, 41, 29] } } }), // another box (y)
    (c) => ({ ...c, img: a }), // the same size without the box
  ];
  let call: Call = { img: a, outW: 23, outH: 16, filter: 'bilinear', left: 3, top: 0, size: 15, gray: false };
  steps.forEach((step, i) => {
    call = step(call);
    const { img, outW, outH, filter, left, top, size, gray } = call;
    const view = orientedView(img);
    const want = resampleWindow(view, outW, outH, filter, left, top, size, gray);
    const got = r.resampleWindow(view, outW, outH, filter, left, top, size, gray);
    const d = firstDifference(new Uint8Array(got.buffer, got.byteOffset, got.length), new Uint8Array(want.buffer, want.byteOffset, want.length));
    if (d >= 0 || got.length !== want.length)
      throw new Error(
        `resize ${i} of the chain (${img.width}x${img.height} ${filter}${gray ? ' gray' : ''} -> ${outW}x${outH} window ${size} at (${left}, ${top})): byte ${d} is ${got[d]}, resample.ts ${want[d]}`,
      );
  });
}

export function resampleWindowCases(impls: Resampler[], rng: Rng, count: number): void {
  // Every orientation and mode on one odd-sized image, then random ones.
  for (let o = 1; o <= 8; o++) {
    const img = randomImage(rng, 37, 23, o as Orientation);
    const view = orientedView(img);
    for (const filter of FILTERS)
      for (const gray of [false, true])
        for (const [outW, outH, size] of [
          [19, 12, 10],
          [90, 57, 40],
          [37, 23, 23],
          [13, 40, 45],
        ]) {
          const want = resampleWindow(view, outW, outH, filter, (outW - size) >> 1, (outH - size) >> 1, size, gray);
          impls.forEach((r, i) => {
            const got = r.resampleWindow(view, outW, outH, filter, (outW - size) >> 1, (outH - size) >> 1, size, gray);
            const d = firstDifference(new Uint8Array(got.buffer, got.byteOffset, got.length), new Uint8Array(want.buffer, want.byteOffset, want.length));
            if (d >= 0) throw new Error(`fixed case orientation ${o} ${filter}${gray ? ' gray' : ''} -> ${outW}x${outH} window ${size} (resampler ${i}): byte ${d}`);
          });
        }
  }
  for (let i = 0; i < count; i++) resampleWindowCase(impls, rng.int(0, 0x7fffffff));
}
