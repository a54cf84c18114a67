/**
 * Element types a checkpoint storage can hold, and how the floating-point ones decode to float32.
 *
 * Integer/bool/complex types are listed so a reader can *describe* a tensor it won't convert
 * (e.g. BatchNorm's int64 `num_batches_tracked`, which normalize.ts drops, or a stray int
 * buffer, which it reports by name) instead of failing on an unknown type.
 */
import { CheckpointError } from './errors.ts';

export type DType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint64'
  | 'uint32'
  | 'uint16'
  | 'uint8'
  | 'bool'
  | 'complex64'
  | 'complex128'
  | 'float8_e4m3fn'
  | 'float8_e5m2';

export const ITEM_SIZE: Readonly<Record<DType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint64: 8,
  uint32: 4,
  uint16: 2,
  uint8: 1,
  bool: 1,
  complex64: 8,
  complex128: 16,
  float8_e4m3fn: 1,
  float8_e5m2: 1,
};

/** The dtypes we convert to float32. */
export type FloatDType = 'float32' | 'float16' | 'bfloat16' | 'float64';

export function isConvertibleFloat(d: DType): d is FloatDType {
  return d === 'float32' || d === 'float16' || d === 'bfloat16' || d === 'float64';
}

// Storages are reinterpreted with typed-array views, which use the host byte order. Checkpoints
// are little-endian (torch.save records anything else in `byteorder`, which torch-zip.ts
// rejects), so we need a little-endian host — which is every platform Node runs on in practice.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A typed-array view of a little-endian storage, element type chosen so that its elements are
 * either the float value itself (float32/float64) or the raw 16-bit pattern (float16/bfloat16).
 * Copies only when the bytes are not aligned for the view (a zip entry can start anywhere).
 */
export function viewStorage(bytes: Uint8Array, dtype: FloatDType): Float32Array | Float64Array | Uint16Array {
  if (!HOST_IS_LITTLE_ENDIAN) throw new CheckpointError('reading checkpoints requires a little-endian host');
  const size = ITEM_SIZE[dtype];
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  const n = Math.floor(aligned.byteLength / size);
  switch (dtype) {
    case 'float32':
      return new Float32Array(aligned.buffer, aligned.byteOffset, n);
    case 'float64':
      return new Float64Array(aligned.buffer, aligned.byteOffset, n);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(aligned.buffer, aligned.byteOffset, n);
  }
}

let halfTable: Uint32Array | undefined;

/**
 * float16 bit pattern → float32 bit pattern, for all 65536 inputs. Exact (every half is
 * representable as a float): subnormal halves become normal floats, inf/NaN keep their payload.
 */
export function halfToFloatBitsTable(): Uint32Array {
  if (halfTable) return halfTable;
  const t = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    let exp = (h >> 10) & 0x1f;
    let mant = h & 0x3ff;
    if (exp === 0x1f) {
      t[h] = sign | 0x7f800000 | (mant << 13);
    } else if (exp !== 0) {
      t[h] = sign | ((exp + 112) << 23) | (mant << 13); // rebias 15 → 127
    } else if (mant === 0) {
      t[h] = sign; // ±0
    } else {
      // Subnormal: value = mant · 2^-24. Shift the leading 1 up to the implicit-bit position.
      exp = 1;
      while ((mant & 0x400) === 0) {
        mant <<= 1;
        exp--;
      }
      t[h] = sign | ((exp + 112) << 23) | ((mant & 0x3ff) << 13);
    }
  }
  halfTable = t;
  return t;
}
