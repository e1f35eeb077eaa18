#!/usr/bin/env bash
# The README's second command: builds zenn and runs the whole test suite,
# first in Release, then with the address and undefined-behaviour sanitizers;
# then the threaded tests under the thread sanitizer and a fuzz smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --report
# The benchmark report's browser test drives Debian's Chromium with playwright-core.
(cd tests/report && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
jobs=$(nproc 2>/dev/null || echo 2)

echo "== release build and tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DZN_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure -j "$jobs")

echo "== sanitizer build (address, undefined) and tests"
cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DZN_SANITIZE=ON -DZN_WERROR=ON >/dev/null
cmake --build build-sanitize -j "$jobs"
(cd build-sanitize && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$jobs")

echo "== thread sanitizer: the pool and the work it runs (make tsan)"
bash scripts/tsan.sh build-tsan test_pool test_sgemv test_gemm test_train test_conv1d test_pool1d test_norm test_embed test_rnn

echo "== fuzz smoke: every parser for 20 s (make fuzz runs longer)"
bash scripts/fuzz.sh build-fuzz 20
