#!/usr/bin/env bash
# zenn train / test / run / info on real data, the --json contract, and every
# kind of bad input: one "zenn: error:" line, a non-zero exit, no model file.
# Usage: train_cli.sh ZENN_BINARY SOURCE_DIR
set -u
zenn=$1
src=$2
. "$(dirname "$0")/harness.bash"

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
assert set(d) == {"epochs", "max_epochs", "stop", "best_epoch", "task", "task_detail", "train_mse", "val_mse",
                  "test_mse", "accuracy", "seconds", "samples_per_second"}, d
assert d["epochs"] == 30 and d["val_mse"] is not None and d["accuracy"] >= 0.95 and d["samples_per_second"] > 0, d
assert d["stop"] == "epochs" and d["max_epochs"] == 30 and 1 <= d["best_epoch"] <= 30 and d["task"] == "classify", d
PY
check grep -q '<svg' "$tmp/curve.svg"
check grep -q '<polyline' "$tmp/curve.svg"
"$zenn" test "$tmp/digits.st" "$src/data/digits.test.csv" >"$tmp/test.txt"
check grep -qE '^accuracy: 9[5-9]\.[0-9]{2}%$' "$tmp/test.txt"
check grep -qE '^mse: ' "$tmp/test.txt"
"$zenn" test "$tmp/digits.st" "$src/data/digits.test.csv" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["rows"]==360 and d["accuracy"]>=0.95' && ok || bad "test --json"
"$zenn" info "$tmp/digits.st" >"$tmp/info.txt"
check grep -q '^layers: 64,64,10' "$tmp/info.txt"
check grep -q '^parameters: 4810' "$tmp/info.txt"
"$zenn" info "$tmp/digits.st" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["layers"]==[64,64,10] and d["classes"]==10' && ok || bad "info --json"
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
assert meta["format"] == "zenn-mlp" and meta["layers"] == [64, 64, 10] and meta["hidden_act"] == "relu"
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

# ---- issue 16: outputs checked before training, nothing lost -------------------------------
# expect_refused NAME CMD...: one error line and nothing else on stderr (no "data:" line, no
# epoch: the refusal came before the data was read), a non-zero exit.
expect_refused() {
  local name=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^zenn: error: ' "$tmp/err"; then ok
  else bad "$name: rc=$rc stderr=$(head -3 "$tmp/err")"; fi
}
cp "$src/data/digits.train.csv" "$tmp/d.csv"
cp "$tmp/d.csv" "$tmp/d.orig"
expect_refused "output is the data" "$zenn" train "$tmp/d.csv" -o "$tmp/d.csv"
expect_refused "output is the data (--format)" "$zenn" train "$tmp/d.csv" -o "$tmp/d.csv" --format safetensors
ln -s d.csv "$tmp/link.safetensors"
expect_refused "output is the data through a symlink" "$zenn" train "$tmp/d.csv" -o "$tmp/link.safetensors"
ln "$tmp/d.csv" "$tmp/hard.st"
expect_refused "output is the data through a hard link" "$zenn" train "$tmp/d.csv" -o "$tmp/hard.st"
cp "$src/data/digits.test.csv" "$tmp/t.st"
expect_refused "output is the test file" "$zenn" train "$tmp/d.csv" --test "$tmp/t.st" -o "$tmp/t.st"
expect_refused "output is the validation file" "$zenn" train "$tmp/d.csv" --val "$tmp/t.st" -o "$tmp/t.st"
expect_refused "plot is the data" "$zenn" train "$tmp/d.csv" -o "$tmp/p.st" --plot "$tmp/d.csv"
check cmp -s "$tmp/d.csv" "$tmp/d.orig"
check cmp -s "$tmp/t.st" "$src/data/digits.test.csv"
expect_refused "plot is the model" "$zenn" train "$src/data/xor.data" -o "$tmp/p.st" --plot "$tmp/p.st"
expect_refused "plot is a directory" "$zenn" train "$src/data/xor.data" -o "$tmp/p.st" --plot "$tmp"
check test ! -e "$tmp/p.st"
expect_refused "output is a directory" "$zenn" train "$src/data/xor.data" -o "$tmp"
expect_refused "output directory missing" "$zenn" train "$src/data/xor.data" -o "$tmp/no/such/dir/m.st"
expect_refused "output directory is a file" "$zenn" train "$src/data/xor.data" -o "$tmp/d.orig/m.st"
expect_refused "plot directory missing" "$zenn" train "$src/data/xor.data" -o "$tmp/p.st" --plot "$tmp/nodir/c.svg"
check test ! -e "$tmp/p.st"
# The format follows the extension: .net is FANN's text, read back by zenn test; an unknown
# extension or a network FANN's format cannot hold is refused before training.
"$zenn" train "$src/data/xor.data" -o "$tmp/x.net" --target-mse 0.001 --quiet
check test $? -eq 0
check grep -q '^FANN_FLO_2.1$' "$tmp/x.net"
"$zenn" test "$tmp/x.net" "$src/data/xor.data" | grep -q '^bit_fail: 0$' && ok || bad "the .net model trained by zenn train"
expect_refused "unknown extension" "$zenn" train "$src/data/xor.data" -o "$tmp/m.bin"
grep -q '\.safetensors' "$tmp/err" && grep -q '\.net' "$tmp/err" && ok || bad "extension message: $(cat "$tmp/err")"
expect_refused "no extension" "$zenn" train "$src/data/xor.data" -o "$tmp/model"
expect_error "relu net as .net" "$zenn" train "$src/data/digits.train.csv" -o "$tmp/m.net"
grep -q "FANN's .net format cannot hold" "$tmp/err" && ok || bad ".net message: $(cat "$tmp/err")"
check test ! -e "$tmp/m.net"
expect_refused "cascade to safetensors" "$zenn" train "$src/data/xor.data" -o "$tmp/m.safetensors" --cascade

