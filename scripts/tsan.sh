#!/usr/bin/env bash
# Builds the given tests with the thread sanitizer and runs them; a report or
# a failed check fails the run (the whole log is printed then).
# Usage: scripts/tsan.sh BUILD_DIR TEST...
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
shift
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DZN_TSAN=ON -DZN_WERROR=ON >/dev/null
cmake --build "$build" -j "$jobs" --target "$@" >/dev/null
for t in "$@"; do
  log="$build/$t.tsan.log"
  if TSAN_OPTIONS="halt_on_error=1 exitcode=66" "$build/$t" >"$log" 2>&1; then
    echo "$t: $(tail -n 1 "$log")"
  else
    cat "$log"
    echo "$t: failed under the thread sanitizer" >&2
    exit 1
  fi
done
