"""Generate the small checkpoint fixtures for test/node/checkpoint.test.ts.

    /usr/bin/python3 tools/reference/make_reader_fixtures.py [out_dir]

Writes into test/fixtures/checkpoint/ (by default): real torch.save files covering the reader's
normalisation rules, a safetensors file written by hand, and hostile/broken files. Expected
values go to expected.json as float32 bit patterns (exact, and NaN/inf/-0 survive JSON).
Hostile pickles are assembled byte by byte: nothing callable is ever pickled.
Needs Debian's torch (/usr/bin/python3). Output is deterministic.
"""
import collections
import io
import json
import os
import pickle
import pickletools
import struct
import sys
import zipfile

import torch

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'checkpoint')
os.makedirs(OUT, exist_ok=True)
expected = {}


def path(name):
    return os.path.join(OUT, name)


def bits(t):
    """float32 bit patterns of a tensor's values (as the reader must return them), row-major."""
    f = t.detach().to(torch.float32).contiguous().reshape(-1)
    return [v & 0xFFFFFFFF for v in f.view(torch.int32).tolist()]


def expect(name, state_dict):
    """Record what readCheckpoint must return: keys in order, shapes, float32 bits."""
    expected[name] = {k: {'shape': list(t.shape), 'bits': bits(t)} for k, t in state_dict.items()}


def torch_zip(name, stem, records):
    """A torch.save-style zip (STORED, fixed timestamps) from {relative_name: bytes}."""
    with zipfile.ZipFile(path(name), 'w', zipfile.ZIP_STORED) as z:
        for rel, data in records.items():
            info = zipfile.ZipInfo(f'{stem}/{rel}', date_time=(1980, 1, 1, 0, 0, 0))
            z.writestr(info, data)


# --- 1. flat OrderedDict: every dtype, views, shared storage, entries to drop ---------------
base = torch.arange(20, dtype=torch.float32)
flat = collections.OrderedDict()
flat['conv.weight'] = (torch.arange(24, dtype=torch.float32) * 0.25 - 3).reshape(2, 3, 2, 2)
flat['conv.bias'] = torch.tensor([0.1, -0.2], dtype=torch.float32)
flat['half.weight'] = torch.tensor(
    [0.0, -0.0, 1.0, -2.5, 65504.0, 6.103515625e-05, 5.960464477539063e-08, 0.1, float('inf'), float('-inf'), float('nan')],
    dtype=torch.float16)
flat['bf16.weight'] = torch.tensor([1.0, -3.140625, 1e30, 0.1, float('inf')], dtype=torch.bfloat16)
flat['double.weight'] = torch.tensor([0.1, 1 / 3, 1e300, -1e-50, 3.4028234663852886e38], dtype=torch.float64)
flat['transposed'] = torch.arange(6, dtype=torch.float32).reshape(2, 3).t()  # stride (1, 3)
flat['shared.base'] = base
flat['shared.view'] = base[2:8].view(2, 3)  # storage offset 2
flat['shared.strided'] = base[10:20:3]  # offset 10, stride 3
flat['expanded'] = torch.arange(3, dtype=torch.float32).expand(2, 3)  # stride (0, 1)
flat['scalar'] = torch.tensor(3.5)
flat['empty'] = torch.zeros(0, 3)
flat['bn.running_mean'] = torch.tensor([0.5, -0.5, 2.0])
flat['bn.num_batches_tracked'] = torch.tensor(7)
flat['bn.total_ops'] = torch.zeros(1, dtype=torch.float64)
flat['bn.total_params'] = torch.zeros(1, dtype=torch.float64)
flat['total_ops'] = torch.tensor([123.0], dtype=torch.float64)
flat['total_params'] = torch.tensor([456.0], dtype=torch.float64)
flat._metadata = collections.OrderedDict({'': {'version': 1}, 'bn': {'version': 2}})  # as Module.state_dict() sets it
assert not flat['transposed'].is_contiguous()
assert flat['shared.view'].storage_offset() == 2
torch.save(flat, path('flat.pth'))
expect('flat.pth', {k: v for k, v in flat.items() if 'total' not in k and 'num_batches_tracked' not in k})

