#!/usr/bin/env bash
# Issue 16 §1: a diverging run exits non-zero with the epoch and a lower
# learning rate in its one error line, and leaves the good model in place.
# Usage: diverge.sh ZENN_BINARY SOURCE_DIR
set -u
zenn=$1
src=$2
. "$(dirname "$0")/harness.bash"

data="$src/data/digits.train.csv"
"$zenn" train "$data" -o "$tmp/good.safetensors" --epochs 2 --quiet || bad "the good run"
cp "$tmp/good.safetensors" "$tmp/before"
for run in "--algo sgd --lr 10" "--algo sgd --lr 3" "--algo incremental --lr 3"; do
  # shellcheck disable=SC2086
  "$zenn" train "$data" -o "$tmp/good.safetensors" $run --epochs 3 --quiet 2>"$tmp/err"
  rc=$?
  if [ $rc -ne 0 ] && grep -q 'diverged at epoch' "$tmp/err" && grep -q 'lower the learning rate' "$tmp/err" &&
     cmp -s "$tmp/before" "$tmp/good.safetensors"; then ok
  else bad "$run: rc=$rc, stderr: $(cat "$tmp/err")"; fi
done
"$zenn" info "$tmp/good.safetensors" >/dev/null && ok || bad "the good model no longer loads"

echo "diverge: $pass passed, $fail failed"
[ $fail -eq 0 ]
