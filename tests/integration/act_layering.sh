#!/usr/bin/env bash
# nn/ and fann/ take the activation formulas from src/act/nact.h, not from the
# graph engine's private header, and FANN's formulas have one home: the only
# file under src/ outside the kernels that spells out FANN's doubled-sum sigmoid.
# Usage: act_layering.sh ZENN_BINARY SOURCE_DIR
set -u
src=$2
fail=0
if grep -ln '#include "graph/graph_internal.h"' "$src"/src/nn/*.[ch] "$src"/src/fann/*.[ch]; then
  echo "FAIL: the files above include graph/graph_internal.h" >&2
  fail=1
fi
homes=$(grep -rlF 'exp(-2.0 * (double)sum)' "$src/src" | grep -v '/src/kernels/' | sed "s|^$src/||")
if [ "$homes" != "src/act/nact.h" ]; then
  echo "FAIL: FANN's sigmoid in: $homes (want src/act/nact.h only)" >&2
  fail=1
fi
[ $fail -eq 0 ] && echo "activation layering: ok"
exit $fail
