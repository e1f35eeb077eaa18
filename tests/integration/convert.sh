#!/usr/bin/env bash
# zenn convert, and FANN .net files in zenn info / zenn run: conversions both
# ways give the same outputs, a .net round trip is byte-identical, errors are
# one line with a non-zero exit and leave no output file. The .net inputs are
# the libfann-written seeds of the .net fuzz corpus.
# Usage: convert.sh ZENN_BINARY SOURCE_DIR
set -u
zenn=$1
src=$2
nets=$src/tests/fuzz/corpus/fann_net
. "$(dirname "$0")/harness.bash"


# Rows of inputs for 2-input nets.
printf '1 2\n0.5 -1\n-2 0.25\n3 3\n' >"$tmp/in2.txt"

"$zenn" --help | grep -q 'convert IN OUT' && ok || bad "convert missing from --help"
"$zenn" convert --help | grep -q 'usage: zenn convert IN OUT' && ok || bad "convert --help"

# .net -> model -> .net: the same outputs from all three.
for net in std short sparse scaled; do
  if "$zenn" convert "$nets/$net.net" "$tmp/$net.safetensors" >"$tmp/out" 2>&1 &&
    grep -q "zenn MLP" "$tmp/out"; then ok; else bad "convert $net.net: $(cat "$tmp/out")"; continue; fi
  "$zenn" convert "$tmp/$net.safetensors" "$tmp/$net.back.net" >"$tmp/out" 2>&1 && ok || bad "back to .net: $(cat "$tmp/out")"
  head -1 "$tmp/$net.back.net" | grep -qx 'FANN_FLO_2.1' && ok || bad "$net.back.net header"
  "$zenn" run "$nets/$net.net" "$tmp/in2.txt" >"$tmp/a.csv" 2>"$tmp/err" || bad "run $net.net: $(cat "$tmp/err")"
  "$zenn" run "$tmp/$net.safetensors" "$tmp/in2.txt" >"$tmp/b.csv" || bad "run $net.safetensors"
  "$zenn" run "$tmp/$net.back.net" "$tmp/in2.txt" >"$tmp/c.csv" || bad "run $net.back.net"
  [ "$(wc -l <"$tmp/a.csv")" -eq 5 ] && ok || bad "$net: $(wc -l <"$tmp/a.csv") output lines"
  cmp -s "$tmp/a.csv" "$tmp/b.csv" && ok || bad "$net: .net and model outputs differ: $(paste -d' ' "$tmp/a.csv" "$tmp/b.csv")"
  cmp -s "$tmp/a.csv" "$tmp/c.csv" && ok || bad "$net: outputs differ after the round trip"
done

# A .net read and written again is libfann's file byte for byte.
for net in std short sparse scaled cascade perneuron; do
  "$zenn" convert "$nets/$net.net" "$tmp/same.net" >/dev/null 2>&1 && cmp -s "$nets/$net.net" "$tmp/same.net" && ok ||
    bad "$net.net is not written back byte for byte"
done

# Fixed point.
"$zenn" convert "$nets/std.net" "$tmp/fix.net" --fixed >/dev/null && ok || bad "convert --fixed"
head -2 "$tmp/fix.net" | tr '\n' ' ' | grep -q '^FANN_FIX_2.0 decimal_point=[0-9]* $' && ok || bad "fixed header"
cmp -s "$tmp/fix.net" "$nets/std_fix.net" && ok || bad "fixed file differs from libfann's"

# info and run on nets that are not MLPs (per-neuron activations, cascade).
"$zenn" info "$nets/perneuron.net" >"$tmp/out" && grep -q '^kind: FANN network (layer)' "$tmp/out" &&
  grep -q '^connections: 20$' "$tmp/out" && ok || bad "info perneuron.net: $(cat "$tmp/out")"
"$zenn" info --json "$nets/cascade.net" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["kind"] == "fann-net" and d["network_type"] == "shortcut" and d["layers"] == [2, 1, 1, 1], d
' && ok || bad "info --json cascade.net"
"$zenn" info "$nets/std.net" | grep -q '^kind: mlp' && ok || bad "info std.net (converts to an MLP)"
"$zenn" run "$nets/perneuron.net" "$tmp/in2.txt" >"$tmp/p.csv" && [ "$(wc -l <"$tmp/p.csv")" -eq 5 ] && ok ||
  bad "run perneuron.net"