# A diverging run fails, names the epoch and leaves the good model byte for byte.
"$zenn" train "$src/data/digits.train.csv" -o "$tmp/good.safetensors" --quiet
check test $? -eq 0
cp "$tmp/good.safetensors" "$tmp/good.orig"
for bad_run in "--algo sgd --lr 10 --epochs 3" "--algo incremental --lr 3 --epochs 3"; do
  # shellcheck disable=SC2086
  "$zenn" train "$src/data/digits.train.csv" -o "$tmp/good.safetensors" $bad_run --quiet >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ $rc -ne 0 ] && grep -qE '^zenn: error: .*diverged .*epoch [0-9]+' "$tmp/err" && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then ok
  else bad "diverging run ($bad_run): rc=$rc $(cat "$tmp/err")"; fi
  check cmp -s "$tmp/good.safetensors" "$tmp/good.orig"
done
check test -z "$(ls "$tmp" | grep '\.tmp\.')"

# --task: what was inferred is printed (stderr, and --json); integer targets can be a regression.
"$zenn" train "$src/data/digits.train.csv" -o "$tmp/task.st" --epochs 1 2>"$tmp/task.err"
check grep -q "^task: classify (target 'target': 10 classes; inferred" "$tmp/task.err"
"$zenn" train "$src/data/digits.train.csv" -o "$tmp/task.st" --epochs 1 --task regression --json >"$tmp/task.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["task"] == "regression" and d["accuracy"] is None and "10 distinct numbers" in d["task_detail"], d' \
  "$tmp/task.json" && ok || bad "--task regression: $(cat "$tmp/task.json")"
