/**
 * ToTensor + Normalize as a table: there are only 256 byte values per channel. Each step rounds
 * to float32 as the tensor ops do (v / 255, then − mean, then / std, mean/std as float32), so the
 * result is bit-identical to torchvision. Index: channel * 256 + byte.
 */
export function normalizeTable(mean: readonly number[], std: readonly number[]): Float32Array {
  const f = Math.fround;
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    const m = f(mean[c]);
    const s = f(std[c]);
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = f(f(f(v / 255) - m) / s);
  }
  return lut;
}