# --- 2. {'state_dict': DataParallel-prefixed, ...training extras} --------------------------
inner = collections.OrderedDict()
inner['module.conv.weight'] = torch.linspace(-1, 1, 8).reshape(2, 1, 2, 2)
inner['module.bn.weight'] = torch.tensor([1.5, 0.25])
inner['module.bn.running_var'] = torch.tensor([0.75, 2.0])
inner['module.bn.num_batches_tracked'] = torch.tensor(100)
inner['module.bn.total_ops'] = torch.zeros(1, dtype=torch.float64)
inner['module.total_params'] = torch.zeros(1, dtype=torch.float64)
optimizer = {'state': {0: {'momentum_buffer': torch.ones(2)}}, 'param_groups': [{'lr': 0.1, 'momentum': 0.9, 'params': [0, 1]}]}
torch.save({'epoch': 3, 'arch': 'ghostnetv2', 'state_dict': inner, 'best_acc1': 75.25, 'optimizer': optimizer},
           path('wrapped_state_dict.pth'))
expect('wrapped_state_dict.pth', {k[len('module.'):]: v for k, v in inner.items()
                                  if 'total' not in k and 'num_batches_tracked' not in k})

# --- 3. {'model': ...} saved in half precision ------------------------------------------------
model_sd = collections.OrderedDict()
model_sd['classifier.weight'] = (torch.arange(6, dtype=torch.float32) / 7).reshape(2, 3).half()
model_sd['classifier.bias'] = torch.tensor([-1.0, 1.0]).half()
torch.save({'model': model_sd, 'epoch': 1}, path('model_wrapped.pth'))
expect('model_wrapped.pth', model_sd)

# --- 4. safetensors, written by hand -------------------------------------------------------
st_tensors = collections.OrderedDict()
st_tensors['a'] = torch.tensor([[1.0, 2.0], [3.0, -4.5]])
st_tensors['b'] = torch.tensor([0.5, -1.0, 65504.0], dtype=torch.float16)
st_tensors['c'] = torch.tensor([2.0, -0.1], dtype=torch.bfloat16)
st_tensors['d'] = torch.tensor([0.1, 2.0], dtype=torch.float64)
st_tensors['bn.num_batches_tracked'] = torch.tensor(5)
ST_DTYPE = {torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.float64: 'F64', torch.int64: 'I64'}


