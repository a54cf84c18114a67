#!/usr/bin/env bash
# The default model: the trained Fashion-MNIST checkpoint → our converter, calibrated on TRAINING
# images (never test images) through the Worker's own preprocessing → models/fashion-mnist/.
#   bash tools/train/make_default_model.sh [METHOD=mse] [CALIB_COUNT=256]
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=models/fashion-mnist
METHOD=${1:-mse}
COUNT=${2:-256}
MEAN=$(node -e "console.log(require('./$DIR/result.json').mean)")
STD=$(node -e "console.log(require('./$DIR/result.json').std)")
SIZE=$(node -e "console.log(require('./$DIR/result.json').size)")
node bin/ghostnet-edge.js convert "$DIR/ghostnetv2_fmnist.pth.tar" --out "$DIR/ghostnetv2_fmnist.int8.gnv2" \
  --name fashion-mnist --labels "$DIR/labels.txt" --input-size "$SIZE" --crop-pct 1 --grayscale \
  --mean "$MEAN,$MEAN,$MEAN" --std "$STD,$STD,$STD" --interpolation bilinear \
  --calib fashion-mnist:train --calib-count "$COUNT" --calib-method "$METHOD" --training "$DIR/result.json"
node bin/ghostnet-edge.js eval --model "$DIR/ghostnetv2_fmnist.int8.gnv2" --dataset fashion-mnist --json "$DIR/eval.json"
sha256sum "$DIR/ghostnetv2_fmnist.pth.tar" "$DIR/ghostnetv2_fmnist.int8.gnv2"
