/**
 * Quantize tester (XNNPACK style), for the image module's `quantize_hwc` (the model input's
 * quantization of the resized window, assembly/kernels/quantize):
 *
 *  - kernel level: the build's variant against its `_reference` (the table) byte for byte, with
 *    poison after the output — random input quantizations (scales that clamp most bytes, negative
 *    std, every zero point), lengths around the 48-byte step, C = 3 and gray C = 1, and blocks
 *    whose affine form is withheld (the SIMD build's fallback to the table);
 *  - the reference against quantizeHWC (worker/image/quantize.ts, the JS path the engine used
 *    before), and quantizeParams' affine forms against every table entry, evaluated the way the
 *    kernel does (i32 wrap-around, arithmetic shift, saturating narrows);
 *  - whole window: WasmResampler.resampleWindowInt8 against quantizeHWC of resample.ts's window
 *    (gray repeated into 3 channels) on random images and orientations.
 *
 * Environment-agnostic (Node and workerd). A failure names its seed.
 */
import { orientedView } from '../../worker/image/orient.ts';
import { inputQuantTable, QUANTIZE_PARAMS_BYTES, quantizeHWC, quantizeParams } from '../../worker/image/quantize.ts';
import type { WasmResampler } from '../../worker/image/resample-wasm.ts';
import { resampleWindow } from '../../worker/image/resample.ts';
import type { Orientation } from '../../worker/image/types.ts';
import { firstDifference, type Harness } from '../../tools/lib/harness.ts';
import { Rng } from '../../tools/lib/rng.ts';
import { expectSameInt8 } from './input.tester.ts';
import { randomImage } from './resample.tester.ts';

const POISON = 0x5a;

interface InputQuant {
  mean: number[];
  std: number[];
  scale: number;
  zp: number;
}

/** An input quantization: ImageNet-like most of the time, sometimes one that clamps most bytes or barely moves. */
function randomQuant(rng: Rng): InputQuant {
  const r = rng.next();
  const scale = r < 0.7 ? Math.exp(rng.next() * Math.log(0.2 / 0.005)) * 0.005 : r < 0.85 ? 1e-4 * (1 + rng.next()) : 0.5 + 3 * rng.next();
  const std = [0, 1, 2].map(() => (rng.next() < 0.1 ? -1 : 1) * (0.05 + 1.4 * rng.next()));
  return { mean: [0, 1, 2].map(() => rng.next()), std, scale, zp: rng.int(-128, 127) };
}

const params = (q: InputQuant) => quantizeParams(q.mean, q.std, q.scale, q.zp);
const shiftOf = (block: Uint8Array) => new DataView(block.buffer, block.byteOffset).getInt32(768, true);

/** Bytes: uniform, every value in turn (all table entries), or flat. */
function bytes(rng: Rng, n: number): Uint8Array {
  const a = new Uint8Array(n);
  const kind = rng.next();
  if (kind < 0.6) for (let i = 0; i < n; i++) a[i] = rng.int(0, 255);
  else if (kind < 0.9) for (let i = 0, o = rng.int(0, 255); i < n; i++) a[i] = (o + i) & 255;
  else a.fill(rng.pick([0, 255, rng.int(0, 255)]));
  return a;
}

/** The build's quantize_hwc against its reference; `table` withholds the affine form (the fallback). */
export function quantizeHwcCase(h: Harness, seed: number, table = false): void {
  const rng = new Rng(seed);
  const q = randomQuant(rng);
  const C = rng.pick([1, 3]);
  const px = rng.next() < 0.5 ? rng.pick([1, 5, 15, 16, 17, 31, 32, 33, 48, 49]) : rng.int(1, 700);
  const n = C === 3 ? 3 * px : px;
  const block = params(q);
  if (table) new DataView(block.buffer).setInt32(768, -1, true);
  const tag = `quantize_hwc seed=${seed} C=${C} n=${n} scale=${q.scale} zp=${q.zp} shift=${shiftOf(block)}`;
  h.scoped(() => {
    const src = h.put(bytes(rng, n));
    const p = h.put(block);
    const y1 = h.out(3 * px, POISON),
      y2 = h.out(3 * px, POISON);
    h.fn('quantize_hwc')(src, n, C, p, y1);
    h.fn('quantize_hwc_reference')(src, n, C, p, y2);
    expectSameInt8(h, y1, y2, 3 * px, tag);
  });
}

export function quantizeKernelCases(h: Harness, rng: Rng, count: number): void {
  for (let i = 0; i < count; i++) quantizeHwcCase(h, rng.int(0, 0x7fffffff), i % 4 === 3);
}

