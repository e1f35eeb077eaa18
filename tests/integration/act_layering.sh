#!/usr/bin/env bash
# nn/ and fann/ take the activation formulas from src/act/nact.h, not from the
# graph engine's private header, and FANN's formulas have one home: the only
# file under src/ outside the kernels that spells out FANN's doubled-sum sigmoid.
# FANN's sigmoids go by ZN_NACT_FANN_SIGMOID...: the old names live only in
# graph.h's alias block and the test of those aliases.
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
old='ZN_NACT''_SIGMOID(_SYMMETRIC)?(_STEPWISE)?' # split: this file must not match itself
uses=$(cd "$src" && grep -rnwE "$old" src include compat tools tests bench examples docs ./*.md 2>/dev/null |
  grep -vE "^include/zenn/graph.h:[0-9]+:#define $old ZN_NACT_FANN_SIGMOID(_SYMMETRIC)?(_STEPWISE)?\$" |
  grep -v '^tests/unit/test_nact_names.c:')
if [ -n "$uses" ]; then
  printf '%s\n' "$uses" >&2
  echo "FAIL: the lines above use the old names of FANN's sigmoids (ZN_NACT_FANN_SIGMOID...)" >&2
  fail=1
fi
[ $fail -eq 0 ] && echo "activation layering: ok"
exit $fail
