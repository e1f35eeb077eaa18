#!/usr/bin/env bash
# zenn train / test / run / info on real data, the --json contract, and every
# kind of bad input: one "zenn: error:" line, a non-zero exit, no model file.
# Usage: train_cli.sh ZENN_BINARY SOURCE_DIR
set -u
zenn=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { if "$@"; then ok; else bad "$*"; fi; }

expect_error() { # expect_error NAME CMD... : one error line, non-zero exit, no model left behind
  local name=$1; shift
  rm -f "$tmp/m.st"
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^zenn: error: ' "$tmp/err" && [ ! -e "$tmp/m.st" ] &&
     [ -z "$(ls "$tmp" | grep '\.tmp\.')" ]; then ok
  else bad "$name: rc=$rc stderr=$(cat "$tmp/err")"; fi
}

# Digits: classification from a CSV, with a held-out test file.
"$zenn" train "$src/data/digits.train.csv" --test "$src/data/digits.test.csv" -o "$tmp/digits.st" --epochs 30 \
  --seed 3 --json --plot "$tmp/curve.svg" >"$tmp/train.json" 2>"$tmp/train.err"
check test $? -eq 0
python3 - "$tmp/train.json" <<'PY' && ok || bad "train --json"
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"epochs", "train_mse", "val_mse", "test_mse", "accuracy", "seconds", "samples_per_second"}, d
assert d["epochs"] == 30 and d["val_mse"] is None and d["accuracy"] >= 0.95 and d["samples_per_second"] > 0, d
PY
check grep -q '<svg' "$tmp/curve.svg"
check grep -q '<polyline' "$tmp/curve.svg"
"$zenn" test "$tmp/digits.st" "$src/data/digits.test.csv" >"$tmp/test.txt"
check grep -qE '^accuracy: 9[5-9]\.[0-9]{2}%$' "$tmp/test.txt"
check grep -qE '^mse: ' "$tmp/test.txt"
"$zenn" test "$tmp/digits.st" "$src/data/digits.test.csv" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["rows"]==360 and d["accuracy"]>=0.95' && ok || bad "test --json"
"$zenn" info "$tmp/digits.st" >"$tmp/info.txt"
check grep -q '^layers: 64,50,10' "$tmp/info.txt"
check grep -q '^parameters: 3760' "$tmp/info.txt"
"$zenn" info "$tmp/digits.st" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["layers"]==[64,50,10] and d["classes"]==10' && ok || bad "info --json"
# run: header skipped, one row per input, the label last; and the same from stdin
cut -d, -f1-64 "$src/data/digits.test.csv" | head -21 >"$tmp/in.csv"
"$zenn" run "$tmp/digits.st" "$tmp/in.csv" >"$tmp/run.csv"
check test "$(wc -l <"$tmp/run.csv")" -eq 21
check grep -q '^0,1,2,3,4,5,6,7,8,9,label$' "$tmp/run.csv"
"$zenn" run "$tmp/digits.st" - <"$tmp/in.csv" | cmp -s - "$tmp/run.csv" && ok || bad "run from stdin"
right=$(paste -d, <(tail -n +2 "$tmp/run.csv" | awk -F, '{print $NF}') <(head -21 "$src/data/digits.test.csv" | tail -n +2 | awk -F, '{print $NF}') | awk -F, '$1==$2' | wc -l)
check test "$right" -ge 17