def write_safetensors(name, tensors, corrupt_offsets=False):
    header, blobs, offset = {'__metadata__': {'format': 'pt'}}, [], 0
    for k, t in tensors.items():
        raw = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b''
        end = offset + len(raw)
        header[k] = {'dtype': ST_DTYPE[t.dtype], 'shape': list(t.shape),
                     'data_offsets': [offset, end + 400 if corrupt_offsets else end]}
        blobs.append(raw)
        offset = end
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)  # the reference writer pads the header to 8 bytes
    with open(path(name), 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


write_safetensors('tensors.safetensors', st_tensors)
expect('tensors.safetensors', {k: v for k, v in st_tensors.items() if k != 'bn.num_batches_tracked'})
write_safetensors('bad_offsets.safetensors', collections.OrderedDict([('w', torch.ones(4))]), corrupt_offsets=True)

# --- 5. hostile pickles, assembled by hand --------------------------------------------------
VERSION = b'3\n'
# os.system('id') via GLOBAL + REDUCE: PROTO 2, GLOBAL 'os system', BINUNICODE 'id', TUPLE1, REDUCE, STOP.
evil_global = b'\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.'
torch_zip('malicious_os_system.pth', 'malicious_os_system', {'data.pkl': evil_global, 'version': VERSION})
# builtins.eval via STACK_GLOBAL (protocol 4): PROTO 4, SHORT_BINUNICODE x2, STACK_GLOBAL, ..., REDUCE.
evil_stack = (b'\x80\x04\x8c\x08builtins\x94\x8c\x04eval\x94\x93\x94'
              b'\x8c\x10__import__("os")\x94\x85\x94R\x94.')
torch_zip('malicious_stack_global.pth', 'archive', {'data.pkl': evil_stack, 'version': VERSION})
# A legitimate-looking OrderedDict whose second value is posix.system('touch /tmp/pwned').
evil_late = (b'\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01('
             b'X\x01\x00\x00\x00aK\x01'
             b'X\x04\x00\x00\x00evilcposix\nsystem\nX\x10\x00\x00\x00touch /tmp/pwned\x85R'
             b'u.')
torch_zip('malicious_late.pth', 'malicious_late', {'data.pkl': evil_late, 'version': VERSION})
for name, data in [('malicious_os_system.pth', evil_global), ('malicious_stack_global.pth', evil_stack),
                   ('malicious_late.pth', evil_late)]:
    pickletools.dis(data, out=io.StringIO())  # well-formed (disassembled only, never loaded)


# --- 6. structurally torch-like pickles with lying shapes --------------------------------
class _Storage:
    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class _Tensor:
    """Pickles as torch._utils._rebuild_tensor_v2(...) by reference; nothing is constructed."""

    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return ('storage', torch.FloatStorage, obj.key, 'cpu', obj.numel)
        return None


def crafted(name, tensors, storages):
    buf = io.BytesIO()
    _Pickler(buf, protocol=2).dump(collections.OrderedDict(tensors))
    records = {'data.pkl': buf.getvalue()}
    records.update({f'data/{k}': v for k, v in storages.items()})
    records['version'] = VERSION
    torch_zip(name, name.split('.')[0], records)


four = struct.pack('<4f', 1, 2, 3, 4)
s4 = _Storage('0', 4)
crafted('shape_overflow.pth', [('w', _Tensor(s4, 0, (100,), (1,)))], {'0': four})
crafted('offset_overflow.pth', [('w', _Tensor(s4, 2, (2, 2), (2, 1)))], {'0': four})
crafted('huge_shape.pth', [('w', _Tensor(s4, 0, (1 << 40, 1 << 40), (0, 0)))], {'0': four})
crafted('storage_size_mismatch.pth', [('w', _Tensor(_Storage('0', 4), 0, (4,), (1,)))], {'0': four[:8]})
crafted('missing_storage.pth', [('w', _Tensor(_Storage('7', 4), 0, (4,), (1,)))], {'0': four})
crafted('crafted_ok.pth', [('w', _Tensor(s4, 1, (3,), (1,)))], {'0': four})
expected['crafted_ok.pth'] = {'w': {'shape': [3], 'bits': bits(torch.tensor([2.0, 3.0, 4.0]))}}

# --- 7. broken containers -------------------------------------------------------------------
whole = open(path('flat.pth'), 'rb').read()
with open(path('truncated.pth'), 'wb') as f:
    f.write(whole[:len(whole) // 2])
# One flipped bit inside conv.weight's storage: the zip is intact, the CRC is not.
with zipfile.ZipFile(path('flat.pth')) as z:
    info = z.getinfo('flat/data/0')
    local = info.header_offset
    name_len, extra_len = struct.unpack('<HH', whole[local + 26:local + 30])
    data_at = local + 30 + name_len + extra_len
corrupt = bytearray(whole)
corrupt[data_at + 5] ^= 0x10
with open(path('corrupt_crc.pth'), 'wb') as f:
    f.write(bytes(corrupt))

torch.save({'w': torch.ones(2)}, path('legacy.pth'), _use_new_zipfile_serialization=False)

with open(path('expected.json'), 'w') as f:  # one line per tensor
    files = []
    for fname, tensors in expected.items():
        rows = [f'    {json.dumps(k)}: {json.dumps(v)}' for k, v in tensors.items()]
        files.append(f'  {json.dumps(fname)}: {{\n' + ',\n'.join(rows) + '\n  }')
    f.write('{\n' + ',\n'.join(files) + '\n}\n')
for n in sorted(os.listdir(OUT)):
    print(f'{os.path.getsize(path(n)):8d}  {n}')
