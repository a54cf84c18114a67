/**
 * Checkpoint readers (tools/convert/checkpoint): exact values from real torch.save files,
 * normalisation rules, and refusal of hostile / broken files.
 *
 * Static fixtures (test/fixtures/checkpoint, made by tools/reference/make_reader_fixtures.py)
 * always run. Files crafted here in memory cover the byte-level attacks (opcodes, zip bombs).
 * If Debian's /usr/bin/python3 has torch, a GhostNetV2 checkpoint is also saved live and
 * compared byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync, type Zippable } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, readCheckpoint, type StateDict } from '../../tools/convert/checkpoint/index.ts';
import { PyGlobal, unpickle } from '../../tools/convert/checkpoint/unpickle.ts';
import { ZipArchive } from '../../tools/convert/checkpoint/zip.ts';
import { missingPython } from '../helpers/cli.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/checkpoint/', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name)));

type Expected = Record<string, Record<string, { shape: number[]; bits: number[] }>>;
const EXPECTED: Expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8'));

const bitsOf = (data: Float32Array): number[] => Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));
const values = (sd: StateDict, key: string): number[] => Array.from(sd.get(key)!.data);

/** Same keys in the same order, same shapes, bit-identical float32 values. */
function expectStateDict(sd: StateDict, expected: Expected[string]): void {
  expect([...sd.keys()]).toEqual(Object.keys(expected));
  for (const [key, e] of Object.entries(expected)) {
    const t = sd.get(key)!;
    expect(t.shape, key).toEqual(e.shape);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(bitsOf(t.data), key).toEqual(e.bits);
  }
}

/** Throws a CheckpointError whose one-line message matches. */
function expectRefused(bytes: Uint8Array, message: RegExp, fileName?: string): CheckpointError {
  let caught: unknown;
  try {
    readCheckpoint(bytes, fileName);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(CheckpointError);
  const err = caught as CheckpointError;
  expect(err.message).toMatch(message);
  expect(err.message).not.toContain('\n');
  return err;
}

// --- a tiny pickle writer, to craft data.pkl files byte by byte -----------------------------

const enc = new TextEncoder();
const u32le = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const op = {
  proto2: [0x80, 2],
  str: (s: string): number[] => {
    const b = enc.encode(s);
    return [0x58, ...u32le(b.length), ...b];
  },
  int: (n: number): number[] => [0x4a, ...u32le(n)],
  global: (m: string, n: string): number[] => [0x63, ...enc.encode(`${m}\n${n}\n`)],
  mark: [0x28],
  tuple: [0x74],
  emptyTuple: [0x29],
  emptyList: [0x5d],
  emptyDict: [0x7d],
  reduce: [0x52],
  build: [0x62],
  setitems: [0x75],
  persid: [0x51],
  newfalse: [0x89],
  stop: [0x2e],
};
const pickle = (...parts: (number[] | number)[]): Uint8Array => new Uint8Array(parts.flat());

interface TensorSpec {
  key: string;
  storage?: string;
  storageType?: string;
  numel: number;
  offset?: number;
  size: number[];
  stride?: number[];
}

/** An OrderedDict of _rebuild_tensor_v2 calls, exactly as torch.save lays it out. */
function statePickle(tensors: TensorSpec[]): Uint8Array {
  const tuple = (xs: number[]): number[] => [...op.mark, ...xs.flatMap(op.int), ...op.tuple];
  const body = tensors.flatMap((t) => {
    const stride = t.stride ?? t.size.map((_, i) => t.size.slice(i + 1).reduce((a, b) => a * b, 1));
    return [
      ...op.str(t.key),
      ...op.global('torch._utils', '_rebuild_tensor_v2'),
      ...op.mark,
      ...op.mark,
      ...op.str('storage'),
      ...op.global('torch', t.storageType ?? 'FloatStorage'),
      ...op.str(t.storage ?? '0'),
      ...op.str('cpu'),
      ...op.int(t.numel),
      ...op.tuple,
      ...op.persid,
      ...op.int(t.offset ?? 0),
      ...tuple(t.size),
      ...tuple(stride),
      ...op.newfalse,
      ...op.global('collections', 'OrderedDict'),
      ...op.emptyTuple,
      ...op.reduce,
      ...op.tuple,
      ...op.reduce,
    ];
  });
  return pickle(op.proto2, op.global('collections', 'OrderedDict'), op.emptyTuple, op.reduce, op.mark, body, op.setitems, op.stop);
}

/** A torch.save-style zip; level 0 = STORED like torch, > 0 = DEFLATE. */
function torchZip(pkl: Uint8Array, storages: Record<string, Uint8Array> = {}, level: 0 | 6 = 0): Uint8Array {
  const files: Zippable = { 'archive/data.pkl': pkl, 'archive/version': enc.encode('3\n') };
  for (const [k, v] of Object.entries(storages)) files[`archive/data/${k}`] = v;
  return zipSync(files, { level });
}

const f32bytes = (...xs: number[]): Uint8Array => new Uint8Array(new Float32Array(xs).buffer);

/** Rewrites the uncompressed size a zip's central directory declares for one entry. */
function patchDeclaredSize(zip: Uint8Array, name: string, size: number): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  for (let p = 0; p + 46 < out.length; p++) {
    if (view.getUint32(p, true) !== 0x02014b50) continue;
    const nameLen = view.getUint16(p + 28, true);
    if (new TextDecoder().decode(out.subarray(p + 46, p + 46 + nameLen)) === name) {
      view.setUint32(p + 24, size, true);
      return out;
    }
  }
  throw new Error(`no central directory entry ${name}`);
}

