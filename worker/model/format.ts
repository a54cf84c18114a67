/**
 * The ghostnet-edge model file (spec: models/FORMAT.md).
 *
 *   0   8 B   magic "GNV2EDGE"
 *   8   u32   format version (LE): 2 (1 = before prepared weights; still read)
 *   12  u32   header length H (LE)
 *   16  H B   header JSON (UTF-8), then spaces up to a multiple of 16
 *   D   ...   tensor data; each tensor at D + offset, offsets multiples of 16
 *   end-32    SHA-256 of every byte before it
 *
 * Reading and writing live together so that the two can never disagree.
 */

import type { Preprocessing } from '../image/types.ts';
import { FAMILIES, type Family } from './architecture.ts';

export const MAGIC = 'GNV2EDGE';
/** What the writer writes. Version 1 files (plain weights only, no `packing`) are still read. */
export const FORMAT_VERSION = 2;
const READABLE_VERSIONS = [1, 2];
const PREFIX = 16;
const DIGEST = 32;
const ALIGN = 16;

export type DType = 'float32' | 'int8' | 'int32';
const ITEM_SIZE: Record<DType, number> = { float32: 4, int8: 1, int32: 4 };

export interface TensorEntry {
  name: string;
  dtype: DType;
  shape: number[];
  offset: number; // bytes from the start of the data section
  length: number; // bytes
}

// The header's preprocessing block is the image pipeline's config type (one definition).
export type { Preprocessing };

export interface ModelHeader {
  name: string;
  architecture: { family: Family; width: number; num_classes: number; feature_dim: number };
  labels: string[];
  preprocessing: Preprocessing;
  precision: 'float32' | 'int8';
  tensors: TensorEntry[];
  /** Scheme and activation ranges for int8 models (models/FORMAT.md); null for float32. */
  quantization: Record<string, unknown> | null;
  provenance: { source: string; source_sha256: string; converter: string; created: string; [k: string]: unknown };
  /**
   * int8 files of format 2: which prepared weights the file carries (models/FORMAT.md, "Prepared
   * weights"): packed by these engine builds at this pack_layout_version, and whether the plain
   * weights are there too (for other builds). Absent: plain weights only (every format-1 file).
   */
  packing?: Packing;
}

export interface Packing {
  layout_version: number;
  builds: Array<'simd128' | 'relaxed'>;
  plain: boolean;
}

export type TypedTensor = Float32Array | Int8Array | Int32Array;

export class ModelFormatError extends Error {}

export interface ModelFile {
  header: ModelHeader;
  sha256: string; // hex of the trailing digest: the model's identity
  tensor(name: string): TypedTensor;
  /** A tensor's raw bytes, as a view of the file (no copy; valid as long as the file's buffer). */
  bytes(name: string): Uint8Array;
  has(name: string): boolean;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return hex(await sha256(bytes));
}

/**
 * Parses and verifies a model file (SHA-256 of its body against the trailing digest): for files
 * from elsewhere (CLI, tools). Every failure is a ModelFormatError with a one-line reason.
 */
export async function readModelFile(input: ArrayBuffer | Uint8Array): Promise<ModelFile> {
  const bytes = plainBytes(input);
  checkPrefix(bytes);
  const body = bytes.subarray(0, bytes.length - DIGEST);
  const stored = bytes.subarray(bytes.length - DIGEST);
  const actual = await sha256(body);
  if (!actual.every((b, i) => b === stored[i])) {
    throw new ModelFormatError('model file is corrupt or truncated: SHA-256 does not match');
  }
  return parseModelFile(bytes);
}

/**
 * Parses a model file WITHOUT hashing it, synchronously: for files whose digest was checked
 * when they were built in (the Worker's bundled models, see worker/models.ts and its test).
 * `sha256` is then the file's recorded digest. Structural checks still apply.
 */
export function parseModelFile(input: ArrayBuffer | Uint8Array): ModelFile {
  const bytes = plainBytes(input);
  checkPrefix(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const body = bytes.subarray(0, bytes.length - DIGEST);
  const stored = bytes.subarray(bytes.length - DIGEST);
  const headerLength = view.getUint32(12, true);
  if (PREFIX + headerLength > body.length) throw new ModelFormatError('model file is truncated: header runs past the end');
  let header: ModelHeader;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + headerLength)));
  } catch (e) {
    throw new ModelFormatError(`model header is not valid JSON: ${(e as Error).message}`);
  }
  const dataStart = alignUp(PREFIX + headerLength);
  const dataLength = body.length - dataStart;
  checkHeader(header, dataLength);

  const entries = new Map(header.tensors.map((t) => [t.name, t]));
  const cache = new Map<string, TypedTensor>();
  const entry = (name: string) => {
    const t = entries.get(name);
    if (!t) throw new ModelFormatError(`model has no tensor ${name}`);
    return t;
  };
  return {
    header,
    sha256: hex(stored),
    has: (name) => entries.has(name),
    bytes(name) {
      const t = entry(name);
      return bytes.subarray(dataStart + t.offset, dataStart + t.offset + t.length);
    },
    tensor(name) {
      const hit = cache.get(name);
      if (hit) return hit;
      const t = entry(name);
      // Copy out so the tensor is aligned and owned, whatever the input buffer's offset.
      const raw = bytes.slice(dataStart + t.offset, dataStart + t.offset + t.length).buffer;
      const typed = t.dtype === 'float32' ? new Float32Array(raw) : t.dtype === 'int8' ? new Int8Array(raw) : new Int32Array(raw);
      // Scales, biases and float weights: a NaN or an infinity would spread to every logit.
      if (typed instanceof Float32Array && !typed.every(Number.isFinite)) throw new ModelFormatError(`tensor ${name} has a non-finite value`);
      cache.set(name, typed);
      return typed;
    },
  };
}

