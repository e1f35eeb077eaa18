#!/usr/bin/env bash
# The test suite on a busy machine: two CPU-burning processes run beside the
# release tests (ctest) and the thread-sanitizer tests (scripts/tsan.sh);
# any failure fails the run. The burners stop when this script ends, however
# it ends (and after an hour at most, should it be killed outright).
# Usage: scripts/test-busy.sh [BUILD_DIR [TSAN_BUILD_DIR]]   (make check-busy)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tsan_build=${2:-build-tsan}
jobs=$(nproc 2>/dev/null || echo 2)

echo "== release build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DZN_WERROR=ON >/dev/null
cmake --build "$build" -j "$jobs" >/dev/null

burners=()
stop_burners() {
  for pid in "${burners[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${burners[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_burners EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
for _ in 1 2; do
  timeout 3600 bash -c 'while :; do :; done' &
  burners+=($!)
done
echo "== two CPU burners running (pids ${burners[*]})"

echo "== release tests beside them"
(cd "$build" && ctest --output-on-failure -j "$jobs")

echo "== thread sanitizer beside them"
bash scripts/tsan.sh "$tsan_build" test_pool test_sgemv test_gemm test_train
echo "== busy-machine run passed"
