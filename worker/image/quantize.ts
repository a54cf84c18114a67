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
      let r = Math.round(v); // ties toward +Infinity ...
      if (r - v === 0.5 && r % 2 !== 0) r -= 1; // ... so pull odd ties back to even
      const q = r + zeroPoint;
      out[i * 3 + c] = q < -128 ? -128 : q > 127 ? 127 : q;
    }
  }
  return out;
}