"$zenn" run "$nets/cascade.net" <"$tmp/in2.txt" >"$tmp/p.csv" && [ "$(wc -l <"$tmp/p.csv")" -eq 5 ] && ok ||
  bad "run cascade.net"

# Errors: one line, non-zero exit, no output file.
expect_error "convert needs IN and OUT" "$zenn" convert
expect_error "convert needs IN and OUT" "$zenn" convert "$nets/std.net"
expect_error "is extra" "$zenn" convert "$nets/std.net" "$tmp/x.net" "$tmp/y.net"
expect_error "unknown option '--bogus'" "$zenn" convert --bogus "$nets/std.net" "$tmp/x.net"
expect_error "cannot open" "$zenn" convert "$tmp/nonexistent.net" "$tmp/x.safetensors"
expect_error "bad_conn.net:36: field 'connections': nan is not finite" "$zenn" convert "$nets/bad_conn.net" \
  "$tmp/x.safetensors"
expect_error "huge_layer.net:33: field 'layer_sizes'" "$zenn" convert "$nets/huge_layer.net" "$tmp/x.safetensors"
# The format follows OUT's name, or it is an error (and no file is written).
"$zenn" convert "$nets/std.net" "$tmp/m.safetensors" >/dev/null || bad "convert std.net to a model"
expect_error "--fixed writes FANN's fixed-point .net, but" "$zenn" convert "$tmp/m.safetensors" "$tmp/o.safetensors" --fixed
[ ! -e "$tmp/o.safetensors" ] && ok || bad "--fixed wrote FANN text under a .safetensors name"
expect_error "OUT must end in .net (a FANN network) or .safetensors" "$zenn" convert "$nets/std.net" "$tmp/o.txt"
expect_error "OUT must end in .net" "$zenn" convert "$tmp/m.safetensors" "$tmp/o.model" --fixed
[ ! -e "$tmp/o.txt" ] && [ ! -e "$tmp/o.model" ] && ok || bad "wrote a file under a name of no format"
"$zenn" convert "$nets/std.net" "$tmp/o.st" >/dev/null && "$zenn" info "$tmp/o.st" | grep -q '^kind: mlp' && ok ||
  bad "convert to .st (a zenn model, as train -o takes)"
expect_error "hidden neurons differ" "$zenn" convert "$nets/perneuron.net" "$tmp/x.safetensors"
# convert's and info's options come from cli_opts' table: its help lines, "--" ending the options.
"$zenn" convert --help | grep -q '^  --fixed ' && "$zenn" info --help | grep -q '^  --json ' && ok ||
  bad "convert/info --help without their option lines"
cp "$nets/std.net" "$tmp/-dash.net"
(cd "$tmp" && "$zenn" convert -- -dash.net -dash.safetensors >/dev/null && "$zenn" info -- -dash.safetensors |
  grep -q '^kind: mlp') && ok || bad "convert/info -- FILE"
expect_error "--fixed takes no value" "$zenn" convert --fixed=1 "$nets/std.net" "$tmp/x.net"
expect_error "trunc_mid.net:35: field 'neurons'" "$zenn" run "$nets/trunc_mid.net" "$tmp/in2.txt"
expect_error "trunc_mid.net:35" "$zenn" info "$nets/trunc_mid.net"
expect_error "no-such-dir/x.net: cannot create" "$zenn" convert "$nets/std.net" "$tmp/no-such-dir/x.net"
[ -z "$(ls "$tmp" | grep '^x\.')" ] && ok || bad "a failed conversion left $(ls "$tmp" | grep '^x\.')"
[ ! -e "$tmp/no-such-dir" ] && ok || bad "created a directory"

# A model FANN cannot express: ReLU hidden units.
if "$zenn" train "$src/data/xor.data" -o "$tmp/relu.safetensors" --hidden-act relu --epochs 2 >/dev/null 2>&1; then
  expect_error "FANN has no hidden activation ('relu')" "$zenn" convert "$tmp/relu.safetensors" "$tmp/x.net"
  [ ! -e "$tmp/x.net" ] && ok || bad "left x.net"
else
  bad "zenn train for the relu model"
fi

echo "convert.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
