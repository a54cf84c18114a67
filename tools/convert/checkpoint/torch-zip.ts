/**
 * torch.save's zip format (PyTorch >= 1.6):
 *
 *   <stem>/data.pkl       the object graph, pickled; tensors refer to storages by persistent id
 *   <stem>/data/<key>     one raw little-endian storage per key
 *   <stem>/version, <stem>/byteorder (newer torch), <stem>/.data/... (ignored)
 *
 * The top-level folder is the file stem at save time (or "archive"), so we look for the single
 * `<folder>/data.pkl`. The pickle is loaded by our restricted interpreter with an allowlist of
 * exactly the globals a state_dict needs; the result is the raw object graph (Maps, arrays,
 * scalars) with LazyTensor leaves, for normalize.ts to unwrap.
 */
import { type DType, ITEM_SIZE } from './dtype.ts';
import { CheckpointError, LIMITS } from './errors.ts';
import { LazyTensor, type Storage } from './tensor.ts';
import { PyGlobal, isTuple, unpickle } from './unpickle.ts';
import { ZipArchive, type ZipEntry } from './zip.ts';

/** torch.<X>Storage classes named in persistent ids, and their element type. */
const STORAGE_TYPES: Readonly<Record<string, DType>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  ComplexFloatStorage: 'complex64',
  ComplexDoubleStorage: 'complex128',
  UntypedStorage: 'uint8', // torch >= 2 saving a bare untyped storage: numel is in bytes
};

export function readTorchZip(bytes: Uint8Array): unknown {
  const zip = ZipArchive.open(bytes);
  const prefix = findPrefix(zip);

  const byteorder = zip.entries.get(`${prefix}/byteorder`);
  if (byteorder) {
    const order = new TextDecoder().decode(zip.read(byteorder)).trim();
    if (order !== 'little') throw new CheckpointError(`checkpoint was saved with byte order "${order}"; only little-endian is supported`);
  }

  const pklEntry = zip.entries.get(`${prefix}/data.pkl`)!;
  if (pklEntry.size > LIMITS.maxPickleBytes) {
    throw new CheckpointError(`${pklEntry.name} is ${pklEntry.size} bytes — too large for a state_dict`);
  }
  const pkl = zip.read(pklEntry);
  const storages = new StorageTable(zip, prefix);
  return unpickle(pkl, {
    resolveGlobal,
    persistentLoad: (pid) => storages.load(pid),
  });
}

/** The folder holding data.pkl; exactly one top-level folder may have one. */
function findPrefix(zip: ZipArchive): string {
  const prefixes: string[] = [];
  for (const name of zip.entries.keys()) {
    const m = /^([^/]+)\/data\.pkl$/.exec(name);
    if (m) prefixes.push(m[1]!);
  }
  if (prefixes.length === 0) {
    throw new CheckpointError('zip archive has no <folder>/data.pkl, so it is not a torch.save checkpoint');
  }
  if (prefixes.length > 1) {
    throw new CheckpointError(`zip archive has several data.pkl files (${prefixes.join(', ')}); expected one torch.save checkpoint`);
  }
  return prefixes[0]!;
}

// --- the allowlist ------------------------------------------------------------------------

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function indexTuple(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every(isIndex)) {
    throw new CheckpointError(`tensor ${what} must be a tuple of non-negative integers`);
  }
  if (v.length > LIMITS.maxDims) throw new CheckpointError(`tensor has rank ${v.length}, over the ${LIMITS.maxDims} limit`);
  return [...v];
}

/**
 * torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
 * backward_hooks[, metadata]) — a strided view of a storage. We keep it lazy: no data is read.
 * requires_grad, hooks and metadata don't affect the values.
 */
function rebuildTensorV2(args: readonly unknown[]): LazyTensor {
  if (args.length < 4 || args.length > 7) throw new CheckpointError(`_rebuild_tensor_v2 got ${args.length} arguments`);
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof TorchStorage)) throw new CheckpointError('_rebuild_tensor_v2 expects a storage as its first argument');
  if (!isIndex(offset)) throw new CheckpointError('tensor storage_offset must be a non-negative integer');
  return new LazyTensor(storage, offset, indexTuple(size, 'size'), indexTuple(stride, 'stride'));
}