"$zenn" info "$tmp/task.st" | grep -q '^layers: 64,[0-9]*,1$' && ok || bad "--task regression trains one output"
"$zenn" train "$src/data/digits.train.csv" -o "$tmp/task.st" --epochs 1 --loss mse 2>"$tmp/task.err"
check grep -q '^note: --loss mse fits the 10 one-hot class outputs' "$tmp/task.err"
# A malformed FANN header is read as one (not as a one-column CSV) and says what is wrong with it.
printf 'four 2 1\n1 2\n3\n' >"$tmp/hdr.data"
expect_error "FANN header 'four 2 1'" "$zenn" train "$tmp/hdr.data" -o "$tmp/m.st"
check grep -q "hdr.data:1: the header must be three integers: rows inputs outputs; rows is 'four', not a number" "$tmp/err"
printf '4 2 1 7\n1 2\n3\n' >"$tmp/hdr.data"
expect_error "FANN header '4 2 1 7'" "$zenn" train "$tmp/hdr.data" -o "$tmp/m.st"
check grep -q "'7' follows them on the line" "$tmp/err"
printf 'a,b,\xe9t\xe9\n1,2,x\n3,4,y\n1,3,x\n4,4,y\n' >"$tmp/latin1.csv"  # a Latin-1 column name: refused before training, naming the column
expect_error "Latin-1 column name" "$zenn" train "$tmp/latin1.csv" -o "$tmp/l1.st" --epochs 2 --json
grep -q 'latin1.csv:1: the name of column 3 is not valid UTF-8' "$tmp/err" && ok || bad "Latin-1 column name: $(cat "$tmp/err")"
[ ! -e "$tmp/l1.st" ] && ok || bad "Latin-1 column name: a model was written"
expect_error "bad task" "$zenn" train "$src/data/digits.train.csv" -o "$tmp/m.st" --task guess
expect_error "target on FANN data" "$zenn" train "$src/data/xor.data" -o "$tmp/m.st" --target c
expect_error "classify FANN data" "$zenn" train "$src/data/xor.data" -o "$tmp/m.st" --task classify

# Flags for what the library has, and the spellings people use.
"$zenn" train "$src/data/xor.data" -o "$tmp/h.st" --hidden-act sigmoid-symmetric --output-act sigmoid-symmetric \
  --loss tanh-error --epochs 5 --quiet
check test $? -eq 0
"$zenn" train "$src/data/digits.train.csv" -o "$tmp/sm.st" --output-act softmax --epochs 2 --quiet
check test $? -eq 0
expect_error "softmax for regression" "$zenn" train "$src/data/xor.data" -o "$tmp/m.st" --output-act softmax
expect_error "sigmoid output of a xent classifier" "$zenn" train "$src/data/digits.train.csv" -o "$tmp/m.st" --output-act sigmoid
"$zenn" train "$src/data/digits.train.csv" -o "$tmp/f.st" --dropout 0.2 --weight-decay 1e-4 --epochs 20 \
  --test "$src/data/digits.test.csv" --json >"$tmp/f.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["accuracy"] > 0.9, d' "$tmp/f.json" && ok || bad "--dropout --weight-decay"
python3 - "$tmp/f.st" <<'PY' && ok || bad "dropout saved with the model"
import json, struct, sys
raw = open(sys.argv[1], "rb").read()
meta = json.loads(json.loads(raw[8:8 + struct.unpack("<Q", raw[:8])[0]])["__metadata__"]["zenn"])
assert abs(meta["dropout"] - 0.2) < 1e-6, meta
PY
"$zenn" train "$src/data/digits.train.csv" -o "$tmp/mo.st" --algo momentum --momentum 0.5 --epochs 20 --quiet
check test $? -eq 0
expect_error "momentum with adam" "$zenn" train "$src/data/digits.train.csv" -o "$tmp/m.st" --momentum 0.9
expect_error "weight decay with rprop" "$zenn" train "$src/data/xor.data" -o "$tmp/m.st" --weight-decay 0.1
expect_error "dropout out of range" "$zenn" train "$src/data/xor.data" -o "$tmp/m.st" --dropout 1.5
# --init continues training: one more epoch from the good model beats a fresh one-epoch run.
"$zenn" train "$src/data/digits.train.csv" -o "$tmp/cont.st" --init "$tmp/good.orig" --epochs 1 \
  --test "$src/data/digits.test.csv" --json >"$tmp/cont.json"
"$zenn" train "$src/data/digits.train.csv" -o "$tmp/fresh.st" --epochs 1 --test "$src/data/digits.test.csv" --json >"$tmp/fresh.json"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); f=json.load(open(sys.argv[2])); assert c["accuracy"] >= 0.95 and c["accuracy"] > f["accuracy"], (c, f)' \
  "$tmp/cont.json" "$tmp/fresh.json" && ok || bad "--init continues training"