// --- static fixtures --------------------------------------------------------------------------

describe('torch.save zip fixtures', () => {
  it('reads a flat OrderedDict exactly: dtypes, views, shared storage; drops thop and num_batches_tracked', () => {
    const sd = readCheckpoint(fixture('flat.pth'));
    expectStateDict(sd, EXPECTED['flat.pth']!);
    expect([...sd.keys()].some((k) => k.includes('total') || k.includes('num_batches_tracked'))).toBe(false);
    // Spot checks in plain numbers, so a broken expected.json can't hide a bug.
    expect(values(sd, 'transposed')).toEqual([0, 3, 1, 4, 2, 5]); // (2,3).t(): stride (1,3)
    expect(sd.get('transposed')!.shape).toEqual([3, 2]);
    expect(values(sd, 'shared.view')).toEqual([2, 3, 4, 5, 6, 7]); // storage offset 2
    expect(values(sd, 'shared.strided')).toEqual([10, 13, 16, 19]); // offset 10, stride 3
    expect(values(sd, 'shared.base')).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(values(sd, 'expanded')).toEqual([0, 1, 2, 0, 1, 2]); // stride 0
    expect(values(sd, 'conv.weight').slice(0, 4)).toEqual([-3, -2.75, -2.5, -2.25]);
    expect(values(sd, 'conv.bias')).toEqual([Math.fround(0.1), Math.fround(-0.2)]);
    expect(values(sd, 'half.weight')).toEqual([0, -0, 1, -2.5, 65504, 2 ** -14, 2 ** -24, 0.0999755859375, Infinity, -Infinity, NaN]);
    expect(Object.is(values(sd, 'half.weight')[1], -0)).toBe(true);
    expect(values(sd, 'bf16.weight')).toEqual([1, -3.140625, 1.0002555517425873e30, 0.10009765625, Infinity]);
    expect(values(sd, 'double.weight')).toEqual([Math.fround(0.1), Math.fround(1 / 3), Infinity, -0, 3.4028234663852886e38]);
    expect(sd.get('scalar')!.shape).toEqual([]);
    expect(values(sd, 'scalar')).toEqual([3.5]);
    expect(sd.get('empty')!.shape).toEqual([0, 3]);
    expect(sd.get('empty')!.data.length).toBe(0);
  });

  it('returns independent copies, even for views of one storage', () => {
    const sd = readCheckpoint(fixture('flat.pth'));
    sd.get('shared.base')!.data.fill(-1);
    expect(values(sd, 'shared.view')).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it("unwraps {'state_dict': ...} next to training extras and strips DataParallel's module.", () => {
    const sd = readCheckpoint(fixture('wrapped_state_dict.pth'));
    expectStateDict(sd, EXPECTED['wrapped_state_dict.pth']!);
    expect([...sd.keys()]).toEqual(['conv.weight', 'bn.weight', 'bn.running_var']);
    expect(values(sd, 'bn.weight')).toEqual([1.5, 0.25]);
  });

  it("unwraps {'model': ...} and widens float16 exactly", () => {
    const sd = readCheckpoint(fixture('model_wrapped.pth'));
    expectStateDict(sd, EXPECTED['model_wrapped.pth']!);
    expect(values(sd, 'classifier.bias')).toEqual([-1, 1]);
  });

  it('honours a storage offset in a crafted but valid pickle', () => {
    expectStateDict(readCheckpoint(fixture('crafted_ok.pth')), EXPECTED['crafted_ok.pth']!);
  });

  it('reads a DEFLATE-compressed archive (a re-zipped checkpoint) the same as a stored one', () => {
    const pkl = statePickle([{ key: 'w', numel: 4, offset: 1, size: [3] }]);
    const sd = readCheckpoint(torchZip(pkl, { '0': f32bytes(1, 2, 3, 4) }, 6));
    expect(values(sd, 'w')).toEqual([2, 3, 4]);
  });
});

describe('safetensors', () => {
  it('reads F32/F16/BF16/F64 exactly and drops num_batches_tracked', () => {
    const sd = readCheckpoint(fixture('tensors.safetensors'));
    expectStateDict(sd, EXPECTED['tensors.safetensors']!);
    expect(values(sd, 'a')).toEqual([1, 2, 3, -4.5]);
    expect(sd.get('a')!.shape).toEqual([2, 2]);
  });

  const safetensors = (header: object, data: Uint8Array): Uint8Array => {
    const h = enc.encode(JSON.stringify(header));
    const out = new Uint8Array(8 + h.length + data.length);
    new DataView(out.buffer).setUint32(0, h.length, true);
    out.set(h, 8);
    out.set(data, 8 + h.length);
    return out;
  };

  it('refuses data_offsets outside the data section', () => {
    expectRefused(fixture('bad_offsets.safetensors'), /invalid safetensors file: tensor 'w' data_offsets \[0, 416\] are outside/);
  });

  it('refuses a byte range that does not match the shape', () => {
    expectRefused(safetensors({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, f32bytes(1, 2, 3, 4)), /tensor 'w' has shape \[3\] \(float32\) but 16 bytes/);
  });

  it('refuses unknown and non-float dtypes, naming the key', () => {
    expectRefused(safetensors({ w: { dtype: 'Q4', shape: [4], data_offsets: [0, 16] } }, f32bytes(1, 2, 3, 4)), /tensor 'w' has unknown dtype "Q4"/);
    expectRefused(safetensors({ 'fc.weight': { dtype: 'I32', shape: [4], data_offsets: [0, 16] } }, f32bytes(1, 2, 3, 4)), /tensor 'fc.weight' has dtype int32/);
  });

  it('refuses a header that is not JSON', () => {
    const bytes = safetensors({ __metadata__: { format: 'pt' } }, new Uint8Array(0));
    bytes.set(enc.encode('{nope'), 8);
    expectRefused(bytes, /invalid safetensors file: header is not valid UTF-8 JSON/);
  });
});

// --- hostile and broken files ---------------------------------------------------------------

describe('refuses hostile checkpoints', () => {
  it('refuses os.system via GLOBAL and names it', () => {
    expectRefused(fixture('malicious_os_system.pth'), /^checkpoint references a disallowed Python global: os\.system$/);
  });

  it('refuses builtins.eval via STACK_GLOBAL (protocol 4)', () => {
    expectRefused(fixture('malicious_stack_global.pth'), /disallowed Python global: builtins\.eval/);
  });

  it('refuses a disallowed global even after legitimate content', () => {
    expectRefused(fixture('malicious_late.pth'), /disallowed Python global: posix\.system/);
  });

  it.each([
    ['subprocess', 'Popen'],
    ['__builtin__', 'exec'],
    ['builtins', 'getattr'],
    ['torch', 'load'],
    ['torch._utils', '_rebuild_qtensor'],
    ['collections', 'OrderedDict.__init__'],
    ['numpy.core.multiarray', '_reconstruct'],
    ['argparse', 'Namespace'],
  ])('refuses %s.%s', (m, n) => {
    const pkl = pickle(op.proto2, op.global(m, n), op.emptyTuple, op.reduce, op.stop);
    expectRefused(torchZip(pkl), new RegExp(`disallowed Python global: ${m}\\.${n.replace('.', '\\.')}$`));
  });

  it('escapes control characters from the file in messages', () => {
    const pkl = pickle(op.proto2, op.str('os'), op.str('system\n\x1b[31mFAKE'), [0x93], op.stop);
    expectRefused(torchZip(pkl), /disallowed Python global: os\.system\\x0a\\x1b\[31mFAKE$/);
  });

  it('refuses opcodes a state_dict never needs, naming them', () => {
    // INST builtins.object, NEWOBJ, EXT1: all ways to construct objects
    expectRefused(torchZip(pickle(op.proto2, op.mark, [0x69, ...enc.encode('os\nsystem\n')], op.stop)), /unsupported pickle opcode INST/);
    expectRefused(torchZip(pickle(op.proto2, op.emptyDict, op.emptyTuple, [0x81], op.stop)), /unsupported pickle opcode NEWOBJ/);
    expectRefused(torchZip(pickle(op.proto2, [0x82, 1], op.stop)), /unsupported pickle opcode EXT1/);
    expectRefused(torchZip(pickle(op.proto2, [0xfe], op.stop)), /unsupported pickle opcode 0xfe/);
  });

  it('only calls allowlisted callables', () => {
    // REDUCE on a list, on a storage class, BUILD on a list (pickleparser would Object.assign).
    expectRefused(torchZip(pickle(op.proto2, op.emptyList, op.emptyTuple, op.reduce, op.stop)), /REDUCE of something that is not a global/);
    expectRefused(torchZip(pickle(op.proto2, op.global('torch', 'FloatStorage'), op.emptyTuple, op.reduce, op.stop)), /torch\.FloatStorage is not callable/);
    expectRefused(torchZip(pickle(op.proto2, op.emptyList, op.emptyDict, op.str('__setstate__'), op.int(1), [0x73], op.build, op.stop)), /BUILD .* only allowed on dicts/);
  });

  it('refuses storage keys that could escape data/', () => {
    expectRefused(torchZip(statePickle([{ key: 'w', storage: '../data.pkl', numel: 1, size: [1] }])), /invalid key/);
  });

  it('refuses persistent ids that are not storage references', () => {
    expectRefused(torchZip(pickle(op.proto2, op.str('x'), op.persid, op.stop)), /unsupported persistent id/);
  });

  it('refuses malformed pickles with a position', () => {
    expectRefused(torchZip(pickle(op.proto2, op.tuple, op.stop)), /malformed or unsupported pickle at byte 2: no MARK/);
    expectRefused(torchZip(pickle(op.proto2, op.str('abc'))), /unexpected end of data/);
    expectRefused(torchZip(pickle(op.proto2, [0x68, 9], op.stop)), /memo key 9 is not set/);
  });
});

describe('refuses lying shapes and sizes', () => {
  it('refuses a shape that claims more elements than its storage holds', () => {
    expectRefused(fixture('shape_overflow.pth'), /tensor 'w': shape \[100\] .* reaches beyond its storage, which holds 4 float32 elements/);
  });

  it('refuses an offset/stride that runs past the end of the storage', () => {
    expectRefused(fixture('offset_overflow.pth'), /tensor 'w': shape \[2, 2\] \(stride \[2, 1\], offset 2\) reaches beyond/);
  });

  it('refuses an astronomically large shape without allocating', () => {
    expectRefused(fixture('huge_shape.pth'), /tensor 'w': shape \[1099511627776, 1099511627776\] is larger than/);
  });

  it('refuses a storage record whose size disagrees with data.pkl', () => {
    expectRefused(fixture('storage_size_mismatch.pth'), /data\/0 has 8 bytes but data\.pkl declares 4 float32 elements \(16 bytes\)/);
  });

  it('refuses a reference to a missing storage record', () => {
    expectRefused(fixture('missing_storage.pth'), /checkpoint is missing tensor data missing_storage\/data\/7/);
  });

  it('refuses a non-float parameter, naming the key', () => {
    const pkl = statePickle([{ key: 'fc.weight', storageType: 'LongStorage', numel: 2, size: [2] }]);
    expectRefused(torchZip(pkl, { '0': new Uint8Array(16) }), /tensor 'fc\.weight' has dtype int64/);
  });

  it('refuses a key that appears both with and without module.', () => {
    const pkl = statePickle([
      { key: 'w', numel: 1, size: [1] },
      { key: 'module.w', numel: 1, size: [1] },
    ]);
    expectRefused(torchZip(pkl, { '0': f32bytes(1) }), /both 'w' and 'module\.w'/);
  });

  it('refuses a checkpoint with no weights, listing its keys', () => {
    expectRefused(torchZip(statePickle([])), /contains no weight tensors/);
    const pkl = pickle(op.proto2, op.emptyDict, op.str('state_dict_ema'), op.emptyDict, [0x73], op.stop);
    expectRefused(torchZip(pkl), /entry 'state_dict_ema' is a dict, not a tensor \(top-level keys: state_dict_ema\)/);
  });
});

describe('refuses broken containers', () => {
  it('refuses a truncated zip', () => {
    expectRefused(fixture('truncated.pth'), /corrupt or truncated zip archive/);
  });

  it('detects a flipped bit through the CRC', () => {
    expectRefused(fixture('corrupt_crc.pth'), /CRC mismatch in flat\/data\/0/);
  });

  it('explains the legacy (pre-1.6) torch.save format', () => {
    expectRefused(fixture('legacy.pth'), /legacy \(pre-1\.6, non-zip\) torch\.save format.*re-save it with torch>=1\.6/);
  });

  it('refuses a zip bomb by its declared size, before inflating', () => {
    const zip = patchDeclaredSize(torchZip(statePickle([]), { '0': new Uint8Array(16) }, 6), 'archive/data/0', 0xfffffff0);
    // Through readCheckpoint, data.pkl's own size check fires first...
    const pkl = statePickle([{ key: 'w', numel: 4, size: [4] }]);
    expectRefused(patchDeclaredSize(torchZip(pkl, { '0': new Uint8Array(16) }, 6), 'archive/data/0', 0xfffffff0), /data\/0 has 4294967280 bytes but data\.pkl declares 4 float32/);
    expectRefused(patchDeclaredSize(torchZip(pkl, {}, 6), 'archive/data.pkl', 0x7ffffff0), /data\.pkl is 2147483632 bytes — too large for a state_dict/);
    // ...and the zip layer refuses on its own, before allocating anything.
    const archive = ZipArchive.open(zip);
    expect(() => archive.read(archive.entries.get('archive/data/0')!)).toThrow(/zip entry archive\/data\/0 declares 4294967280 bytes, over the/);
  });

  it('stops inflating an entry that outgrows its declared size', () => {
    const zip = torchZip(statePickle([{ key: 'w', numel: 4, size: [4] }]), { '0': new Uint8Array(1 << 20) }, 6);
    // data.pkl is fine; the storage claims 16 bytes (so data.pkl agrees) but inflates to 1 MiB.
    expectRefused(patchDeclaredSize(zip, 'archive/data/0', 16), /archive\/data\/0 decompresses to more than its declared 16 bytes/);
  });

  it('refuses a zip without data.pkl, random bytes, a plain pickle, and an empty file', () => {
    expectRefused(zipSync({ 'readme.txt': enc.encode('hi') }), /no <folder>\/data\.pkl/);
    expectRefused(enc.encode('hello, I am not a checkpoint at all'), /not a recognised checkpoint/);
    expectRefused(pickle(op.proto2, op.emptyDict, op.stop), /plain Python pickle/);
    expectRefused(new Uint8Array(0), /not a recognised checkpoint/);
  });

  it('prefixes messages with the file name when given', () => {
    const err = expectRefused(fixture('malicious_os_system.pth'), /^evil\.pth: checkpoint references a disallowed Python global: os\.system$/, 'evil.pth');
    expect(err.name).toBe('CheckpointError');
  });
});

describe('unpickle', () => {
  const noHooks = {
    resolveGlobal: (m: string, n: string): PyGlobal => {
      throw new CheckpointError(`no ${m}.${n}`);
    },
    persistentLoad: (): unknown => {
      throw new CheckpointError('no pid');
    },
  };

  it('decodes integers and floats like Python', () => {
    const long1 = (...b: number[]): Uint8Array => pickle(op.proto2, [0x8a, b.length, ...b], op.stop);
    expect(unpickle(long1(0xff), noHooks)).toBe(-1);
    expect(unpickle(long1(0x00, 0x80), noHooks)).toBe(-32768); // two's complement, as Python
    expect(unpickle(long1(0x00, 0x80, 0x00), noHooks)).toBe(32768);
    expect(unpickle(long1(0, 0, 0, 0, 0, 1), noHooks)).toBe(2 ** 40);
    expect(unpickle(long1(), noHooks)).toBe(0);
    expect(unpickle(long1(...new Array(8).fill(0xff).map((x, i) => (i === 7 ? 0x7f : x))), noHooks)).toBe(2n ** 63n - 1n);
    expect(unpickle(pickle(op.proto2, op.int(-5), op.stop), noHooks)).toBe(-5);
    expect(unpickle(pickle(op.proto2, [0x47, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a], op.stop), noHooks)).toBe(0.1);
  });

  it('keeps "__proto__" as plain dict data', () => {
    const d = unpickle(pickle(op.proto2, op.emptyDict, op.str('__proto__'), op.emptyList, [0x73], op.stop), noHooks) as Map<string, unknown>;
    expect(d).toBeInstanceOf(Map);
    expect(d.get('__proto__')).toEqual([]);
    expect(Object.getPrototypeOf(d)).toBe(Map.prototype);
  });
});

// --- against live PyTorch -----------------------------------------------------------------

const PYTHON = '/usr/bin/python3';
const MISSING_TORCH = missingPython(['torch']);
const HAVE_TORCH = MISSING_TORCH === null;
if (MISSING_TORCH) console.warn(`checkpoint.test: ${MISSING_TORCH} — skipping the live PyTorch checks (static fixtures still run)`);
const itTorch = HAVE_TORCH ? it : it.skip;

// Saves GhostNetV2 1.0 the way the official/training checkpoints look, plus variants; writes the
// cleaned float32 state_dict (keys in order + raw little-endian bytes) as the expected answer.
const MAKE_LIVE = String.raw`
import collections, json, sys, torch
sys.path.insert(0, sys.argv[1] + '/tools/reference')
from ghostnetv2 import GhostNetV2
out = sys.argv[2]
torch.manual_seed(0)
model = GhostNetV2(num_classes=1000, width=1.0)
for m in model.modules():
    if isinstance(m, torch.nn.BatchNorm2d):
        m.running_mean.uniform_(-1, 1); m.running_var.uniform_(0.5, 2); m.num_batches_tracked.fill_(1234)
    m.register_buffer('total_ops', torch.zeros(1, dtype=torch.float64))  # as thop.profile leaves them
    m.register_buffer('total_params', torch.zeros(1, dtype=torch.float64))
dp = torch.nn.DataParallel(model)
torch.save({'epoch': 300, 'state_dict': dp.state_dict()}, out + '/ghostnetv2.pth.tar')
torch.save(model.state_dict(), out + '/ghostnetv2_p4.pth', pickle_protocol=4)
clean = collections.OrderedDict((k, v.clone()) for k, v in model.state_dict().items() if 'total' not in k and 'num_batches_tracked' not in k)
half = collections.OrderedDict((k, v.half().float()) for k, v in clean.items())
torch.save(model.half().state_dict(), out + '/ghostnetv2_half.pth')
n_total = sum('total' in k for k in model.state_dict())
json.dump({'keys': list(clean), 'shapes': [list(v.shape) for v in clean.values()], 'n_total': n_total}, open(out + '/expected.json', 'w'))
for name, sd in (('expected.bin', clean), ('expected_half.bin', half)):
    with open(out + '/' + name, 'wb') as f:
        for v in sd.values():
            f.write(v.contiguous().numpy().tobytes())
torch.save({'w': torch.ones(2)}, out + '/legacy.pth', _use_new_zipfile_serialization=False)
`;

describe('against PyTorch (live)', () => {
  let dir = '';
  beforeAll(() => {
    if (!HAVE_TORCH) return;
    dir = mkdtempSync(join(tmpdir(), 'ghostnet-ckpt-'));
    const r = spawnSync(PYTHON, ['-c', MAKE_LIVE, REPO, dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`making live checkpoints failed:\n${r.stderr}`);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const read = (name: string): StateDict => readCheckpoint(new Uint8Array(readFileSync(join(dir, name))), name);

  function expectLive(sd: StateDict, binName: string): void {
    const exp = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { keys: string[]; shapes: number[][]; n_total: number };
    expect(exp.n_total).toBeGreaterThan(100);
    expect([...sd.keys()]).toEqual(exp.keys);
    expect([...sd.values()].map((t) => t.shape)).toEqual(exp.shapes);
    const bin = readFileSync(join(dir, binName));
    let at = 0;
    for (const [key, t] of sd) {
      const want = new Uint8Array(bin.buffer, bin.byteOffset + at, t.data.byteLength);
      const got = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      if (Buffer.compare(Buffer.from(want), Buffer.from(got)) !== 0) expect.fail(`${key} differs from PyTorch`);
      at += t.data.byteLength;
    }
    expect(at).toBe(bin.length);
  }

  itTorch("GhostNetV2 as {'state_dict': DataParallel(...)} with thop buffers matches PyTorch bit for bit", () => {
    expectLive(read('ghostnetv2.pth.tar'), 'expected.bin');
  });

  itTorch('pickle protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL) reads the same', () => {
    expectLive(read('ghostnetv2_p4.pth'), 'expected.bin');
  });

  itTorch('a float16 checkpoint widens exactly', () => {
    expectLive(read('ghostnetv2_half.pth'), 'expected_half.bin');
  });

  itTorch('a legacy-format save is refused with instructions', () => {
    expectRefused(new Uint8Array(readFileSync(join(dir, 'legacy.pth'))), /legacy .*torch>=1\.6/);
  });
});
