#!/usr/bin/env bash
# Full-size synthetic GhostNetV1 / GhostNetV3 checkpoints + PyTorch reference outputs at 224x224,
# 1000 classes (NOT committed; test/node/torch-family.test.ts makes them when torch is there).
#   bash tools/reference/make_large_family.sh OUTDIR [--photos DIR] [--calib N]
# Writes:
#   v3_w10_timm.safetensors      GhostNetV3-1.0, training-time multi-branch, timm keys (ghostnetv3_100.in1k layout)
#   v3_w10_official.pth.tar      the same weights with the official release's keys ({'state_dict': ...}, branch BN `bn`)
#   v3_w10_deploy.safetensors    the same weights re-parameterized by the reference (timm reparameterize_model keys)
#   v3_w13_timm.safetensors      GhostNetV3-1.3, training-time, timm keys
#   v1_w10.pth.tar               GhostNetV1-1.0, official layout (flat state_dict, like state_dict_73.98.pth)
#   v1_w10_timm.safetensors      the same weights as safetensors (timm ghostnet_100 keys are the official ones)
#   photos_s224.npy (+ .names.json)  the photos, Pillow/torchvision-preprocessed (with --photos)
#   photos_logits_{v3_w10,v3_w13,v1_w10}.npy  PyTorch logits of the training-time networks on them
#   reparam_v3_w10.json, reparam_v3_w13.json  multi-branch vs re-parameterized PyTorch logits (max |Δ| / max |logit|)
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
    *) if [ -z "$OUT" ]; then OUT="$1"; shift; else echo "unexpected argument $1" >&2; exit 2; fi ;;
  esac
done
[ -n "$OUT" ] || { echo "usage: make_large_family.sh OUTDIR [--photos DIR] [--calib N]" >&2; exit 2; }
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
cd "$ROOT"
MK="$HERE/make_checkpoint.py"
RO="$HERE/reference_outputs.py"
T0=$(date +%s)
L=(--classes 1000 --size 224 --calib "$CALIB")

$PY "$MK" --arch v3 --width 1.0 "${L[@]}" --seed 103 --out "$OUT/.v3_w10.pth.tar" --safetensors "$OUT/v3_w10_timm.safetensors"
rm -f "$OUT/.v3_w10.pth.tar"
$PY "$MK" --arch v3 --width 1.0 "${L[@]}" --init-from "$OUT/v3_w10_timm.safetensors" --layout official --wrap state_dict --out "$OUT/v3_w10_official.pth.tar"
$PY "$MK" --arch v3 --width 1.0 "${L[@]}" --init-from "$OUT/v3_w10_timm.safetensors" --form deploy --out "$OUT/.v3_w10_deploy.pth.tar" --safetensors "$OUT/v3_w10_deploy.safetensors"
rm -f "$OUT/.v3_w10_deploy.pth.tar"
$PY "$MK" --arch v3 --width 1.3 "${L[@]}" --seed 133 --out "$OUT/.v3_w13.pth.tar" --safetensors "$OUT/v3_w13_timm.safetensors"
rm -f "$OUT/.v3_w13.pth.tar"
$PY "$MK" --arch v1 --width 1.0 "${L[@]}" --seed 101 --out "$OUT/v1_w10.pth.tar" --safetensors "$OUT/v1_w10_timm.safetensors"

if [ -n "$PHOTOS" ]; then
  $PY "$RO" --arch v3 --checkpoint "$OUT/v3_w10_timm.safetensors" --width 1.0 --classes 1000 --photos "$PHOTOS" --photo-size 224 \
      --write-inputs "$OUT/photos_s224.npy" --out-logits "$OUT/photos_logits_v3_w10.npy"
  $PY "$RO" --arch v3 --checkpoint "$OUT/v3_w13_timm.safetensors" --width 1.3 --classes 1000 --npy-in "$OUT/photos_s224.npy" \
      --out-logits "$OUT/photos_logits_v3_w13.npy"
  $PY "$RO" --arch v1 --checkpoint "$OUT/v1_w10.pth.tar" --width 1.0 --classes 1000 --npy-in "$OUT/photos_s224.npy" \
      --out-logits "$OUT/photos_logits_v1_w10.npy"
  for w in 10 13; do
    $PY "$HERE/check_v3_reparam.py" --checkpoint "$OUT/v3_w${w}_timm.safetensors" --width "${w:0:1}.${w:1}" \
        --inputs "$OUT/photos_s224.npy" --out "$OUT/reparam_v3_w$w.json"
  done
fi
echo "done in $(( $(date +%s) - T0 ))s, load $(cut -d' ' -f1-3 /proc/loadavg)"
ls -l "$OUT"
