#!/usr/bin/env bash
# zenn info on a graph model file (zn_model_save): inputs with their
# sequence axis, outputs, ops and parameters, as text and as JSON; a
# damaged graph file fails with one line naming the file.
# Usage: info_graph.sh ZENN_BINARY SOURCE_DIR
set -u
zenn=$1
src=$2
. "$(dirname "$0")/harness.bash"

model="$src/tests/fuzz/corpus/model_file/seq_ops.safetensors"
out=$("$zenn" info "$model") || bad "zenn info failed"
for want in "kind: graph" "x [B, 6 (seq), 3] F32" "node 10 (softmax) [B, 2, 4]" "matmul x1" "parameters: 16"; do
  case "$out" in *"$want"*) ok ;; *) bad "missing '$want' in: $out" ;; esac
done
"$zenn" info --json "$model" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["kind"]=="graph" and d["inputs"][0]["name"]=="x" and d["ops"]["reshape"]==1' \
  && ok || bad "--json"
# an op name changed in the metadata (same length, so the file stays well formed)
python3 - "$model" "$tmp/bad.safetensors" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
open(sys.argv[2], 'wb').write(b.replace(b'\\"op\\":\\"permute\\"', b'\\"op\\":\\"permutx\\"', 1))
PY
"$zenn" info "$tmp/bad.safetensors" 2>"$tmp/err"
rc=$?
if [ $rc -ne 0 ] && grep -q "bad.safetensors" "$tmp/err" && grep -q "unknown op 'permutx'" "$tmp/err" && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then ok
else bad "damaged file: rc=$rc, stderr: $(cat "$tmp/err")"; fi

echo "info_graph: $pass passed, $fail failed"
[ $fail -eq 0 ]
