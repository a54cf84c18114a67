#!/usr/bin/env bash
# Regenerates the small committed golden fixtures in test/fixtures/golden/ (total ~8 MB).
#   bash tools/reference/make_fixtures.sh [OUTDIR]     (default: test/fixtures/golden)
# Needs Debian's python3-torch (1.13) / torchvision / numpy: always /usr/bin/python3.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${1:-$ROOT/test/fixtures/golden}"
PY=/usr/bin/python3
export OMP_NUM_THREADS=2
mkdir -p "$OUT"
cd "$ROOT"
T0=$(date +%s)

# --- A: width 0.15, 10 classes, 64x64: the same weights in three containers -------------------
A=tiny_w015_c10_s64
$PY "$HERE/make_checkpoint.py" --width 0.15 --classes 10 --size 64 --seed 15 --thop \
    --out "$OUT/${A}_thop.pth.tar" --safetensors "$OUT/${A}.safetensors"
$PY "$HERE/make_checkpoint.py" --width 0.15 --classes 10 --size 64 --init-from "$OUT/${A}_thop.pth.tar" \
    --thop --wrap module,state_dict --out "$OUT/${A}_module.pth.tar"
$PY "$HERE/reference_outputs.py" --checkpoint "$OUT/${A}_thop.pth.tar" --width 0.15 --classes 10 \
    --size 64 --count 4 --seed 64 --write-inputs "$OUT/inputs_s64.npy" \
    --out-logits "$OUT/logits_${A}.npy" --out-features "$OUT/features_${A}.npy"

# --- B: width 0.3, 7 classes, 48x48 (spatial 24,12,6,3,2; DFC pools 3->1 and 2->1) -------------
B=small_w030_c7_s48
$PY "$HERE/make_checkpoint.py" --width 0.3 --classes 7 --size 48 --seed 30 --out "$OUT/${B}.pth.tar"
$PY "$HERE/reference_outputs.py" --checkpoint "$OUT/${B}.pth.tar" --width 0.3 --classes 7 \
    --size 48 --count 4 --seed 48 --write-inputs "$OUT/inputs_s48.npy" \
    --out-logits "$OUT/logits_${B}.npy" --out-features "$OUT/features_${B}.npy"

# --- checks: containers hold identical weights and give bit-identical logits; B's shapes --------
$PY - "$OUT" <<'EOF'
import os, sys
import numpy as np, torch
sys.path.insert(0, 'tools/reference')
from ghostnetv2 import GhostNetV2, GhostModuleV2, clean_state_dict
from make_checkpoint import load_any, count_thop
out = sys.argv[1]
A = os.path.join(out, 'tiny_w015_c10_s64')
raw = torch.load(A + '_thop.pth.tar')
wrapped = torch.load(A + '_module.pth.tar')
assert list(wrapped) == ['state_dict'] and all(k.startswith('module.') for k in wrapped['state_dict'])
nthop = sum(1 for k in raw if k.endswith(('.total_ops', '.total_params')) or k in ('total_ops', 'total_params'))
assert nthop == 178 and all(raw[k].dtype == torch.float64 and raw[k].shape == (1,) for k in raw if 'total' in k)
assert count_thop(1.0) == 178
flat = clean_state_dict(raw)
for other in (clean_state_dict(wrapped), load_any(A + '.safetensors')):
    for k, v in flat.items():
        if k.endswith('num_batches_tracked'):
            continue
        assert torch.equal(v, other[k]), k
x = torch.from_numpy(np.load(os.path.join(out, 'inputs_s64.npy')))
ref = np.load(os.path.join(out, 'logits_tiny_w015_c10_s64.npy'))
for f in (A + '_module.pth.tar', A + '.safetensors'):
    m = GhostNetV2(10, 0.15)
    m.load_state_dict(clean_state_dict(load_any(f)), strict=True)
    with torch.no_grad():
        assert np.array_equal(m.eval()(x).numpy(), ref), f
# B: spatial sizes down the net at 48x48
m = GhostNetV2(7, 0.3)
m.load_state_dict(clean_state_dict(torch.load(os.path.join(out, 'small_w030_c7_s48.pth.tar'))), strict=True)
seen = []
for i, s in enumerate(m.blocks):
    s.register_forward_hook(lambda mod, a, o, i=i: seen.append((i, o.shape[-1])))
gates = []
for n, mod in m.named_modules():
    if isinstance(mod, GhostModuleV2) and mod.mode == 'attn':
        mod.short_conv.register_forward_hook(lambda mod, a, o: gates.append((a[0].shape[-1], o.shape[-1])))
with torch.no_grad():
    m.eval()(torch.from_numpy(np.load(os.path.join(out, 'inputs_s48.npy'))))
sizes = [s for _, s in seen]
assert sizes == [24, 12, 12, 6, 6, 3, 3, 2, 2, 2], sizes
print('fixture checks OK: thop entries', nthop, '(178 at width 1.0 too); block output sizes', sizes,
      '; DFC pooled sizes', sorted(set(g[1] for g in gates)))
EOF

