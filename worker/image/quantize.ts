import { normalizeTable } from './normalize.ts';

/**
 * Float model input -> int8 input of the quantised engine:
 *   q = clamp(roundHalfEven(x * (1 / scale)) + zeroPoint, -128, 127)
 * in NHWC order ([1, S, S, 3], channels innermost), the layout the int8
 * kernels read. Multiplying by the reciprocal (not dividing) is deliberate:
 * it is the same arithmetic as the engine's own input path
 * (worker/model/engine.ts setInput), so both give identical bytes, ties included.
 */

export function quantizeInputNHWC(chw: Float32Array, S: number, scale: number, zeroPoint: number): Int8Array {
  const plane = S * S;
  if (chw.length !== 3 * plane) throw new RangeError(`expected ${3 * plane} values for [3, ${S}, ${S}], got ${chw.length}`);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`scale must be a positive finite number, got ${scale}`);
  const inv = 1 / scale;
  const out = new Int8Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const src = c * plane;
    for (let i = 0; i < plane; i++) {
      const v = chw[src + i] * inv;
      const q = roundHalfEven(v) + zeroPoint;
      out[i * 3 + c] = q < -128 ? -128 : q > 127 ? 127 : q;
    }
  }
  return out;
}

/** Round half to even via 1.5·2^52 (IEEE addition rounds half-even); exact for |v| < 2^51. */
export function roundHalfEven(v: number): number {
  return v + 6755399441055744 - 6755399441055744;
}

/**
 * The whole input path as a table: for each channel and each of the 256 byte values, the
 * normalized value (normalizeTable, bit-identical to torchvision) quantized exactly as
 * quantizeInputNHWC would. Applying it to the HWC crop gives the engine's int8 input directly.
 */
export function inputQuantTable(mean: readonly number[], std: readonly number[], scale: number, zeroPoint: number): Int8Array {
  const norm = normalizeTable(mean, std);
  const inv = 1 / scale;
  const out = new Int8Array(3 * 256);
  for (let i = 0; i < out.length; i++) {
    const q = roundHalfEven(norm[i] * inv) + zeroPoint;
    out[i] = q < -128 ? -128 : q > 127 ? 127 : q;
  }
  return out;
}

/** HWC bytes → HWC int8 through a table from inputQuantTable. */
export function quantizeHWC(hwc: Uint8Array, table: Int8Array): Int8Array {
  const out = new Int8Array(hwc.length);
  for (let i = 0; i < hwc.length; i += 3) {
    out[i] = table[hwc[i]];
    out[i + 1] = table[256 + hwc[i + 1]];
    out[i + 2] = table[512 + hwc[i + 2]];
  }
  return out;
}

/** Bytes of the block quantizeParams writes (assembly/kernels/quantize/reference.ts). */
export const QUANTIZE_PARAMS_BYTES = 784 + 2 * 12 * 16;
/** Bytes of its leading inputQuantTable (3 channels × 256 entries). */
const TABLE_BYTES = 3 * 256;

/** The inputQuantTable at the head of a quantizeParams block (a view), after checking its size. */
export function paramsTable(params: Uint8Array): Int8Array {
  if (params.length !== QUANTIZE_PARAMS_BYTES) throw new RangeError(`quantize params must be ${QUANTIZE_PARAMS_BYTES} bytes, got ${params.length}`);
  return new Int8Array(params.buffer, params.byteOffset, TABLE_BYTES);
}

/** `q = floor((v · m + b) / 2^shift)` clamped to int8, for the 256 byte values v of one channel. */
export interface AffineForm {
  m: number;
  b: number;
  shift: number;
}

const I32_MAX = 2 ** 31 - 1;

/**
 * An affine form of one channel's table (the 256 int8 entries at `table[off..off+256)`) with this
 * `shift`, exact on every entry and free of i32 overflow for every byte, or null. The table is
 * round(a·v + β) clamped, up to float32 rounding (a = 1 / (255·std·scale), β = zp − mean / (std·scale)),
 * so m is tried at round(a·2^shift) and its neighbours: entry v asks lo_v ≤ v·m + b ≤ hi_v
 * (one-sided at the clamps, within ±(2^31 − 1) always), which leaves b an interval or nothing.
 */
export function affineForm(table: Int8Array, off: number, shift: number, a: number): AffineForm | null {
  const u = 2 ** shift;
  const lo = new Float64Array(256),
    hi = new Float64Array(256);
  for (let v = 0; v < 256; v++) {
    const q = table[off + v];
    lo[v] = q === -128 ? -I32_MAX : q * u;
    hi[v] = q === 127 ? I32_MAX : Math.min(I32_MAX, (q + 1) * u - 1);
  }
  const m0 = Math.round(a * u);
  for (const d of [0, 1, -1, 2, -2, 3, -3, 4, -4]) {
    const m = m0 + d;
    let bLo = -Infinity,
      bHi = Infinity;
    for (let v = 0; v < 256; v++) {
      bLo = Math.max(bLo, lo[v] - v * m);
      bHi = Math.min(bHi, hi[v] - v * m);
    }
    if (bLo > bHi) continue;
    const b = Math.floor((bLo + bHi) / 2);
    // The check the kernel's exactness rests on, written out: every byte, as the kernel computes it.
    let exact = true;
    for (let v = 0; v < 256 && exact; v++) {
      const s = v * m + b;
      const q = Math.floor(s / u);
      exact = Math.abs(s) <= I32_MAX && (q < -128 ? -128 : q > 127 ? 127 : q) === table[off + v];
    }
    if (exact) return { m, b, shift };
  }
  return null;
}

/**
 * The quantize_hwc kernel's parameter block for the model input's quantization: the table of
 * inputQuantTable (the scalar build's, and the fallback) and, when all three channels have one,
 * their affine form laid out for the SIMD kernel's 48-byte steps (vector k, lane l: channel
 * (4k + l) % 3). The shift is the largest (≤ 22) that keeps |v·m + b| in i32 for every byte.
 */
export function quantizeParams(mean: readonly number[], std: readonly number[], scale: number, zeroPoint: number): Uint8Array {
  const table = inputQuantTable(mean, std, scale, zeroPoint);
  const block = new Uint8Array(QUANTIZE_PARAMS_BYTES);
  block.set(new Uint8Array(table.buffer, table.byteOffset, TABLE_BYTES));
  const view = new DataView(block.buffer);
  const a = [0, 1, 2].map((c) => 1 / (255 * std[c] * scale));
  const beta = [0, 1, 2].map((c) => zeroPoint - mean[c] / (std[c] * scale));
  const span = Math.max(...[0, 1, 2].map((c) => Math.abs(beta[c]) + 255 * Math.abs(a[c]) + 2));
  const shift = Math.min(22, Math.floor(Math.log2(I32_MAX / span)));
  const forms = shift >= 8 ? [0, 1, 2].map((c) => affineForm(table, 256 * c, shift, a[c])) : [];
  const ok = forms.length === 3 && forms.every((f) => f !== null);
  view.setInt32(TABLE_BYTES, ok ? shift : -1, true);
  if (ok) {
    for (let k = 0; k < 12; k++) {
      for (let l = 0; l < 4; l++) {
        const f = forms[(4 * k + l) % 3] as AffineForm;
        view.setInt32(784 + 16 * k + 4 * l, f.m, true);
        view.setInt32(784 + 192 + 16 * k + 4 * l, f.b, true);
      }
    }
  }
  return block;
}