# The model file is plain safetensors: Python (struct + json only) reads the weights and the
# metadata, recomputes the network's outputs and matches what `zenn run` printed.
python3 - "$tmp/digits.st" "$tmp/in.csv" "$tmp/run.csv" <<'PY' && ok || bad "python reads the model and agrees with zenn run"
import json, math, struct, sys
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
meta = json.loads(header["__metadata__"]["zenn"])
assert meta["format"] == "zenn-mlp" and meta["layers"] == [64, 50, 10] and meta["hidden_act"] == "relu"
base = 8 + n
def tensor(name):
    t = header[name]
    assert t["dtype"] == "F32"
    b, e = t["data_offsets"]
    vals = struct.unpack("<%df" % ((e - b) // 4), raw[base + b:base + e])
    return vals, t["shape"]
mul, _ = tensor("scaler.input.mul"); add, _ = tensor("scaler.input.add")
w1, s1 = tensor("layer1.weight"); b1, _ = tensor("layer1.bias")
w2, s2 = tensor("layer2.weight"); b2, _ = tensor("layer2.bias")
rows = [list(map(float, l.split(","))) for l in open(sys.argv[2]).read().splitlines()[1:]]
got = [list(map(float, l.split(",")[:10])) for l in open(sys.argv[3]).read().splitlines()[1:]]
for x, g in zip(rows, got):
    x = [v * m + a for v, m, a in zip(x, mul, add)]
    h = [max(0.0, b1[j] + sum(x[i] * w1[i * s1[1] + j] for i in range(s1[0]))) for j in range(s1[1])]
    z = [b2[j] + sum(h[i] * w2[i * s2[1] + j] for i in range(s2[0])) for j in range(s2[1])]
    mx = max(z); e = [math.exp(v - mx) for v in z]; p = [v / sum(e) for v in e]
    assert all(abs(a - b) < 1e-4 for a, b in zip(p, g)), (p, g)
PY

# A validation file with patience: early stopping, and val_mse reported.
"$zenn" train "$src/data/digits.train.csv" --val "$src/data/digits.test.csv" --patience 3 --epochs 500 -o "$tmp/v.st" \
  --json >"$tmp/val.json" 2>/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["epochs"] < 500 and d["val_mse"] > 0 and d["accuracy"] > 0.9, d' "$tmp/val.json" && ok || bad "train --val --patience"

# FANN data: XOR with RPROP to FANN's target, then run on the file itself.
"$zenn" train "$src/data/xor.data" -o "$tmp/xor.st" --target-mse 0.001 --quiet
check test $? -eq 0
"$zenn" run "$tmp/xor.st" "$src/data/xor.data" | tail -n +2 | awk '{s = s ($1 > 0 ? "+" : "-")} END {print s}' | grep -qx -- '-++-' && ok || bad "xor outputs"
"$zenn" test "$tmp/xor.st" "$src/data/xor.data" | grep -q '^bit_fail: 0$' && ok || bad "xor bit fails"

# Bad input.
printf 'a,b,label\n1,2,x\n3,oops,y\n' >"$tmp/nonnum.csv"
printf 'a,b,label\n1,2,x\n3,4\n' >"$tmp/ragged.csv"
printf 'a,b,label\n1,nan,x\n2,3,y\n' >"$tmp/nan.csv"
: >"$tmp/empty.csv"
printf '2 2 1\n1 1\n1\n' >"$tmp/short.data"
printf 'not a model' >"$tmp/junk.st"
expect_error "unknown option" "$zenn" train "$src/data/xor.data" -o "$tmp/m.st" --bogus
expect_error "missing value" "$zenn" train "$src/data/xor.data" -o "$tmp/m.st" --epochs
expect_error "bad number" "$zenn" train "$src/data/xor.data" -o "$tmp/m.st" --epochs ten
expect_error "no output" "$zenn" train "$src/data/xor.data"
expect_error "no data" "$zenn" train -o "$tmp/m.st"
expect_error "missing file" "$zenn" train "$tmp/nope.csv" -o "$tmp/m.st"
expect_error "layers mismatch" "$zenn" train "$src/data/xor.data" -o "$tmp/m.st" --layers 3,4,1
expect_error "bad layers" "$zenn" train "$src/data/xor.data" -o "$tmp/m.st" --layers 2,,1
expect_error "val file of other columns" "$zenn" train "$src/data/digits.train.csv" --val "$src/data/xor.data" -o "$tmp/m.st"
expect_error "bad activation" "$zenn" train "$src/data/xor.data" -o "$tmp/m.st" --hidden-act swishy
expect_error "bad algo" "$zenn" train "$src/data/xor.data" -o "$tmp/m.st" --algo magic
expect_error "non-numeric cell" "$zenn" train "$tmp/nonnum.csv" -o "$tmp/m.st"
grep -q "nonnum.csv:3: field 2 ('b'): 'oops'" "$tmp/err" && ok || bad "non-numeric message: $(cat "$tmp/err")"
expect_error "ragged row" "$zenn" train "$tmp/ragged.csv" -o "$tmp/m.st"
grep -q "ragged.csv:3: 2 fields, but the header has 3" "$tmp/err" && ok || bad "ragged message"
expect_error "nan" "$zenn" train "$tmp/nan.csv" -o "$tmp/m.st"
grep -q "nan.csv:2" "$tmp/err" && ok || bad "nan message"
"$zenn" train "$tmp/nan.csv" -o "$tmp/m2.st" --allow-nan --quiet >/dev/null 2>&1; check test $? -ne 0 -o -e "$tmp/m2.st"
expect_error "empty file" "$zenn" train "$tmp/empty.csv" -o "$tmp/m.st"
expect_error "truncated fann" "$zenn" train "$tmp/short.data" -o "$tmp/m.st"
expect_error "unwritable output" "$zenn" train "$src/data/xor.data" -o /nonexistent-dir/m.st --quiet
expect_error "test: not a model" "$zenn" test "$tmp/junk.st" "$src/data/xor.data"
expect_error "test: a data file as model" "$zenn" test "$src/data/xor.data" "$src/data/xor.data"
expect_error "test: wrong data" "$zenn" test "$tmp/xor.st" "$src/data/digits.test.csv"
expect_error "run: wrong width" "$zenn" run "$tmp/xor.st" "$tmp/in.csv"
printf '1,2\n3,x\n' >"$tmp/bad_in.csv"
expect_error "run: bad cell" "$zenn" run "$tmp/xor.st" "$tmp/bad_in.csv"
grep -q 'bad_in.csv:2: field 2' "$tmp/err" && ok || bad "run message"
expect_error "info: missing" "$zenn" info "$tmp/nope.st"
expect_error "info: extra" "$zenn" info "$tmp/xor.st" extra
# A model file cut short is rejected, never read past its end.
head -c 100 "$tmp/digits.st" >"$tmp/cut.st"
expect_error "truncated model" "$zenn" info "$tmp/cut.st"
# A failed train leaves an existing model untouched.
cp "$tmp/xor.st" "$tmp/keep.st"
"$zenn" train "$tmp/ragged.csv" -o "$tmp/keep.st" 2>/dev/null
check cmp -s "$tmp/xor.st" "$tmp/keep.st"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
