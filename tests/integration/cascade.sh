#!/usr/bin/env bash
# zenn train --cascade: FANN's cascade-correlation from the command line. The
# net grows one neuron per line of progress, --json reports it, the .net file
# is FANN's cascade layout and a plain-Python FANN forward pass over it gives
# the training error zenn reported; same seed, same file for any thread
# count; bad uses are one error line and no file.
# Usage: cascade.sh ZENN_BINARY SOURCE_DIR
set -u
zenn=$1
src=$2
. "$(dirname "$0")/harness.bash"

expect_error() { # expect_error NAME CMD... : one error line, non-zero exit, no model left behind
  local name=$1; shift
  rm -f "$tmp/m.net" "$tmp/m.st"
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^zenn: error: ' "$tmp/err" &&
     [ ! -e "$tmp/m.net" ] && [ ! -e "$tmp/m.st" ]; then ok
  else bad "$name: rc=$rc stderr=$(cat "$tmp/err")"; fi
}

# Diabetes, 3 neurons: one progress line per round of output training, the error falling.
"$zenn" train "$src/data/diabetes.train" --test "$src/data/diabetes.test" -o "$tmp/d.net" --cascade --max-neurons 3 \
  --seed 2 2>"$tmp/progress"
check test $? -eq 0
check test "$(grep -c '^neurons [0-9]*: train fann_mse ' "$tmp/progress")" -eq 3
grep '^neurons' "$tmp/progress" | awk '{print $NF}' | awk 'NR > 1 && $1 >= prev {exit 1} {prev = $1}' && ok ||
  bad "train mse falls with each neuron: $(cat "$tmp/progress")"
check grep -q '^cascade: 3 neurons, 54 connections' "$tmp/progress"
check grep -q '^test: mse ' "$tmp/progress"
check grep -q "^model written to $tmp/d.net" "$tmp/progress"

# FANN's cascade layout: 8 inputs + bias, three one-neuron layers, two outputs.
check grep -q '^FANN_FLO_2.1$' "$tmp/d.net"
check grep -q '^network_type=1$' "$tmp/d.net"
check grep -qE '^layer_sizes=9 1 1 1 2 ?$' "$tmp/d.net"

# --json: the summary only; the .net file run by an independent FANN forward pass in Python
# gives the train MSE zenn reported (FANN's rule: symmetric outputs count half the difference).
"$zenn" train "$src/data/diabetes.train" -o "$tmp/j.net" --cascade --max-neurons 3 --seed 2 --json \
  >"$tmp/j.json" 2>"$tmp/j.err"
check test $? -eq 0
check test ! -s "$tmp/j.err"
python3 - "$tmp/j.json" "$tmp/j.net" "$src/data/diabetes.train" <<'PY' && ok || bad "--json and the .net file"
import json, math, re, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"neurons", "connections", "bit_fail", "train_mse", "test_mse", "fann_mse", "seconds"}, d
assert d["neurons"] == 3 and d["connections"] == 54 and d["test_mse"] is None and d["seconds"] > 0, d
text = open(sys.argv[2]).read()
sizes = [int(v) for v in re.search(r"^layer_sizes=(.*)$", text, re.M).group(1).split()]
neurons = [(int(a), int(f), float(s)) for a, f, s in
           re.findall(r"\((\d+), (\d+), ([-+0-9.e]+)\)", re.search(r"^neurons \(.*?\)=(.*)$", text, re.M).group(1))]
cons = [(int(n), float(w)) for n, w in
        re.findall(r"\((\d+), ([-+0-9.e]+)\)", re.search(r"^connections \(.*?\)=(.*)$", text, re.M).group(1))]
assert sum(sizes) == len(neurons) == 14 and len(cons) == 54
def act(f, x):  # FANN's activation functions of the steepness-scaled sum
    return {0: lambda: x, 3: lambda: 1 / (1 + math.exp(-2 * x)), 5: lambda: 2 / (1 + math.exp(-2 * x)) - 1,
            7: lambda: math.exp(-x * x), 8: lambda: 2 * math.exp(-x * x) - 1,
            10: lambda: x / 2 / (1 + abs(x)) + 0.5, 11: lambda: x / (1 + abs(x)),
            14: lambda: math.sin(x), 15: lambda: math.cos(x),
            16: lambda: math.sin(x) / 2 + 0.5, 17: lambda: math.cos(x) / 2 + 0.5}[f]()
vals = open(sys.argv[3]).read().split()
rows, n_in, n_out = int(vals[0]), int(vals[1]), int(vals[2])
nums = [float(v) for v in vals[3:]]
sse, fann_sse, con = 0.0, 0.0, 0
n_bias = sizes[0] - 1
for r in range(rows):
    row = nums[r * (n_in + n_out):(r + 1) * (n_in + n_out)]
    v = row[:n_in] + [1.0]
    con = 0
    for num_in, f, s in neurons[len(v):]:
        # a shortcut net: each neuron sees every earlier one, in order
        src = [cons[con + i][0] for i in range(num_in)]
        assert src == list(range(num_in)), src
        x = s * sum(cons[con + i][1] * v[i] for i in range(num_in))
        x = max(-150 / s, min(150 / s, x))
        v.append(act(f, x))
        con += num_in
    for o in range(n_out):
        diff = row[n_in + o] - v[len(v) - n_out + o]
        sse += diff * diff
        if neurons[len(v) - n_out + o][1] in (2, 5, 6, 8, 11, 13, 14, 15):
            diff /= 2
        fann_sse += diff * diff
