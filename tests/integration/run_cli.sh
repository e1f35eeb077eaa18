#!/usr/bin/env bash
# zenn run, test and info on what a user hands them: a header only when it
# names the model's columns, every row kept or refused with its row number,
# empty fields refused, columns matched by name, the training CSV run as it is.
# Usage: run_cli.sh ZENN_BINARY SOURCE_DIR
set -u
zenn=$1
src=$2
. "$(dirname "$0")/harness.bash"

# rows MODEL TEXT [ARGS]: the number of output rows `zenn run` prints for TEXT on stdin (header line not counted)
rows() {
  local m=$1 text=$2
  shift 2
  printf "$text" | "$zenn" run "$m" - "$@" 2>/dev/null | tail -n +2 | wc -l
}

"$zenn" train "$src/data/xor.data" -o "$tmp/xor.st" --quiet >/dev/null 2>&1 || bad "train xor"
# A 3-input regression model on a CSV with a header a,b,c,y.
python3 - "$tmp/abc.csv" <<'PY'
import random, sys
r = random.Random(5)
with open(sys.argv[1], "w") as f:
    f.write("a,b,c,y\n")
    for _ in range(60):
        a, b, c = (round(r.uniform(-1, 1), 3) for _ in range(3))
        f.write(f"{a},{b},{c},{round(0.5 * a - b + 0.25 * c, 4)}\n")
PY
"$zenn" train "$tmp/abc.csv" -o "$tmp/abc.st" --epochs 3 --quiet >/dev/null 2>&1 || bad "train abc"

# ---- the first row: a header only when it names columns -----------------------
# A UTF-8 byte-order mark is skipped, and the row after it is data.
check test "$(rows "$tmp/xor.st" '\xef\xbb\xbf0,0\n1,1\n')" -eq 2
# A first row of malformed numbers is an error on row 1, never a header dropped in silence.
expect_error "stdin:1: field 1: 'nan' is not a finite number" "$zenn" run "$tmp/xor.st" - < <(printf 'nan,0\n1,1\n')
expect_error "stdin:1: field 1: 'inf'" "$zenn" run "$tmp/xor.st" - < <(printf 'inf,0\n1,1\n')
expect_error "stdin:1: field 1: '1e400' is beyond the float range" "$zenn" run "$tmp/xor.st" - < <(printf '1e400,0\n1,1\n')
# run's and test's options come from cli_opts' table: help lines, "--" ending the options, no value for a flag.
"$zenn" run --help | grep -q '^  --allow-nan ' && "$zenn" test --help | grep -q '^  --json ' && ok ||
  bad "run/test --help without their option lines"
check test "$(printf '0,0\n1,1\n' | "$zenn" run -- "$tmp/xor.st" - | tail -n +2 | wc -l)" -eq 2
expect_error "--allow-nan takes no value" "$zenn" run --allow-nan=1 "$tmp/xor.st" -
expect_error "--json takes no value" "$zenn" test --json=yes "$tmp/xor.st" "$src/data/xor.data"
expect_error "stdin:1: field 2: '0x1' is not a number" "$zenn" run "$tmp/xor.st" - < <(printf '0,0x1\n1,1\n')
expect_error "stdin:1: field 1: 'a'" "$zenn" run "$tmp/xor.st" - < <(printf 'a,1\n1,1\n')
# Quoted numbers are numbers.
check test "$(rows "$tmp/xor.st" '"0","0"\n1,1\n')" -eq 2
# A 10 MB number is read as a number (too big for a float here), not as a header.
python3 -c "print('1' + '0' * 10000000 + ',0'); print('1,1')" >"$tmp/big.csv"
expect_error "big.csv:1: field 1" "$zenn" run "$tmp/xor.st" "$tmp/big.csv"
python3 -c "print('0.' + '0' * 10000000 + '1,0'); print('1,1')" >"$tmp/small.csv"
check test "$("$zenn" run "$tmp/xor.st" "$tmp/small.csv" | tail -n +2 | wc -l)" -eq 2
# A header of names (a model without stored names) is skipped.
check test "$(rows "$tmp/xor.st" 'x1,x2\n0,1\n1,1\n')" -eq 2
check test "$(rows "$tmp/xor.st" '"x 1";"x 2"\n0;1\n')" -eq 1

# Line ends: LF, CRLF and CR alone.
check test "$(rows "$tmp/xor.st" '0,0\r\n1,1\r\n')" -eq 2
check test "$(rows "$tmp/xor.st" 'x1,x2\r0,0\r1,1\r')" -eq 2
# Unreadable input says why.
expect_error "cannot read it: Is a directory" "$zenn" run "$tmp/xor.st" "$tmp"
expect_error "cannot open it: No such file or directory" "$zenn" run "$tmp/xor.st" "$tmp/nope.csv"

