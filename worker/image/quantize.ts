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