# --- README ----------------------------------------------------------------------------------
TORCH_V=$($PY -c 'import torch; print(torch.__version__)')
TV_V=$($PY -c 'import torchvision; print(torchvision.__version__)')
NP_V=$($PY -c 'import numpy; print(numpy.__version__)')
{
cat <<EOF
# Golden fixtures (generated — do not edit)

Synthetic GhostNetV2 checkpoints in the official release format (huawei-noah
Efficient-AI-Backbones \`ck_ghostnetv2_*.pth.tar\`) and the PyTorch float32 reference outputs
for them. Regenerate with

    bash tools/reference/make_fixtures.sh

(made with torch $TORCH_V, torchvision $TV_V, numpy $NP_V, Debian /usr/bin/python3, 2 threads.
The weights are random, so regenerating with another torch version may change them: commit the
files together.)

## Files

| file | what |
|---|---|
| \`tiny_w015_c10_s64_thop.pth.tar\` | width 0.15, 10 classes, calibrated at 64x64, seed 15. FLAT state_dict (torch.save zip), like the released files: 642 weights + 122 \`num_batches_tracked\` (int64, 0-dim) + 178 thop entries (\`total_ops\`/\`total_params\`, float64, shape [1], value 0; the first two keys are the bare root ones) |
| \`tiny_w015_c10_s64_module.pth.tar\` | the SAME weights as \`{'state_dict': {'module.' + key: ...}}\` (nn.DataParallel keys; thop entries included, also prefixed) |
| \`tiny_w015_c10_s64.safetensors\` | the SAME weights as safetensors (timm style): F32 only, no thop, no num_batches_tracked, keys sorted, \`__metadata__\` {format: pt, arch, width, num_classes, seed, source} |
| \`inputs_s64.npy\` | [4,3,64,64] float32, synthetic natural-image-like inputs, ImageNet-normalized (\`reference_outputs.py --size 64 --count 4 --seed 64\`) |
| \`logits_tiny_w015_c10_s64.npy\`, \`features_tiny_w015_c10_s64.npy\` | [4,10] logits and [4,1280] features (conv_head + ReLU) of the model above on \`inputs_s64.npy\` |
| \`small_w030_c7_s48.pth.tar\` | width 0.3, 7 classes, calibrated at 48x48, seed 30, FLAT, no thop entries. At 48x48 the block outputs are 24,12,12,6,6,3,3,2,2,2 wide: the DFC branch avg-pools 3x3 to 1x1 (floor) and 2x2 to 1x1, then upsamples nearest |
| \`inputs_s48.npy\`, \`logits_small_w030_c7_s48.npy\`, \`features_small_w030_c7_s48.npy\` | [4,3,48,48] inputs (\`--size 48 --count 4 --seed 48\`), [4,7] logits, [4,1280] features |

Commands (from \`tools/reference/make_fixtures.sh\`):

    make_checkpoint.py --width 0.15 --classes 10 --size 64 --seed 15 --thop --out tiny_w015_c10_s64_thop.pth.tar --safetensors tiny_w015_c10_s64.safetensors
    make_checkpoint.py --width 0.15 --classes 10 --size 64 --init-from tiny_w015_c10_s64_thop.pth.tar --thop --wrap module,state_dict --out tiny_w015_c10_s64_module.pth.tar
    reference_outputs.py --checkpoint tiny_w015_c10_s64_thop.pth.tar --width 0.15 --classes 10 --size 64 --count 4 --seed 64 --write-inputs inputs_s64.npy --out-logits logits_tiny_w015_c10_s64.npy --out-features features_tiny_w015_c10_s64.npy
    make_checkpoint.py --width 0.3 --classes 7 --size 48 --seed 30 --out small_w030_c7_s48.pth.tar
    reference_outputs.py --checkpoint small_w030_c7_s48.pth.tar --width 0.3 --classes 7 --size 48 --count 4 --seed 48 --write-inputs inputs_s48.npy --out-logits logits_small_w030_c7_s48.npy --out-features features_small_w030_c7_s48.npy

## How the weights are made

See the docstring of \`tools/reference/make_checkpoint.py\`. In short: PyTorch default init with
\`torch.manual_seed(seed)\`, random per-layer/per-channel conv scales, BN weight ~ U(0.5,1.5) and
bias ~ N(0,0.1); then ONE eval-mode pass over 256 natural-image-like inputs at the given size in
which every BatchNorm's running_mean/running_var are set, in forward order, to the exact
statistics of its input (variance floored at 1/100 of the layer median), and SE convs,
conv_head and the classifier are rescaled/biased from their actual inputs (logit std across
classes ~3-4, top-1 varies between inputs). \`num_batches_tracked\` = 1.

Widths are small to keep this directory at ~8 MB (width 0.5 would be 6.4 MB per copy).
Channel counts are always multiples of 4 (make_divisible(.., 4)), so no width gives odd
channel counts; widths 0.15/0.3 give counts that are not multiples of 8 (4, 12, 20, 28, 36, 60,
100, 200, ...).

The .npy files are little-endian float32, C order. Loaders must strip \`module.\`, unwrap
\`state_dict\`/\`model\` and drop keys containing \`total\` (tools/reference/ghostnetv2.py
\`clean_state_dict\`).

## Sizes and SHA-256
EOF
echo
echo '| file | bytes | sha256 |'
echo '|---|---|---|'
( cd "$OUT" && for f in $(ls | grep -v '^README.md$'); do
    echo "| \`$f\` | $(stat -c %s "$f") | \`$(sha256sum "$f" | cut -c1-64)\` |"
  done )
echo
echo "Total (without README): $(cd "$OUT" && ls | grep -v '^README.md$' | xargs stat -c %s | awk '{s+=$1} END {print s}') bytes."
} > "$OUT/README.md"

echo "fixtures in $OUT ($(du -sh "$OUT" | cut -f1)), $(( $(date +%s) - T0 ))s"
ls -l "$OUT"
