#!/usr/bin/env bash
# Full-size synthetic checkpoints + reference outputs (NOT committed; CI uses them when torch is there).
#   bash tools/reference/make_large.sh OUTDIR [--photos DIR]
# Writes, at 224x224 with 1000 classes:
#   ck_w10.pth.tar, ck_w13.pth.tar     flat state_dicts with thop entries (like ck_ghostnetv2_10/13.pth.tar)
#   ck_w10_module.pth.tar              the w1.0 weights with 'module.' keys (nn.DataParallel), flat
#   ck_w10.safetensors                 the w1.0 weights as safetensors (F32, no thop/num_batches_tracked)
#   ck_w10.onnx                        opset 13, batch 1 (export_onnx.py)
#   inputs_s224.npy                    [4,3,224,224] synthetic inputs (seed 224)
#   logits_w10.npy features_w10.npy logits_w13.npy features_w13.npy
#   with --photos DIR: photos_s224.npy [P,3,224,224] + photos_s224.names.json (file order, pipeline,
#   resize/crop per image), photos_logits_w10.npy, photos_top5_w10.json, photos_logits_w13.npy,
#   photos_top5_w13.json, photos_features_w10.npy, photos_features_w13.npy
#   MANIFEST.txt                       sizes, timings, thop count
# Needs Debian's python3-torch (1.13): always /usr/bin/python3.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY=/usr/bin/python3
export OMP_NUM_THREADS=2

OUT=""
PHOTOS=""
CALIB=256
while [ $# -gt 0 ]; do
  case "$1" in
    --photos) PHOTOS="$2"; shift 2 ;;
    --calib) CALIB="$2"; shift 2 ;;
    -h|--help) sed -n 2,17p "$0"; exit 0 ;;
    *) if [ -z "$OUT" ]; then OUT="$1"; shift; else echo "unexpected argument $1" >&2; exit 2; fi ;;
  esac
done
[ -n "$OUT" ] || { echo "usage: make_large.sh OUTDIR [--photos DIR] [--calib N]" >&2; exit 2; }
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
cd "$ROOT"
LOG="$OUT/MANIFEST.txt"
: > "$LOG"
T0=$(date +%s%N)
secs() { awk -v n="$1" -v a="$2" -v b="$(date +%s%N)" 'BEGIN { printf "%-28s %7.1f s\n", n, (b - a) / 1e9 }'; }
step() {  # step NAME cmd...
  local name="$1"; shift
  local t=$(date +%s%N)
  "$@"
  secs "$name" "$t" | tee -a "$LOG"
}

step "ck_w10 (+safetensors)" $PY "$HERE/make_checkpoint.py" --width 1.0 --classes 1000 --size 224 --seed 10 \
    --calib "$CALIB" --thop --out "$OUT/ck_w10.pth.tar" --safetensors "$OUT/ck_w10.safetensors"
step "ck_w13" $PY "$HERE/make_checkpoint.py" --width 1.3 --classes 1000 --size 224 --seed 13 \
    --calib "$CALIB" --thop --out "$OUT/ck_w13.pth.tar"
step "ck_w10_module" $PY "$HERE/make_checkpoint.py" --width 1.0 --classes 1000 --size 224 \
    --init-from "$OUT/ck_w10.pth.tar" --thop --wrap module --out "$OUT/ck_w10_module.pth.tar"
step "outputs w10" $PY "$HERE/reference_outputs.py" --checkpoint "$OUT/ck_w10.pth.tar" --width 1.0 --classes 1000 \
    --size 224 --count 4 --seed 224 --write-inputs "$OUT/inputs_s224.npy" \
    --out-logits "$OUT/logits_w10.npy" --out-features "$OUT/features_w10.npy" --out-top5 "$OUT/top5_w10.json"
step "outputs w13" $PY "$HERE/reference_outputs.py" --checkpoint "$OUT/ck_w13.pth.tar" --width 1.3 --classes 1000 \
    --npy-in "$OUT/inputs_s224.npy" \
    --out-logits "$OUT/logits_w13.npy" --out-features "$OUT/features_w13.npy" --out-top5 "$OUT/top5_w13.json"
if [ -n "$PHOTOS" ]; then
  step "photos w10" $PY "$HERE/reference_outputs.py" --checkpoint "$OUT/ck_w10.pth.tar" --width 1.0 --classes 1000 \
      --photos "$PHOTOS" --photo-size 224 --write-inputs "$OUT/photos_s224.npy" \
      --out-logits "$OUT/photos_logits_w10.npy" --out-features "$OUT/photos_features_w10.npy" \
      --out-top5 "$OUT/photos_top5_w10.json"
  step "photos w13" $PY "$HERE/reference_outputs.py" --checkpoint "$OUT/ck_w13.pth.tar" --width 1.3 --classes 1000 \
      --npy-in "$OUT/photos_s224.npy" \
      --out-logits "$OUT/photos_logits_w13.npy" --out-features "$OUT/photos_features_w13.npy" \
      --out-top5 "$OUT/photos_top5_w13.json"
  # the top-5 of --npy-in runs have no names: take them from names.json
  $PY - "$OUT" <<'EOF'
import json, os, sys
out = sys.argv[1]
names = json.load(open(os.path.join(out, 'photos_s224.names.json')))['names']
p = os.path.join(out, 'photos_top5_w13.json')
t = json.load(open(p))
for e, n in zip(t, names):
    e['name'] = n
json.dump(t, open(p, 'w'), indent=1)
EOF
fi
step "onnx w10" $PY "$HERE/export_onnx.py" --checkpoint "$OUT/ck_w10.pth.tar" --width 1.0 --classes 1000 \
    --size 224 --out "$OUT/ck_w10.onnx"

# checks: thop count of the w1.0 file, module variant and safetensors give the same logits
$PY - "$OUT" <<'EOF' | tee -a "$LOG"
import os, sys
import numpy as np, torch
sys.path.insert(0, 'tools/reference')
from ghostnetv2 import GhostNetV2, clean_state_dict
from make_checkpoint import load_any
out = sys.argv[1]
for w in ('10', '13'):
    sd = torch.load(os.path.join(out, f'ck_w{w}.pth.tar'))
    n = sum(1 for k in sd if k.split('.')[-1] in ('total_ops', 'total_params'))
    nbt = sum(1 for k in sd if k.endswith('num_batches_tracked'))
    print(f'ck_w{w}.pth.tar: {len(sd)} entries, thop entries {n}, num_batches_tracked {nbt}')
    if w == '10':
        assert n == 178, n
x = torch.from_numpy(np.load(os.path.join(out, 'inputs_s224.npy')))
ref = np.load(os.path.join(out, 'logits_w10.npy'))
for f in ('ck_w10_module.pth.tar', 'ck_w10.safetensors'):
    m = GhostNetV2(1000, 1.0)
    m.load_state_dict(clean_state_dict(load_any(os.path.join(out, f))), strict=True)
    with torch.no_grad():
        d = np.abs(m.eval()(x).numpy() - ref).max()
    assert d == 0.0, (f, d)
    print(f'{f}: logits identical to ck_w10.pth.tar')
EOF

times > "$OUT/.times"  # in this shell (not a subshell): line 2 = CPU time of all children
{
  secs TOTAL "$T0"
  echo "CPU time of children (user sys): $(tail -1 "$OUT/.times")"
  echo "torch $($PY -c 'import torch; print(torch.__version__)'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), calib $CALIB images"
  echo
  rm -f "$OUT/.times"
  ( cd "$OUT" && ls -l --time-style=+ | awk 'NR>1 {printf "%12d  %s\n", $5, $NF}' )
} | tee -a "$LOG"