/** A plain Uint8Array view even of a Node Buffer, whose slice() would share memory, not copy. */
function plainBytes(input: ArrayBuffer | Uint8Array): Uint8Array {
  return input instanceof Uint8Array ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input);
}

/** Size, magic and version: what must hold before anything else is read. */
function checkPrefix(bytes: Uint8Array): void {
  if (bytes.length < PREFIX + DIGEST) throw new ModelFormatError(`not a ghostnet-edge model: file is only ${bytes.length} bytes`);
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== MAGIC) throw new ModelFormatError('not a ghostnet-edge model: bad magic number');
  const version = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (!READABLE_VERSIONS.includes(version)) {
    throw new ModelFormatError(`unsupported model format version ${version} (this build reads versions ${READABLE_VERSIONS.join(' and ')}); re-convert the checkpoint`);
  }
}

const isCount = (v: unknown, max: number) => Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) <= max;
const isFiniteTriple = (v: unknown) => Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/**
 * Every field the reader and the engine use, checked for type and range before anything is
 * allocated from it (a file with a valid digest can still be crafted or come from a broken
 * converter; `npm run fuzz` mutates files and fixes the digest to test exactly this).
 */
function checkHeader(h: ModelHeader, dataLength: number): void {
  const fail = (why: string): never => {
    throw new ModelFormatError(`model header is invalid: ${why}`);
  };
  if (typeof h !== 'object' || h === null || Array.isArray(h)) fail('not an object');
  const a = h.architecture;
  if (typeof a !== 'object' || a === null) fail('no architecture');
  if (!FAMILIES.includes(a.family)) fail(`unknown architecture ${JSON.stringify(a.family)}`);
  // Widths beyond 4 (GhostNet ships 1.0, 1.3, 1.6) would only size absurd buffers.
  if (!(typeof a.width === 'number' && a.width > 0 && a.width <= 4) || !isCount(a.num_classes, 100_000)) fail('bad width or class count');
  if (!isCount(a.feature_dim, 1 << 16)) fail('bad feature_dim');
  if (!Array.isArray(h.labels) || h.labels.length !== a.num_classes) fail('labels do not match the class count');
  if (h.precision !== 'float32' && h.precision !== 'int8') fail(`unknown precision ${JSON.stringify(h.precision)}`);
  const p = h.preprocessing;
  if (typeof p !== 'object' || p === null || !(p.input_size >= 16 && p.input_size <= 1024) || !Number.isInteger(p.input_size) || !(p.crop_pct > 0 && p.crop_pct <= 1)) fail('bad preprocessing');
  if (p.interpolation !== 'bilinear' && p.interpolation !== 'bicubic') fail(`unknown interpolation ${JSON.stringify(p.interpolation)}`);
  if (!isFiniteTriple(p.mean) || !isFiniteTriple(p.std) || p.std.some((x) => x === 0)) fail('bad mean or std');
  if (!Array.isArray(h.tensors)) fail('no tensor table');
  if (h.packing !== undefined) {
    const p = h.packing;
    if (h.precision !== 'int8') fail('packing on a float32 model');
    if (!Number.isInteger(p?.layout_version) || !Array.isArray(p.builds) || !p.builds.every((b) => b === 'simd128' || b === 'relaxed') || typeof p.plain !== 'boolean') fail('bad packing');
  }
  const seen = new Set<string>();
  for (const t of h.tensors) {
    if (typeof t !== 'object' || t === null || typeof t.name !== 'string') fail('a tensor entry is not an object with a name');
    if (seen.has(t.name)) fail(`tensor ${t.name} listed twice`);
    seen.add(t.name);
    const size = ITEM_SIZE[t.dtype];
    if (!Object.hasOwn(ITEM_SIZE, t.dtype)) fail(`tensor ${t.name} has unknown dtype ${JSON.stringify(t.dtype)}`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d > 0)) fail(`tensor ${t.name} has a bad shape`);
    const count = t.shape.reduce((x, y) => x * y, 1);
    if (t.length !== count * size) fail(`tensor ${t.name} length ${t.length} does not match its shape`);
    if (!Number.isSafeInteger(t.offset) || t.offset % ALIGN !== 0 || t.offset < 0 || t.offset + t.length > dataLength) fail(`tensor ${t.name} lies outside the data section`);
  }
}

const alignUp = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

export interface TensorToWrite {
  name: string;
  dtype: DType;
  shape: number[];
  data: TypedTensor;
}

/** Lays out and serializes a model file; `header.tensors` is filled in here. */
export async function writeModelFile(header: Omit<ModelHeader, 'tensors'>, tensors: TensorToWrite[]): Promise<Uint8Array> {
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const t of tensors) {
    const length = t.data.byteLength;
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count * ITEM_SIZE[t.dtype] !== length) throw new ModelFormatError(`tensor ${t.name}: data does not match shape [${t.shape}]`);
    entries.push({ name: t.name, dtype: t.dtype, shape: t.shape, offset, length });
    offset = alignUp(offset + length);
  }
  const json = new TextEncoder().encode(JSON.stringify({ ...header, tensors: entries }));
  const dataStart = alignUp(PREFIX + json.length);
  const total = dataStart + offset + DIGEST;
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, json.length, true);
  out.set(json, PREFIX);
  out.fill(0x20, PREFIX + json.length, dataStart);
  tensors.forEach((t, i) => out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), dataStart + entries[i].offset));
  out.set(await sha256(out.subarray(0, total - DIGEST)), total - DIGEST);
  return out;
}
