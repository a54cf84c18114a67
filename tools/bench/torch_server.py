#!/usr/bin/python3
"""PyTorch contender for `npm run bench`: a persistent child process, so that its inferences can be
interleaved round-robin with the JavaScript contenders.

    /usr/bin/python3 tools/bench/torch_server.py --checkpoint ck.pth.tar --width 1.0 --classes 1000 \
        --input input.npy [--threads 1]

Eager float32, eval mode, torch.no_grad(), ONE intra-op and ONE inter-op thread. The model is
tools/reference/ghostnetv2.py loaded with reference_outputs.load_model (strict). The input is the
first image of --input ([N,3,S,S] float32, normalized), made into a contiguous [1,3,S,S] tensor once.

Line protocol on stdin/stdout (one line each way per command):
  (start-up)  -> `ready {json}`     versions, thread counts, input shape
  run         -> `ms <float>`       one inference, timed here with time.perf_counter
  logits      -> `logits {json}`    the logits of one inference, as a JSON list
  quit        -> exits 0
Anything else -> `error <message>`. Diagnostics go to stderr only.
"""
import argparse
import json
import os
import sys
import time

# Before importing torch, so OpenMP/MKL pools are created with one thread.
for var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'):
    os.environ.setdefault(var, '1')

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'reference'))
from reference_outputs import load_model  # noqa: E402


def blas_libraries():
    """The BLAS/LAPACK shared objects this process actually mapped (Debian swaps them via alternatives)."""
    libs = set()
    try:
        with open('/proc/self/maps') as f:
            for line in f:
                path = line.split()[-1]
                name = os.path.basename(path)
                if ('blas' in name or 'lapack' in name or 'mkl' in name) and '.so' in name:
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(libs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--checkpoint', required=True)
    ap.add_argument('--width', type=float, required=True)
    ap.add_argument('--classes', type=int, required=True)
    ap.add_argument('--input', required=True)
    ap.add_argument('--threads', type=int, default=1)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set (cannot happen in a fresh process, but never fatal)
        pass
    model = load_model(a.checkpoint, a.width, a.classes)
    x = np.load(a.input).astype(np.float32)
    assert x.ndim == 4 and x.shape[1] == 3, x.shape
    xt = torch.from_numpy(np.ascontiguousarray(x[:1]))

    out = sys.stdout

    def say(line):
        out.write(line + '\n')
        out.flush()

    say('ready ' + json.dumps({
        'torch': torch.__version__,
        'numpy': np.__version__,
        'python': sys.version.split()[0],
        'intra_op_threads': torch.get_num_threads(),
        'inter_op_threads': torch.get_num_interop_threads(),
        'mkldnn': bool(torch.backends.mkldnn.is_available()),
        'config': torch.__config__.parallel_info().splitlines()[:3],
        'blas_info': next((p.split('=', 1)[1] for p in torch.__config__.show().replace(',', ' ').split() if p.startswith('BLAS_INFO=')), None),
        'blas_libraries': blas_libraries(),
        'input_shape': list(xt.shape),
    }))

    with torch.no_grad():
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == 'run':
                t0 = time.perf_counter()
                model(xt)
                t1 = time.perf_counter()
                say(f'ms {(t1 - t0) * 1e3:.6f}')
            elif cmd == 'logits':
                y = model(xt)[0].float().numpy()
                say('logits ' + json.dumps([float(v) for v in y]))
            elif cmd == 'quit':
                return
            elif cmd:
                say(f'error unknown command {cmd!r}')


if __name__ == '__main__':
    main()
