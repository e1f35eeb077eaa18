#!/usr/bin/env bash
# The README's first command: builds zenn and runs its main job — train a
# network on the bundled handwritten digits (UCI, 8x8), evaluate it on the
# held-out test set and write the model file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
make -s
./build/zenn train data/digits.train.csv --test data/digits.test.csv -o digits.safetensors --plot digits-loss.svg "$@"
./build/zenn info digits.safetensors