mse, fann_mse = sse / (rows * n_out), fann_sse / (rows * n_out)
assert abs(mse - d["train_mse"]) <= 1e-4 * max(1.0, mse), (mse, d["train_mse"])
assert abs(fann_mse - d["fann_mse"]) <= 1e-4 * max(1.0, fann_mse), (fann_mse, d["fann_mse"])
PY

# Same seed: the same file, with one thread or two; --quiet prints nothing.
"$zenn" train "$src/data/diabetes.train" -o "$tmp/t1.net" --cascade --max-neurons 3 --seed 2 --threads 1 --quiet \
  2>"$tmp/q.err"
check test $? -eq 0
check test ! -s "$tmp/q.err"
"$zenn" train "$src/data/diabetes.train" -o "$tmp/t2.net" --cascade --max-neurons 3 --seed 2 --threads 2 --quiet
check cmp -s "$tmp/t1.net" "$tmp/t2.net"
check cmp -s "$tmp/t1.net" "$tmp/j.net"

# XOR stops at the target error long before --max-neurons; a CSV classifier trains too.
"$zenn" train "$src/data/xor.data" -o "$tmp/x.net" --cascade --max-neurons 20 --target-mse 0.001 --json >"$tmp/x.json"
check test $? -eq 0
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert 1 <= d["neurons"] < 20 and d["fann_mse"] <= 0.001, d' \
  "$tmp/x.json" && ok || bad "xor reaches the target: $(cat "$tmp/x.json")"
"$zenn" train "$src/data/breast_cancer.csv" -o "$tmp/b.net" --cascade --max-neurons 2 --json >"$tmp/b.json"
check test $? -eq 0
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["neurons"] == 2 and d["train_mse"] < 0.1, d' \
  "$tmp/b.json" && ok || bad "breast cancer CSV: $(cat "$tmp/b.json")"

# zenn test and zenn run read the cascade net (not an MLP) and agree with train's test MSE.
"$zenn" train "$src/data/diabetes.train" -o "$tmp/tt.net" --cascade --max-neurons 2 --test "$src/data/diabetes.test" \
  --json >"$tmp/tt.json"
check test $? -eq 0
"$zenn" test "$tmp/tt.net" "$src/data/diabetes.test" --json >"$tmp/tt.test.json"
check test $? -eq 0
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
assert abs(a["test_mse"] - b["mse"]) <= 1e-6 * max(1.0, b["mse"]) and b["rows"] == 384, (a, b)' \
  "$tmp/tt.json" "$tmp/tt.test.json" && ok || bad "zenn test on the cascade net: $(cat "$tmp/tt.test.json")"

# --test-split holds out a seeded share of the data as the cascade's test set; the task is printed.
"$zenn" train "$src/data/diabetes.train" -o "$tmp/ts.net" --cascade --max-neurons 2 --test-split 0.25 --json >"$tmp/ts.json"
check test $? -eq 0
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["test_mse"] is not None and d["neurons"] == 2, d' \
  "$tmp/ts.json" && ok || bad "cascade --test-split: $(cat "$tmp/ts.json")"
"$zenn" train "$src/data/diabetes.train" -o "$tmp/ts.net" --cascade --max-neurons 1 --test-split 0.25 2>"$tmp/ts.err"
check grep -q '^task: regression (FANN data: 2 outputs)$' "$tmp/ts.err"
check grep -qE '^test: mse [0-9.]+ \(--test-split, 96 rows\)$' "$tmp/ts.err"

expect_error "cascade to a non-.net file" "$zenn" train "$src/data/xor.data" -o "$tmp/m.st" --cascade
expect_error "max-neurons without cascade" "$zenn" train "$src/data/xor.data" -o "$tmp/m.st" --max-neurons 3
expect_error "max-neurons 0" "$zenn" train "$src/data/xor.data" -o "$tmp/m.net" --cascade --max-neurons 0
expect_error "layers with cascade" "$zenn" train "$src/data/xor.data" -o "$tmp/m.net" --cascade --layers 2,3,1
expect_error "algo with cascade" "$zenn" train "$src/data/xor.data" -o "$tmp/m.net" --cascade --algo adam
expect_error "bad output activation" "$zenn" train "$src/data/xor.data" -o "$tmp/m.net" --cascade --output-act relu
expect_error "missing data" "$zenn" train "$tmp/nope.data" -o "$tmp/m.net" --cascade
expect_error "unwritable output" "$zenn" train "$src/data/xor.data" -o /nonexistent-dir/m.net --cascade --quiet
expect_error "init with cascade" "$zenn" train "$src/data/xor.data" -o "$tmp/m.net" --cascade --init "$tmp/x.net"
expect_error "target on FANN data" "$zenn" train "$src/data/xor.data" -o "$tmp/m.net" --cascade --target y

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