# ---- empty fields and field counts ----------------------------------------------
for row in '1,,2,3' ',1,2,3' '1,2,3,'; do
  expect_error "stdin:2: 4 fields, but the model takes 3" "$zenn" run "$tmp/abc.st" - < <(printf "1,2,3\n$row\n")
done
expect_error "stdin:1: field 2 is empty" "$zenn" run "$tmp/abc.st" - < <(printf '1,,3\n')
expect_error "stdin:3: field 3 is empty" "$zenn" run "$tmp/abc.st" - < <(printf '1,2,3\n\n1,2,\n')
expect_error "stdin:2: 2 fields, but the model takes 3" "$zenn" run "$tmp/abc.st" - < <(printf '1,2,3\n1,2\n')
expect_error "stdin:1: 2 fields, but the model takes 3" "$zenn" run "$tmp/abc.st" - < <(printf '1 2\n')
# --allow-nan reads an empty field as NaN: a row of output, NaN.
printf '1,,3\n' | "$zenn" run "$tmp/abc.st" - --allow-nan >"$tmp/nan.csv" 2>&1 && check grep -qix 'nan' <(tail -1 "$tmp/nan.csv")
# Blank-separated rows: runs of blanks are one separator; tab-separated rows: each tab is one.
check test "$(rows "$tmp/abc.st" '1  2 3\n 4 5 6 \n')" -eq 2
check test "$(rows "$tmp/abc.st" '1\t2\t3\n')" -eq 1
expect_error "stdin:1: field 2 is empty" "$zenn" run "$tmp/abc.st" - < <(printf '1\t\t3\n')

# ---- the training CSV as it is ------------------------------------------------------
check test "$("$zenn" run "$tmp/abc.st" "$tmp/abc.csv" | tail -n +2 | wc -l)" -eq 60
"$zenn" train "$src/data/digits.train.csv" -o "$tmp/digits.st" --epochs 5 --quiet >/dev/null 2>&1 || bad "train digits"
check test "$("$zenn" run "$tmp/digits.st" "$src/data/digits.test.csv" | tail -n +2 | wc -l)" -eq 360
cut -d, -f1-64 "$src/data/digits.test.csv" | "$zenn" run "$tmp/digits.st" >"$tmp/in64.csv"
"$zenn" run "$tmp/digits.st" "$src/data/digits.test.csv" | cmp -s - "$tmp/in64.csv" && ok || bad "run with the target column"

# ---- zenn test: figures that mean something, JSON that stays JSON ---------------------
# NaN outputs (NaN inputs let through): null figures with the reason, never a bare nan or bit_fail 0.
printf '4 2 1\n0 0\n-1\nnan 1\n1\n1 0\n1\n1 1\n-1\n' >"$tmp/nan.data"
"$zenn" test "$tmp/xor.st" "$tmp/nan.data" --allow-nan --json >"$tmp/t.json" || bad "test --json with NaN outputs"
python3 - "$tmp/t.json" <<'PY' && ok || bad "test --json with NaN outputs: $(cat "$tmp/t.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["mse"] is None and d["mae"] is None and d["bit_fail"] is None, d
assert "1 of 4 rows" in d["null_reasons"]["outputs"], d
PY
"$zenn" test "$tmp/xor.st" "$tmp/nan.data" --allow-nan >"$tmp/t.txt"
check grep -qx 'mse: n/a (1 of 4 rows gave NaN or infinite outputs)' "$tmp/t.txt"
check grep -q '^bit_fail: n/a' "$tmp/t.txt"
# FANN data: bit_fail; regression: R².
"$zenn" test "$tmp/xor.st" "$src/data/xor.data" --json | python3 -c '
import json, sys; d = json.load(sys.stdin); assert d["bit_fail"] == 0 and d["r2"] > 0.9, d' && ok || bad "xor test --json"
"$zenn" test "$tmp/abc.st" "$tmp/abc.csv" --json | python3 -c '
import json, sys; d = json.load(sys.stdin); assert "bit_fail" not in d and -10 < d["r2"] <= 1 and d["rows"] == 60, d' && ok ||
  bad "regression test --json"
"$zenn" test "$tmp/abc.st" "$tmp/abc.csv" | grep -qE '^r2: -?[0-9]' && ok || bad "regression r2"
# A classifier: accuracy as a percentage, the confusion matrix, per-class precision/recall/F1.
"$zenn" test "$tmp/digits.st" "$src/data/digits.test.csv" >"$tmp/t.txt"
check grep -qE '^accuracy: [0-9]+\.[0-9]{2}%$' "$tmp/t.txt"
check grep -q '^confusion matrix' "$tmp/t.txt"
check grep -qE '^class +precision +recall +f1 +support$' "$tmp/t.txt"
check test "$(grep -c '^bit_fail' "$tmp/t.txt")" -eq 0
"$zenn" test "$tmp/digits.st" "$src/data/digits.test.csv" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = d["confusion"]
assert len(c) == 10 and sum(map(sum, c)) == 360 and d["classes"] == [str(k) for k in range(10)], d
assert abs(d["accuracy"] - sum(c[k][k] for k in range(10)) / 360) < 1e-6, d
for k, p in enumerate(d["per_class"]):
    assert p["support"] == sum(c[k]) and 0 <= p["recall"] <= 1 and 0 <= p["f1"] <= 1, p
