/**
 * safetensors: u64 little-endian header length N, N bytes of JSON
 *   { "<name>": { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] }, ..., "__metadata__"?: {..} }
 * then the data; offsets are relative to the end of the header. Tensors are contiguous.
 * The format is data-only by design, so the work here is validating every number.
 */
import { type DType, ITEM_SIZE } from './dtype.ts';
import { CheckpointError, LIMITS } from './errors.ts';
import { LazyTensor, type Storage } from './tensor.ts';

const DTYPES: Readonly<Record<string, DType>> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U64: 'uint64',
  U32: 'uint32',
  U16: 'uint16',
  U8: 'uint8',
  BOOL: 'bool',
  F8_E4M3: 'float8_e4m3fn',
  F8_E5M2: 'float8_e5m2',
  C64: 'complex64',
};

function headerLength(bytes: Uint8Array): number | undefined {
  if (bytes.length < 10) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, 8);
  if (v.getUint32(4, true) !== 0) return undefined;
  return v.getUint32(0, true);
}

/** A plausible header: sane length that fits the file, and JSON starting with '{'. */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  const n = headerLength(bytes);
  return n !== undefined && n >= 2 && n <= LIMITS.maxSafetensorsHeaderBytes && 8 + n <= bytes.length && bytes[8] === 0x7b;
}

function fail(detail: string): CheckpointError {
  return new CheckpointError(`invalid safetensors file: ${detail}`);
}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The tensors by name, in header order, as lazy views (nothing is copied yet). */
export function readSafetensors(bytes: Uint8Array): Map<string, LazyTensor> {
  if (!looksLikeSafetensors(bytes)) throw fail('bad header length');
  const n = headerLength(bytes)!;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch {
    throw fail('header is not valid UTF-8 JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw fail('header is not a JSON object');

  const data = bytes.subarray(8 + n);
  const tensors = new Map<string, LazyTensor>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (typeof info !== 'object' || info === null) throw fail(`entry '${name}' is not an object`);
    const { dtype: code, shape, data_offsets: offsets } = info as Record<string, unknown>;
    const dtype = typeof code === 'string' && Object.hasOwn(DTYPES, code) ? DTYPES[code]! : undefined;
    if (!dtype) throw fail(`tensor '${name}' has unknown dtype ${JSON.stringify(code)}`);
    if (!Array.isArray(shape) || !shape.every(isIndex) || shape.length > LIMITS.maxDims) {
      throw fail(`tensor '${name}' has an invalid shape`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
      throw fail(`tensor '${name}' has invalid data_offsets`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > data.length) {
      throw fail(`tensor '${name}' data_offsets [${begin}, ${end}] are outside the ${data.length}-byte data section`);
    }
    const itemSize = ITEM_SIZE[dtype];
    // numel * itemSize must equal the byte range; compare in floating point after a cheap
    // bound so a huge shape can't overflow into a false match.
    let numel = 1;
    for (const d of shape as number[]) numel = Math.min(numel * d, Number.MAX_SAFE_INTEGER);
    if (numel * itemSize !== end - begin) {
      throw fail(`tensor '${name}' has shape [${shape.join(', ')}] (${dtype}) but ${end - begin} bytes of data`);
    }
    const storage: Storage = {
      dtype,
      numel,
      describe: `safetensors bytes ${begin}..${end}`,
      bytes: () => data.subarray(begin, end),
    };
    tensors.set(name, LazyTensor.contiguous(storage, shape as number[]));
  }
  return tensors;
}
