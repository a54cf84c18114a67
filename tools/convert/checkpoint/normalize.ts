/**
 * From whatever object a checkpoint holds to the flat float32 state_dict the converter wants.
 * Mirrors clean_state_dict() in tools/reference/ghostnetv2.py, plus dtype handling:
 *  - unwrap {'state_dict': ...} and then {'model': ...} (training scripts save extra keys —
 *    epoch, optimizer, ... — next to the weights);
 *  - strip DataParallel's `module.` prefix;
 *  - drop thop's profiling buffers (`total_ops`/`total_params`, float64 [1]; the official
 *    GhostNetV2 checkpoints carry 178 of them) — every key containing "total" — and
 *    BatchNorm's int64 `num_batches_tracked`, which inference never uses;
 *  - convert float16/bfloat16/float64 to float32; any other dtype is an error naming the key.
 * All views are bounds-checked and the output size summed before any tensor data is copied.
 */
import { isConvertibleFloat } from './dtype.ts';
import { CheckpointError, LIMITS } from './errors.ts';
import { LazyTensor } from './tensor.ts';

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export type StateDict = Map<string, Tensor>;

const WRAPPER_KEYS = ['state_dict', 'model'] as const;
const DP_PREFIX = 'module.';

function isDropped(key: string): boolean {
  return key.includes('total') || key.includes('num_batches_tracked');
}

/** A short description of a non-tensor value, for messages (never recurses). */
function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof Map) return 'a dict';
  if (Array.isArray(v)) return Object.isFrozen(v) ? 'a tuple' : 'a list';
  if (v instanceof Uint8Array) return 'bytes';
  return `a ${typeof v}`;
}

export function normalizeStateDict(root: unknown): StateDict {
  if (!(root instanceof Map)) throw new CheckpointError(`checkpoint holds ${describe(root)}, not a dict of tensors`);
  let dict: Map<unknown, unknown> = root;
  for (const w of WRAPPER_KEYS) {
    const inner = dict.get(w);
    if (inner instanceof Map) dict = inner;
  }

  // Pass 1: pick the tensors and check them, without touching their data.
  const kept: [string, LazyTensor][] = [];
  const seen = new Set<string>();
  let outputBytes = 0;
  for (const [rawKey, value] of dict) {
    if (typeof rawKey !== 'string') throw new CheckpointError(`state_dict has a non-string key (${describe(rawKey)})`);
    const key = rawKey.startsWith(DP_PREFIX) ? rawKey.slice(DP_PREFIX.length) : rawKey;
    if (isDropped(key)) continue;
    if (!(value instanceof LazyTensor)) {
      const hint = dict === root && kept.length === 0 ? ` (top-level keys: ${listKeys(dict)})` : '';
      throw new CheckpointError(`state_dict entry '${rawKey}' is ${describe(value)}, not a tensor${hint}`);
    }
    if (!isConvertibleFloat(value.dtype)) {
      throw new CheckpointError(`tensor '${rawKey}' has dtype ${value.dtype}; only float32, float16, bfloat16 and float64 are supported`);
    }
    if (value.problem !== undefined) throw new CheckpointError(`tensor '${rawKey}': ${value.problem}`);
    if (seen.has(key)) throw new CheckpointError(`state_dict has both '${key}' and '${DP_PREFIX}${key}'`);
    seen.add(key);
    outputBytes += value.numel * 4;
    if (outputBytes > LIMITS.maxOutputBytes) {
      throw new CheckpointError(`checkpoint tensors add up to more than ${LIMITS.maxOutputBytes} bytes as float32`);
    }
    kept.push([key, value]);
  }
  if (kept.length === 0) throw new CheckpointError(`checkpoint contains no weight tensors (top-level keys: ${listKeys(root)})`);

  // Pass 2: copy out as float32.
  const out: StateDict = new Map();
  for (const [key, t] of kept) {
    let data: Float32Array;
    try {
      data = t.toFloat32();
    } catch (e) {
      if (e instanceof CheckpointError) throw new CheckpointError(`tensor '${key}': ${e.message}`);
      throw e;
    }
    out.set(key, { shape: [...t.shape], data });
  }
  return out;
}

function listKeys(dict: Map<unknown, unknown>): string {
  const keys = [...dict.keys()].slice(0, 8).map((k) => (typeof k === 'string' ? k : describe(k)));
  return keys.length === 0 ? 'none' : keys.join(', ') + (dict.size > 8 ? ', ...' : '');
}