cp "$tmp/good.orig" "$tmp/inplace.st"
"$zenn" train "$src/data/digits.train.csv" -o "$tmp/inplace.st" --init "$tmp/inplace.st" --epochs 1 --quiet
check test $? -eq 0
expect_error "init of other shape" "$zenn" train "$src/data/xor.data" -o "$tmp/m.st" --init "$tmp/good.orig"
expect_error "init with layers" "$zenn" train "$src/data/digits.train.csv" -o "$tmp/m.st" --init "$tmp/good.orig" --layers 64,10
expect_error "init missing" "$zenn" train "$src/data/digits.train.csv" -o "$tmp/m.st" --init "$tmp/nope.st"
# --test-split: seeded (same seed, same file), stratified (each class keeps its share).
"$zenn" train "$src/data/digits.train.csv" -o "$tmp/s1.st" --test-split 0.25 --seed 5 --epochs 3 --json >"$tmp/s1.json"
"$zenn" train "$src/data/digits.train.csv" -o "$tmp/s2.st" --test-split 0.25 --seed 5 --epochs 3 --json >"$tmp/s2.json"
check cmp -s "$tmp/s1.st" "$tmp/s2.st"
"$zenn" train "$src/data/digits.train.csv" -o "$tmp/s3.st" --test-split 0.25 --seed 6 --epochs 3 --quiet
cmp -s "$tmp/s1.st" "$tmp/s3.st" && bad "--test-split ignores the seed" || ok
"$zenn" train "$src/data/digits.train.csv" -o "$tmp/s1.st" --test-split 0.25 --seed 5 --epochs 3 2>"$tmp/s.err"
# 1437 rows in 10 classes of 139-148: a quarter of each, rounded, is 359 or 360 test rows
grep -qE '^test: mse [0-9.]+, accuracy [0-9.]+% \(--test-split, 3(59|60) rows\)$' "$tmp/s.err" && ok || bad "--test-split rows: $(grep test: "$tmp/s.err")"
# Stratified: 3 classes of 3 rows, half held out, is 2 rows of each class (6), not half of 9 (5).
printf 'a,label\n1,x\n2,x\n3,x\n4,y\n5,y\n6,y\n7,z\n8,z\n9,z\n' >"$tmp/strat.csv"
"$zenn" train "$tmp/strat.csv" -o "$tmp/strat.st" --test-split 0.5 --epochs 1 2>"$tmp/strat.err"
check grep -qE '\(--test-split, 6 rows\)$' "$tmp/strat.err"
expect_error "test-split with test" "$zenn" train "$src/data/digits.train.csv" -o "$tmp/m.st" --test-split 0.2 --test "$src/data/digits.test.csv"
expect_error "test-split of everything" "$zenn" train "$src/data/xor.data" -o "$tmp/m.st" --test-split 0.9
# How training ended: the chosen epochs and the reason.
"$zenn" train "$src/data/xor.data" -o "$tmp/xs.st" --target-mse 0.001 2>"$tmp/xs.err"
check grep -qE '^network: .*, up to 500 epochs$' "$tmp/xs.err"
check grep -qE '^stopped: reached the target error at epoch [0-9]+' "$tmp/xs.err"
"$zenn" train "$src/data/digits.train.csv" --val "$src/data/digits.test.csv" --patience 3 --epochs 500 -o "$tmp/v.st" \
  --json >"$tmp/val.json" 2>/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["stop"] == "patience" and 1 <= d["best_epoch"] <= d["epochs"] - 3 and d["max_epochs"] == 500, d' \
  "$tmp/val.json" && ok || bad "stop reason patience: $(cat "$tmp/val.json")"
# The option parser: --name=value, "--" before a file name, repeated options refused.
"$zenn" train "$src/data/xor.data" -o "$tmp/eq.st" --epochs=3 --json >"$tmp/eq.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["epochs"] == 3, d' "$tmp/eq.json" && ok || bad "--epochs=3"
expect_error "option twice" "$zenn" train "$src/data/xor.data" -o "$tmp/m.st" --epochs 3 --epochs 4
expect_error "value for a flag" "$zenn" train "$src/data/xor.data" -o "$tmp/m.st" --quiet=yes
"$zenn" train --help | grep -q -- '--test-split X' && ok || bad "help lists --test-split"