/** The reference (the table) against quantizeHWC, the JS path; gray bytes are repeated into 3 channels first. */
export function quantizeReferenceChecks(h: Harness, rng: Rng, count: number): void {
  for (let i = 0; i < count; i++) {
    const q = randomQuant(rng);
    const C = rng.pick([1, 3]);
    const px = rng.int(1, 300);
    const src = bytes(rng, C * px);
    const rgb = C === 3 ? src : Uint8Array.from({ length: 3 * px }, (_, j) => src[Math.floor(j / 3)]);
    const want = quantizeHWC(rgb, inputQuantTable(q.mean, q.std, q.scale, q.zp));
    const got = h.scoped(() => {
      const y = h.out(3 * px);
      h.fn('quantize_hwc_reference')(h.put(src), C * px, C, h.put(params(q)), y);
      return new Int8Array(h.bytes(y, 3 * px).slice().buffer);
    });
    const d = firstDifference(new Uint8Array(got.buffer), new Uint8Array(want.buffer));
    if (d >= 0) throw new Error(`quantize_hwc_reference C=${C} ${JSON.stringify(q)}: byte ${d} is ${got[d]}, quantizeHWC ${want[d]}`);
  }
}

/**
 * quantizeParams' affine form, where it gives one, against every table entry, computed as the
 * SIMD kernel does: (v·m + b) mod 2^32 as i32, >> shift, clamped. Returns how many had a form.
 */
export function quantizeParamsChecks(rng: Rng, count: number): number {
  let found = 0;
  for (let i = 0; i < count; i++) {
    const q = randomQuant(rng);
    const block = params(q);
    const table = inputQuantTable(q.mean, q.std, q.scale, q.zp);
    if (block.length !== QUANTIZE_PARAMS_BYTES) throw new Error(`params block is ${block.length} bytes`);
    if (firstDifference(block.subarray(0, 768), new Uint8Array(table.buffer)) >= 0) throw new Error('params block does not start with the table');
    const shift = shiftOf(block);
    if (shift < 0) continue;
    found++;
    const view = new DataView(block.buffer);
    for (let k = 0; k < 12; k++) {
      for (let l = 0; l < 4; l++) {
        const c = (4 * k + l) % 3;
        const m = view.getInt32(784 + 16 * k + 4 * l, true),
          b = view.getInt32(784 + 192 + 16 * k + 4 * l, true);
        for (let v = 0; v < 256; v++) {
          const s = (Math.imul(v, m) + b) | 0;
          const x = s >> shift;
          const got = x < -128 ? -128 : x > 127 ? 127 : x;
          if (got !== table[256 * c + v]) throw new Error(`quantizeParams ${JSON.stringify(q)} channel ${c} byte ${v}: affine ${got}, table ${table[256 * c + v]}`);
        }
      }
    }
  }
  return found;
}

/** WasmResampler.resampleWindowInt8 against quantizeHWC of resample.ts's window, on random images and windows. */
export function quantizedWindowCases(r: WasmResampler, rng: Rng, count: number): void {
  for (let i = 0; i < count; i++) {
    const seed = rng.int(0, 0x7fffffff);
    const g = new Rng(seed);
    const w = g.int(1, 120),
      hh = g.int(1, 120);
    const view = orientedView(randomImage(g, w, hh, g.int(1, 8) as Orientation));
    const gray = g.next() < 0.4;
    const filter = g.pick(['bilinear', 'bicubic'] as const);
    const outW = g.int(1, 2 * view.width + 3),
      outH = g.int(1, 2 * view.height + 3);
    const size = g.int(1, Math.max(outW, outH) + 4);
    const left = g.next() < 0.8 ? Math.round((outW - size) / 2) : g.int(-size - 2, outW + 2),
      top = g.next() < 0.8 ? Math.round((outH - size) / 2) : g.int(-size - 2, outH + 2);
    const q = randomQuant(g);
    const win = resampleWindow(view, outW, outH, filter, left, top, size, gray);
    const rgb = gray ? Uint8Array.from({ length: 3 * win.length }, (_, j) => win[Math.floor(j / 3)]) : new Uint8Array(win.buffer, win.byteOffset, win.length);
    const want = quantizeHWC(rgb, inputQuantTable(q.mean, q.std, q.scale, q.zp));
    const got = r.resampleWindowInt8(view, outW, outH, filter, left, top, size, gray, params(q));
    const d = firstDifference(new Uint8Array(got.buffer, got.byteOffset, got.length), new Uint8Array(want.buffer));
    if (got.length !== want.length || d >= 0)
      throw new Error(`resampleWindowInt8 seed=${seed} ${w}x${hh}${gray ? ' gray' : ''} -> ${outW}x${outH} window ${size} at (${left}, ${top}): byte ${d} is ${got[d]}, want ${want[d]}`);
  }
}