assert "bit_fail" not in d, d' && ok || bad "classifier test --json"

# ---- zenn info: what the output computes, the column names ------------------------------
"$zenn" info "$tmp/digits.st" >"$tmp/info.txt"
check grep -qx 'output activation: softmax' "$tmp/info.txt"
"$zenn" info "$tmp/digits.st" --json | python3 -c '
import json, sys; d = json.load(sys.stdin); assert d["output_act"] == "softmax" and d["class_names"][9] == "9", d' && ok ||
  bad "info --json of a classifier"
"$zenn" train "$tmp/abc.csv" -o "$tmp/abcy.st" --target y --epochs 2 --quiet >/dev/null 2>&1 || bad "train --target y"
"$zenn" info "$tmp/abcy.st" | grep -qx 'targets: y' && ok || bad "info shows the target column"
"$zenn" info "$tmp/abcy.st" --json | python3 -c '
import json, sys; d = json.load(sys.stdin); assert d["targets"] == ["y"], d' && ok || bad "info --json targets"

# ---- columns matched by name (models that store their input names) -----------------------
python3 - "$tmp/abc.csv" "$tmp" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
def write(name, order):
    with open(f"{sys.argv[2]}/{name}", "w") as f:
        for r in rows:
            f.write(",".join(r[i] for i in order) + "\n")
write("cba.csv", [2, 1, 0, 3])   # c,b,a,y
write("ycba.csv", [3, 2, 1, 0])  # y,c,b,a
write("ab.csv", [0, 1, 3])       # c missing
write("abca.csv", [0, 1, 2, 0, 3])  # a twice
write("abcz.csv", [0, 1, 2, 2, 3])  # c twice
PY
sed -i '1s/^a,b,c,c,y$/a,b,c,z,y/' "$tmp/abcz.csv"
if "$zenn" info "$tmp/abcy.st" --json | python3 -c 'import json,sys; sys.exit(0 if "inputs" in json.load(sys.stdin) else 1)'; then
  "$zenn" info "$tmp/abcy.st" | grep -qx 'inputs: a, b, c' && ok || bad "info shows the input columns"
  "$zenn" test "$tmp/abcy.st" "$tmp/abc.csv" --json >"$tmp/t1.json"
  "$zenn" test "$tmp/abcy.st" "$tmp/cba.csv" --json >"$tmp/t2.json"
  cmp -s "$tmp/t1.json" "$tmp/t2.json" && ok || bad "test with columns swapped differs"
  "$zenn" run "$tmp/abcy.st" "$tmp/abc.csv" >"$tmp/r1.csv"
  "$zenn" run "$tmp/abcy.st" "$tmp/cba.csv" >"$tmp/r2.csv"
  check test "$(wc -l <"$tmp/r1.csv")" -eq 61
  cmp -s "$tmp/r1.csv" "$tmp/r2.csv" && ok || bad "run with columns swapped differs"
  # A model trained with the default target (the last column, not recorded): the one column that is not an input.
  "$zenn" run "$tmp/abc.st" "$tmp/abc.csv" >"$tmp/r1.csv"
  "$zenn" run "$tmp/abc.st" "$tmp/ycba.csv" >"$tmp/r2.csv"
  cmp -s "$tmp/r1.csv" "$tmp/r2.csv" && ok || bad "run with the default target first differs"
  expect_error "no column 'c'" "$zenn" test "$tmp/abcy.st" "$tmp/ab.csv"
  expect_error "no column 'c'" "$zenn" run "$tmp/abcy.st" "$tmp/ab.csv"
  expect_error "'a'" "$zenn" test "$tmp/abcy.st" "$tmp/abca.csv"
  expect_error "column 'a' appears twice" "$zenn" run "$tmp/abcy.st" "$tmp/abca.csv"
  expect_error "column 'z' is not an input of the model" "$zenn" run "$tmp/abcy.st" "$tmp/abcz.csv"
  expect_error "'z'" "$zenn" test "$tmp/abcy.st" "$tmp/abcz.csv"
  # A header that names no column of the model is not skipped: row 1 is then data, and an error.
  expect_error "stdin:1: field 1: 'p' is not a number (a header row must name the model's columns)" \
    "$zenn" run "$tmp/abcy.st" - < <(printf 'p,q,r\n1,2,3\n')
else
  echo "SKIP: this build's model files do not store input column names; name matching is covered by test_cli_columns"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