# Defaults chosen from the data (issue 16 §3): with no options a CSV gets zn_train_auto_config's
# network and schedule, said on one line; integer regression targets (many distinct values) are
# scaled, the outputs come back in their units, and the test error reaches least squares'.
python3 - "$src/data/breast_cancer.csv" "$tmp" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
h, data = rows[0], rows[1:]
ti = h.index("worst_texture")
cols = [i for i in range(len(h)) if i not in (ti, h.index("target"))]
def write(name, part):
    with open(sys.argv[2] + "/" + name, "w") as f:
        f.write(",".join([h[i] for i in cols] + ["y"]) + "\n")
        for r in part:
            f.write(",".join([r[i] for i in cols] + [str(round(float(r[ti]) * 10))]) + "\n")
write("reg_train.csv", [r for k, r in enumerate(data) if k % 5])
write("reg_test.csv", [r for k, r in enumerate(data) if k % 5 == 0])
PY
"$zenn" train "$tmp/reg_train.csv" -o "$tmp/reg.st" 2>"$tmp/reg.err"
check grep -q "^task: regression (target 'y': [0-9]* distinct numbers; inferred" "$tmp/reg.err"
check grep -q '^defaults: regression: 455 rows, 29 inputs; .*inputs and targets standardised' "$tmp/reg.err"
check grep -qE '^stopped: (early stop|ran its budget|reached)' "$tmp/reg.err"
ols=$(python3 "$src/tests/integration/ols.py" "$tmp/reg_train.csv" "$tmp/reg_test.csv")
"$zenn" test "$tmp/reg.st" "$tmp/reg_test.csv" --json >"$tmp/reg.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); o=float(sys.argv[2]); assert d["mse"] <= 1.1 * o, (d, o)' \
  "$tmp/reg.json" "$ols" && ok || bad "default regression: test mse $(cat "$tmp/reg.json") against least squares $ols"
# An option that shapes the network leaves the defaults to the options (no defaults line).
"$zenn" train "$tmp/reg_train.csv" -o "$tmp/reg2.st" --layers 29,8,1 --epochs 2 2>"$tmp/reg2.err"
check test "$(grep -c '^defaults:' "$tmp/reg2.err")" -eq 0

# Bounded memory (§4): the run's estimate is checked before anything is allocated.
expect_error "max-memory" "$zenn" train "$tmp/reg_train.csv" -o "$tmp/m.st" --max-memory 64K
check grep -q 'passes the memory limit' "$tmp/err"
expect_error "max-memory manual" "$zenn" train "$tmp/reg_train.csv" -o "$tmp/m.st" --layers 29,100000,1 --max-memory 100M
check grep -q 'more than --max-memory' "$tmp/err"
expect_error "max-memory text" "$zenn" train "$tmp/reg_train.csv" -o "$tmp/m.st" --max-memory lots
# Class targets stay indexes: 200000 rows of 256 labels would be 205 MB one-hot. Measured against the
# same rows with 2 labels, so a sanitizer's own memory cancels out.
python3 - "$tmp" <<'PY'
import sys
for k in (256, 2):
    with open("%s/many%d.csv" % (sys.argv[1], k), "w") as f:
        f.write("a,label\n")
        for i in range(200000):
            f.write("%d,c%d\n" % (i % 997, (i * 7) % k))
PY
python3 - "$zenn" "$tmp" <<'PY' && ok || bad "256 labels x 200000 rows: peak memory"
import os, subprocess, sys
z, t = sys.argv[1], sys.argv[2]
# AddressSanitizer keeps freed blocks in a quarantine that counts as resident; without it the
# sanitizer build measures what the code holds.
env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=0")
def peak_mb(k):  # the peak of one zenn process, measured by a python process of its own
    code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", code, z, "train", "%s/many%d.csv" % (t, k), "-o",
                          "%s/many%d.st" % (t, k), "--epochs", "1", "--quiet"], check=True, capture_output=True, env=env)
    return float(out.stdout)
many, two = peak_mb(256), peak_mb(2)
assert many - two < 60, (many, two)
PY

# One class in every row: said before training, naming the class.
printf 'a,b,y\n1,2,x\n3,4,x\n5,6,x\n' >"$tmp/one.csv"
expect_error "one class" "$zenn" train "$tmp/one.csv" -o "$tmp/m.st"
check grep -q "one.csv: every row has the same class ('x'); a classifier needs at least two" "$tmp/err"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
