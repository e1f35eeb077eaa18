#!/usr/bin/env bash
# The README's first command: builds zenn and runs its main job. Until the
# network trainer lands, the main job is the kernel benchmark against
# OpenBLAS (quick selection, about a minute).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
make -s
./build/zenn cpu
./build/zenn bench --quick "$@"
