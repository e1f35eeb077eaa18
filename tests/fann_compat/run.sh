#!/usr/bin/env bash
# The drop-in proof: every program here is written against FANN 2.2's public
# API only. Each is built twice, against Debian's libfann (its headers, -lfann)
# and against libzenn-fann (our headers, our library), both are run on the
# same inputs and their outputs compared:
#   - networks loaded from the same .net file: identical structure, outputs
#     within 1e-6 relative; files saved by both compare the same way;
#   - training from the same loaded weights (incremental, batch, RPROP,
#     Quickprop, SARPROP, fann_train_on_data with a callback): the MSE after
#     every epoch within 1e-4 relative;
#   - cascade training from the same loaded net: zenn's final MSE at most 10%
#     above libfann's (the candidates' initial weights come from different
#     generators, so the runs are not equal, only equally good);
#   - training data and scaling functions: identical output and files;
#   - error paths: identical errno, messages and logs.
# libfann seeds new networks from /dev/urandom, so networks are created once
# and loaded by both: libfann's (different on every run) are only run and
# saved, training and cascade start from zenn's (its seed is fixed, so the
# comparison is the same on every run). XOR trained from scratch is only
# checked for being solved.
# Usage: run.sh LIBZENN_FANN_SO SOURCE_DIR     (exit 77: libfann not installed)
set -u
lib=$1
src=$2
here=$src/tests/fann_compat
data=$src/data
if [ ! -f /usr/include/floatfann.h ] || ! echo 'int main(void){return 0;}' | cc -x c - -o /dev/null -lfann 2>/dev/null; then
  echo "SKIP: libfann is not installed (apt-get install libfann-dev); nothing to compare with"
  exit 77
fi
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to compare outputs"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
libdir=$(cd "$(dirname "$lib")" && pwd)
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# A sanitizer build's library needs its runtime in the programs that link it.
san=""
if ldd "$lib" 2>/dev/null | grep -q libasan; then san="-fsanitize=address,undefined"; fi

cd "$tmp" || exit 1
programs="make_net xor_flow net_inspect train_algo cascade data_ops scaling errors params"
for p in $programs; do
  cc -std=c11 -O1 -Wall "$here/$p.c" -o "$p.fann" -lfann -lm 2>"$p.fann.log" || { bad "build $p against libfann"; cat "$p.fann.log"; }
  cc -std=c11 -O1 -Wall -Wextra -Werror $san -I"$src/compat/fann/include/zenn-fann" "$here/$p.c" -o "$p.zenn" \
    -L"$libdir" -Wl,-rpath,"$libdir" -lzenn-fann -lm 2>"$p.zenn.log" || { bad "build $p against libzenn-fann"; cat "$p.zenn.log"; }
done
[ "$fail" -eq 0 ] || { echo "$pass passed, $fail failed"; exit 1; }

# compare NAME TOL [ABS]: NAME.f (libfann) against NAME.z (zenn), numbers
# within TOL relative or ABS absolute (default TOL/1000)
compare() {
  if python3 "$here/compare.py" "$1.f" "$1.z" "$2" ${3:-} >"$1.cmp"; then ok "$1 ($(tail -1 "$1.cmp" | sed 's/^ *//'))"
  else bad "$1"; cat "$1.cmp"; fi
}
# both NAME PROGRAM ARGS...: runs both builds, stdout+stderr to NAME.f / NAME.z
both() {
  local name=$1 prog=$2
  shift 2
  "./$prog.fann" "${@//@/f}" >"$name.f" 2>&1 || bad "$name: libfann build exited $?"
  "./$prog.zenn" "${@//@/z}" >"$name.z" 2>&1 || bad "$name: zenn build exited $?"
}

# ---- networks made by libfann (and one by zenn), loaded by both -----------------
# std.net and the cascade starts come from zenn's maker (fixed seed), so the training
# and cascade comparisons start from the same weights on every run
./make_net.zenn std.net standard 5 3 8 10 2 || bad "make_net standard"
./make_net.fann lstd.net standard 5 3 8 10 2 || bad "make_net standard by libfann"
./make_net.fann sparse.net sparse 3 3 8 10 6 2 || bad "make_net sparse"
./make_net.fann short.net shortcut 5 5 8 6 2 || bad "make_net shortcut"
./make_net.zenn xcasc.net shortcut 5 5 2 1 || bad "make_net xor cascade start"
./make_net.zenn zlin.net standard 5 0 8 7 2 || bad "make_net linear output"
./make_net.zenn zsparse.net sparse 3 3 8 10 6 2 || bad "make_net sparse by zenn"
./make_net.zenn zshort.net shortcut 5 5 8 6 2 || bad "make_net shortcut by zenn"

for n in std lstd sparse short zlin zsparse zshort; do
  both "inspect_$n" net_inspect "$n.net" "$data/diabetes.test" "$n.@.out.net"
  # FANN computes the symmetric sigmoid as 2/(1+exp(-2s)) - 1 in float, so
  # its rounding is absolute, an ulp of 1 (1.2e-7), and outputs near 0
  # differ relatively more: 3e-7 absolute is also accepted
  compare "inspect_$n" 1e-6 3e-7
  cp "$n.f.out.net" "saved_$n.f"; cp "$n.z.out.net" "saved_$n.z"
  compare "saved_$n" 1e-6
done