/** torch._utils._rebuild_parameter(data, requires_grad, backward_hooks): a Parameter is its data. */
function rebuildParameter(args: readonly unknown[]): LazyTensor {
  const data = args[0];
  if (args.length !== 3 || !(data instanceof LazyTensor)) throw new CheckpointError('_rebuild_parameter expects (tensor, requires_grad, hooks)');
  return data;
}

/** collections.OrderedDict(): pickled as an empty call followed by SETITEMS. Our dicts keep order anyway. */
function orderedDict(args: readonly unknown[]): Map<unknown, unknown> {
  if (args.length !== 0) throw new CheckpointError('OrderedDict must be built empty');
  return new Map();
}

/** torch.Size((d0, d1, ...)) — a tuple. */
function torchSize(args: readonly unknown[]): readonly number[] {
  if (args.length !== 1) throw new CheckpointError('torch.Size expects one tuple');
  return Object.freeze(indexTuple(args[0], 'size'));
}

const CALLABLES: Readonly<Record<string, (args: readonly unknown[]) => unknown>> = {
  'collections.OrderedDict': orderedDict,
  'torch._utils._rebuild_tensor_v2': rebuildTensorV2,
  'torch._utils._rebuild_parameter': rebuildParameter,
  'torch.Size': torchSize,
};

function resolveGlobal(module: string, name: string): PyGlobal {
  const qualified = `${module}.${name}`;
  const call = Object.hasOwn(CALLABLES, qualified) ? CALLABLES[qualified] : undefined;
  if (call) return new PyGlobal(module, name, call);
  // Storage classes are only ever used as a tag inside a persistent id, never called.
  if (module === 'torch' && Object.hasOwn(STORAGE_TYPES, name)) return new PyGlobal(module, name);
  throw new CheckpointError(`checkpoint references a disallowed Python global: ${qualified}`);
}

// --- storages -------------------------------------------------------------------------------

class TorchStorage implements Storage {
  private data: Uint8Array | undefined;

  constructor(
    readonly dtype: DType,
    readonly numel: number,
    private readonly zip: ZipArchive,
    private readonly entry: ZipEntry,
  ) {}

  get describe(): string {
    return `zip record ${this.entry.name}`;
  }

  bytes(): Uint8Array {
    this.data ??= this.zip.read(this.entry);
    return this.data;
  }
}

/** Resolves ('storage', torch.XStorage, key, location, numel) persistent ids to storages. */
class StorageTable {
  private readonly loaded = new Map<string, TorchStorage>();

  constructor(
    private readonly zip: ZipArchive,
    private readonly prefix: string,
  ) {}

  load(pid: unknown): TorchStorage {
    if (!isTuple(pid) || pid.length !== 5 || pid[0] !== 'storage') {
      throw new CheckpointError('unsupported persistent id in data.pkl (expected a torch storage reference)');
    }
    const [, type, key, , numel] = pid;
    if (!(type instanceof PyGlobal) || type.module !== 'torch' || !Object.hasOwn(STORAGE_TYPES, type.name)) {
      throw new CheckpointError('storage reference in data.pkl does not name a torch storage type');
    }
    // Keys are decimal indices in practice; refuse anything that could step outside data/.
    if (typeof key !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(key) || key.startsWith('.')) {
      throw new CheckpointError('storage reference in data.pkl has an invalid key');
    }
    if (!isIndex(numel)) throw new CheckpointError(`storage ${key} has an invalid element count`);
    const dtype = STORAGE_TYPES[type.name]!;
    // The same key may be referenced again (torch memoizes, but a file need not); one object per
    // key and dtype keeps a shared storage read once.
    const id = `${key}:${dtype}`;
    const cached = this.loaded.get(id);
    if (cached) {
      if (cached.numel !== numel) throw new CheckpointError(`storage ${key} is referenced with two different sizes`);
      return cached;
    }
    const name = `${this.prefix}/data/${key}`;
    const entry = this.zip.entries.get(name);
    if (!entry) throw new CheckpointError(`checkpoint is missing tensor data ${name}`);
    const nbytes = numel * ITEM_SIZE[dtype];
    if (entry.size !== nbytes) {
      throw new CheckpointError(`${name} has ${entry.size} bytes but data.pkl declares ${numel} ${dtype} elements (${nbytes} bytes)`);
    }
    const storage = new TorchStorage(dtype, numel, this.zip, entry);
    this.loaded.set(id, storage);
    return storage;
  }
}
