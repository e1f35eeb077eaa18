#!/usr/bin/env bash
# libzenn-fann installed: `cmake --install` into a staging prefix, then a FANN
# program (the XOR example) built through `pkg-config zenn-fann` against the
# installed headers and library, shared and static, and run. Only FANN's
# fann_* functions are exported from the shared library.
# Usage: install.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
check() { if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $*" >&2; fi; }

DESTDIR="$tmp/stage" cmake --install "$build" --prefix /opt/zn >"$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
root="$tmp/stage/opt/zn"
for h in fann.h floatfann.h fann_data.h fann_train.h fann_cascade.h fann_io.h fann_error.h fann_activation.h; do
  check test -f "$root/include/zenn-fann/$h"
done
lib=$(ls -d "$root"/lib*/ | head -1)
check test -f "$lib/libzenn-fann.a"
check test -e "$lib/libzenn-fann.so"
check test -f "$lib/pkgconfig/zenn-fann.pc"

if command -v pkg-config >/dev/null 2>&1; then
  export PKG_CONFIG_PATH="$lib/pkgconfig"
  check pkg-config --exists zenn-fann
  cflags=$(pkg-config --cflags zenn-fann)
  libs=$(pkg-config --libs zenn-fann)
  static_libs=$(pkg-config --static --libs zenn-fann)
  incdir=${cflags#-I}
  check test -f "${incdir%% *}/floatfann.h"
  case "$static_libs" in *-lm*) pass=$((pass + 1)) ;; *) fail=$((fail + 1)); echo "FAIL: no -lm in $static_libs" >&2 ;; esac
else
  cflags="-I$root/include/zenn-fann"
  libs="-L$lib -lzenn-fann"
  static_libs="$libs -lm -lpthread"
fi
san=""
if command -v ldd >/dev/null 2>&1 && ldd "$lib/libzenn-fann.so" 2>/dev/null | grep -q libasan; then
  san="-fsanitize=address,undefined"
fi
# The program includes <floatfann.h> and <fann.h> exactly as it would for libfann.
check cc -std=c11 -Wall -Wextra -Werror $san $cflags "$src/tests/fann_compat/xor_flow.c" -o "$tmp/xor_shared" $libs -lm
check env LD_LIBRARY_PATH="$lib" "$tmp/xor_shared" "$src/data/xor.data" "$tmp/xor.net" >"$tmp/out1"
check grep -q '^FANN_FLO_2.1$' "$tmp/xor.net"
check cc -std=c11 $san $cflags "$src/tests/fann_compat/xor_flow.c" -o "$tmp/xor_static" -L"$lib" -Wl,-Bstatic \
  -lzenn-fann -Wl,-Bdynamic -lm -lpthread
check "$tmp/xor_static" "$src/data/xor.data" "$tmp/xor2.net" >"$tmp/out2"
check grep -q '^solved 1$' "$tmp/out1" "$tmp/out2"
# The static program does not need the shared library.
if command -v ldd >/dev/null 2>&1; then
  check test -z "$(ldd "$tmp/xor_static" | grep zenn-fann)"
fi
if command -v nm >/dev/null 2>&1; then
  check test -z "$(nm -D --defined-only "$lib/libzenn-fann.so" | awk '{print $3}' | grep -v '^fann_')"
  check test "$(nm -D --defined-only "$lib/libzenn-fann.so" | awk '{print $3}' | grep -c '^fann_')" -ge 140
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