# ---- the XOR example: train from scratch, save, reload, run ------------------------
both xor xor_flow "$data/xor.data" "xor.@.net"
for side in f z; do
  if grep -q '^solved 1$' "xor.$side" && grep -q '^mse_below_0.001 1$' "xor.$side"; then ok "xor solved ($side)"
  else bad "xor not solved ($side)"; cat "xor.$side"; fi
  if grep -Eq '^Max epochs +500000\. Desired error: 0\.0001000000\.$' "xor.$side" &&
     grep -Eq '^Epochs +1\. Current error: [0-9.]+\. Bit fail [0-9]+\.$' "xor.$side"; then ok "xor reports' form ($side)"
  else bad "xor reports' form ($side)"; cat "xor.$side"; fi
done
# each library reads the other's XOR net and both agree on it
for n in xor.f xor.z; do
  both "inspect_$n" net_inspect "$n.net" "$data/xor.data" "$n.@.again.net"
  compare "inspect_$n" 1e-6 3e-7
done

# ---- every parameter, activations per neuron, single samples, fixed point ------------
both params params std.net "$data/diabetes.train" "fixed.@.net"
compare params 1e-6 3e-7
cp fixed.f.net fixed_net.f; cp fixed.z.net fixed_net.z
compare fixed_net 0

# ---- training from the same weights ---------------------------------------------------
for algo in incremental batch rprop quickprop on_data; do
  both "train_$algo" train_algo std.net "$data/diabetes.train" "$data/diabetes.test" "$algo" 30
  compare "train_$algo" 1e-4
done
# SARPROP adds noise from the C library's rand() in libfann and from the
# net's generator in zenn, so only its course is compared, within 1e-3.
both train_sarprop train_algo std.net "$data/diabetes.train" "$data/diabetes.test" sarprop 30
compare train_sarprop 1e-3
for algo in rprop quickprop incremental; do
  for n in zsparse zshort; do
    # At the default learning rate 0.7, incremental training of the sparse
    # net oscillates (its MSE does not fall) and amplifies rounding: libfann
    # and zenn, which sum in different orders, part by 1e-4 after ten
    # epochs. At 0.3 it learns, and the comparison tests the algorithm.
    lr=""
    [ "$algo$n" = incrementalzsparse ] && lr=0.3
    both "train_${algo}_$n" train_algo "$n.net" "$data/diabetes.train" "$data/diabetes.test" "$algo" 20 $lr
    compare "train_${algo}_$n" 1e-4
  done
done

# ---- cascade-correlation ---------------------------------------------------------------
# One cascade run depends on its candidates' random start as much as on the
# algorithm, so four starts are averaged (each from its own net, made by
# zenn's maker, the same for both libraries).
fsum=0; zsum=0; runs=0
for k in 1 2 3 4; do
  MAKE_NET_SKIP=$k ./make_net.zenn "casc$k.net" shortcut 5 5 8 2 || bad "make_net cascade start $k"
  both "cascade_$k" cascade "casc$k.net" "$data/diabetes.train" "$data/diabetes.test" 10 0
  f=$(awk '/^final_train_mse/ {print $2}' "cascade_$k.f")
  z=$(awk '/^final_train_mse/ {print $2}' "cascade_$k.z")
  if [ -z "$f" ] || [ -z "$z" ]; then bad "cascade $k: no final MSE"; cat "cascade_$k.f" "cascade_$k.z"; continue; fi
  echo "     cascade start $k: final MSE libfann $f, zenn $z"
  fsum=$(python3 -c "print($fsum + $f)"); zsum=$(python3 -c "print($zsum + $z)"); runs=$((runs + 1))
done
if [ "$runs" -eq 4 ] && python3 -c "import sys; sys.exit(0 if $zsum <= 1.1 * $fsum else 1)"; then
  ok "cascade: mean final MSE zenn $(python3 -c "print($zsum / 4)"), libfann $(python3 -c "print($fsum / 4)") (allowed: 10% above)"
else bad "cascade: mean final MSE zenn $zsum / 4, libfann $fsum / 4"; fi
both cascade_reports cascade xcasc.net "$data/xor.data" "$data/xor.data" 3 1 file
for side in f z; do
  if grep -Eq '^Max neurons +3\. Desired error: 0\.000000$' "cascade_reports.$side" &&
     grep -Eq '^Neurons +0\. Current error: [0-9.]+\. Total error: *[0-9.]+\. Epochs +[0-9]+\. Bit fail +[0-9]+$' "cascade_reports.$side" &&
     grep -Eq '^Train outputs +Current error: [0-9.]+\. Epochs +[0-9]+$' "cascade_reports.$side"; then
    ok "cascade reports' form ($side)"
  else bad "cascade reports' form ($side)"; cat "cascade_reports.$side"; fi
done

# ---- training data, scaling, errors ----------------------------------------------------
mkdir -p dataf dataz
both data_ops data_ops "$data/diabetes.train" "data@"
compare data_ops 0
for file in dataf/*.data; do
  name=$(basename "$file")
  if cmp -s "$file" "dataz/$name"; then ok "saved data $name identical"; else bad "saved data $name differs"; fi
done
both scaling scaling std.net "$data/diabetes.train" "scaled.@.net"
compare scaling 1e-6
cp scaled.f.net scaled_net.f; cp scaled.z.net scaled_net.z
compare scaled_net 1e-6
mkdir -p errf errz
(cd errf && ../errors.fann . "$data/xor.data" ../std.net >../errors.f 2>&1) || bad "errors: libfann build exited"
(cd errz && ../errors.zenn . "$data/xor.data" ../std.net >../errors.z 2>&1) || bad "errors: zenn build exited"
compare errors 0

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
