#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a fixed time,
# starting from the seed corpus in tests/fuzz/corpus/<target>/. A crash
# leaves its input in tests/fuzz/crashes/ and fails the run; add that input
# to the corpus once fixed, and it is replayed by the test suite forever.
# The targets' own stderr is closed (zenn run's reader prints an error line
# per bad input); libFuzzer's and the sanitizers' reports still show.
# Usage: fuzz.sh BUILD_DIR SECONDS_PER_TARGET
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
seconds=${2:-300}
bash scripts/deps.sh clang libclang-rt-14-dev
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZN_FUZZ=ON >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" --target $(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//') >/dev/null
mkdir -p tests/fuzz/crashes
status=0
for src in tests/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  corpus=${name#fuzz_}
  work=$(mktemp -d)
  cp tests/fuzz/corpus/"$corpus"/* "$work"/
  echo "== $name for ${seconds}s"
  if ! "$build/$name" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -close_fd_mask=2 \
       -artifact_prefix=tests/fuzz/crashes/"$corpus"- -print_final_stats=1 "$work" 2>"$work.log"; then
    status=1
    tail -40 "$work.log" >&2
  else
    grep -E 'stat::number_of_executed_units|cov:' "$work.log" | tail -2
  fi
  rm -rf "$work" "$work.log"
done
exit $status
