#!/usr/bin/env bash
# The peers of the rnn and conv benchmark suites answer the protocol of bench/peers/README.md:
# PyTorch (torch_peer.py) for lstm/gru infer, stream and train and conv1d forward and train,
# ONNX Runtime (js/ort_peer.js) for lstm/gru infer and stream and conv1d forward on files that
# export_onnx.py writes once into its cache; threads 1, 2 and "best"; bad requests are errors
# that leave the peer running. Tiny shapes. Skipped where torch or onnxruntime-node is missing.
# Usage: seq_peers.sh ZENN_BINARY SOURCE_DIR
set -u
src=$2
. "$src/tests/integration/harness.bash"
peers=$src/bench/peers
py=/usr/bin/python3
if ! "$py" -c 'import torch' >/dev/null 2>&1; then
  echo "skipped: needs /usr/bin/python3 with torch (python3-torch)"
  exit 0
fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 ZN_ONNX_CACHE=$tmp/onnx

# check_replies REQUESTS REPLIES: each reply line against the expectation after "#" in its request line.
check_replies() {
  "$py" - "$1" "$2" <<'PY'
import json, sys
reqs = [l.split(" #", 1) for l in open(sys.argv[1]) if l.strip()]
reps = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
assert len(reps) == len(reqs), "%d replies to %d requests" % (len(reps), len(reqs))
for (req, want), rep in zip(reqs, reps):
    want = want.strip()
    assert "peak_rss_bytes" in rep, rep
    if want.startswith("error:"):
        assert rep["ok"] is False and want[6:] in rep["error"], (req, rep)
        continue
    assert rep["ok"] is True, (req, rep)
    if want == "hello":
        continue
    r = json.loads(req)
    assert rep["seconds_per_iter"] > 0 and rep["iters"] >= 1, rep
    assert rep["threads"] in ((1, 2) if r.get("threads", "best") == "best" else (r["threads"],)), rep
    assert ("seconds_by_threads" in rep) == (r.get("threads", "best") == "best"), rep
    if r.get("mode") == "stream":
        assert rep["seconds_per_step"] == rep["seconds_per_iter"], rep
PY
}

run_peer() {  # NAME DIR CMD... < requests file
  local name=$1 dir=$2
  shift 2
  sed 's/ #.*//' "$tmp/$name.req" | (cd "$dir" && timeout 120 "$@") >"$tmp/$name.out" 2>"$tmp/$name.err"
  if check_replies "$tmp/$name.req" "$tmp/$name.out" 2>"$tmp/$name.check"; then ok
  else bad "$name: $(tail -1 "$tmp/$name.check") (stderr: $(tail -2 "$tmp/$name.err"))"; fi
}

small='"batch":2,"steps":5,"inputs":3,"hidden":4,"min_seconds":0.001'
conv='"batch":2,"channels":4,"length":16,"kernel":3,"min_seconds":0.001'
cat >"$tmp/torch.req" <<EOF2
{"op":"hello"} #hello
{"op":"lstm","mode":"infer",$small,"threads":1} #ok
{"op":"gru","mode":"infer",$small,"threads":2} #ok
{"op":"lstm","mode":"stream",$small} #ok
{"op":"gru","mode":"stream",$small,"layers":2,"threads":1} #ok
{"op":"lstm","mode":"train",$small,"threads":1} #ok
{"op":"gru","mode":"train",$small,"threads":1} #ok
{"op":"conv1d","mode":"forward",$conv,"dilation":4,"threads":1} #ok
{"op":"conv1d","mode":"train",$conv,"threads":2} #ok
{"op":"lstm","mode":"sideways",$small} #error:mode must be infer, stream or train
{"op":"lstm","mode":"infer",$small,"threads":0} #error:threads must be
{"op":"forward","layers":[3,4,2],"act":"sigmoid","out_act":"sigmoid","batch":2,"min_seconds":0.001} #hello
EOF2
run_peer torch "$peers" "$py" -u torch_peer.py

# export_onnx.py: a shape is exported once, then found in the cache; bad requests are errors.
req='{"op":"gru","mode":"stream","inputs":3,"hidden":4}'
"$py" "$peers/export_onnx.py" "$req" >"$tmp/e1" && "$py" "$peers/export_onnx.py" "$req" >"$tmp/e2" &&
  grep -q '"cached": false' "$tmp/e1" && grep -q '"cached": true' "$tmp/e2" &&
  grep -q "$tmp/onnx/gru-stream-b1-t1-i3-h4-l1-op14.onnx" "$tmp/e2" && [ -s "$tmp/onnx/gru-stream-b1-t1-i3-h4-l1-op14.onnx" ] &&
  ok || bad "export_onnx.py cache: $(cat "$tmp/e1" "$tmp/e2")"
"$py" "$peers/export_onnx.py" '{"op":"conv1d","batch":1,"channels":2,"length":8,"kernel":2}' >"$tmp/e3" &&
  bad "an even kernel was exported" || { grep -q 'odd kernels only' "$tmp/e3" && ok || bad "even kernel: $(cat "$tmp/e3")"; }

if ! command -v node >/dev/null 2>&1 || [ ! -d "$peers/js/node_modules/onnxruntime-node" ]; then
  echo "ONNX Runtime part skipped: needs node and 'npm ci --ignore-scripts' in bench/peers/js"
else
  "$py" "$peers/export_onnx.py" '{"op":"lstm","mode":"infer","batch":2,"steps":5,"inputs":3,"hidden":4}' >"$tmp/e4"
  model=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["path"])' "$tmp/e4")
  cat >"$tmp/ort.req" <<EOF2
{"op":"hello"} #hello
{"op":"lstm","mode":"infer",$small,"model":"$model","threads":1} #ok
{"op":"gru","mode":"infer",$small,"threads":2} #ok
{"op":"lstm","mode":"stream",$small} #ok
{"op":"gru","mode":"stream",$small,"layers":2,"threads":1} #ok
{"op":"conv1d",$conv,"dilation":4,"threads":1} #ok
{"op":"lstm","mode":"train",$small} #error:ONNX Runtime runs lstm modes infer and stream, not train
{"op":"conv1d","mode":"train",$conv} #error:mode forward, not train
{"op":"lstm","mode":"infer",$small,"model":"$tmp/missing.onnx"} #error:missing.onnx
{"op":"nope"} #error:unknown op nope
{"op":"lstm","mode":"infer",$small,"threads":1} #ok
EOF2
  run_peer ort "$peers/js" node ort_peer.js
fi

echo "seq_peers.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
