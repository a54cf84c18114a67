#!/usr/bin/env bash
# Regenerates the committed GhostNetV1 / GhostNetV3 fixtures (test/fixtures/family/, the family
# layer tables in test/fixtures/reference/ and the int8 fixture models in test/fixtures/models/).
#   bash tools/reference/make_family_fixtures.sh
# Needs Debian's python3-torch (1.13) / torchvision / numpy (always /usr/bin/python3) and a built
# checkout (npm run build) for the int8 models, which our own converter makes.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/test/fixtures/family"
REF="$ROOT/test/fixtures/reference"
MODELS="$ROOT/test/fixtures/models"
GOLD="$ROOT/test/fixtures/golden"
PY=/usr/bin/python3
export OMP_NUM_THREADS=2
mkdir -p "$OUT"
cd "$ROOT"
T0=$(date +%s)
MK="$HERE/make_checkpoint.py"
RO="$HERE/reference_outputs.py"
COMMON=(--width 0.1 --classes 10 --size 64)

# --- GhostNetV1 width 0.1: official layout (= timm ghostnet_* keys), flat state_dict, float16 ---------
V1=v1_w010_c10_s64
$PY "$MK" --arch v1 "${COMMON[@]}" --seed 41 --half --out "$OUT/$V1.pth.tar"
$PY "$RO" --arch v1 --checkpoint "$OUT/$V1.pth.tar" --width 0.1 --classes 10 --npy-in "$GOLD/inputs_s64.npy" \
    --out-logits "$OUT/logits_$V1.npy" --out-features "$OUT/features_$V1.npy"
$PY "$RO" --arch v1 --checkpoint "$OUT/$V1.pth.tar" --width 0.1 --classes 10 --photos test/fixtures/photos --photo-size 64 \
    --out-logits "$OUT/photos_logits_$V1.npy" --write-inputs "$OUT/.photos_s64.npy" --names-out "$OUT/photos_s64.names.json"

# --- GhostNetV3 width 0.1: the same weights in three layouts ------------------------------------------
V3=v3_w010_c10_s64
# timm: training-time form, branch BN `bn1`, safetensors float16
$PY "$MK" --arch v3 "${COMMON[@]}" --seed 43 --half --out "$OUT/.v3_train.pth.tar" --safetensors "$OUT/${V3}_timm.safetensors"
rm -f "$OUT/.v3_train.pth.tar"
# official: training-time form, branch BN `bn`, {'state_dict': ...}, float16
$PY "$MK" --arch v3 "${COMMON[@]}" --init-from "$OUT/${V3}_timm.safetensors" --half --layout official --wrap state_dict \
    --out "$OUT/${V3}_official.pth.tar"
# deploy: re-parameterized by the reference (timm's reparameterize_model keys), float32
$PY "$MK" --arch v3 "${COMMON[@]}" --init-from "$OUT/${V3}_timm.safetensors" --form deploy \
    --out "$OUT/.v3_deploy.pth.tar" --safetensors "$OUT/${V3}_deploy.safetensors"
rm -f "$OUT/.v3_deploy.pth.tar"
$PY "$RO" --arch v3 --checkpoint "$OUT/${V3}_timm.safetensors" --width 0.1 --classes 10 --npy-in "$GOLD/inputs_s64.npy" \
    --out-logits "$OUT/logits_$V3.npy" --out-features "$OUT/features_$V3.npy"
$PY "$RO" --arch v3 --checkpoint "$OUT/${V3}_timm.safetensors" --width 0.1 --classes 10 --npy-in "$OUT/.photos_s64.npy" \
    --out-logits "$OUT/photos_logits_$V3.npy"

rm -f "$OUT/.photos_s64.npy"
# the same logits as JSON, for the workerd test (no .npy reader there)
$PY - "$OUT" <<'EOF2'
import json, os, sys
import numpy as np
out = sys.argv[1]
names = json.load(open(os.path.join(out, 'photos_s64.names.json')))['names']
logits = {v: np.load(os.path.join(out, f'photos_logits_{v}_w010_c10_s64.npy')).round(6).tolist() for v in ('v1', 'v3')}
with open(os.path.join(out, 'photos_logits.json'), 'w') as f:
    json.dump({'generator': 'tools/reference/make_family_fixtures.sh', 'size': 64, 'names': names, 'logits': logits}, f)
EOF2

# --- layer tables at width 1.0, 224x224 (the architecture test's independent truth) -------------------
$PY "$HERE/layer_table.py" --arch v1 --out "$REF/ghostnetv1_w1.0_layers.txt"
$PY "$HERE/layer_table.py" --arch v3 --out "$REF/ghostnetv3_w1.0_layers.txt"

# --- int8 fixture models (our converter), calibrated on the 17 photos through our own image pipeline ----
# (the workerd test classifies those photos: a deployment smoke test, not a held-out fidelity claim)
node bin/ghostnet-edge.js convert "$OUT/$V1.pth.tar" --out "$MODELS/$V1.int8.gnv2" --name tiny-v1 \
    --input-size 64 --calib test/fixtures/photos --calib-count 17
node bin/ghostnet-edge.js convert "$OUT/${V3}_timm.safetensors" --out "$MODELS/$V3.int8.gnv2" --name tiny-v3 \
    --input-size 64 --calib test/fixtures/photos --calib-count 17

( cd "$OUT" && for f in $(ls | grep -v '^README.md$'); do echo "$(stat -c %s "$f") $(sha256sum "$f" | cut -c1-16) $f"; done )
echo "family fixtures in $OUT ($(du -sh "$OUT" | cut -f1)), $(( $(date +%s) - T0 ))s"
