#!/usr/bin/env bash
# `cmake --install` into a staging prefix, then build the examples against the
# installed headers and library through pkg-config and through CMake's
# find_package(zenn), statically and shared.
# Usage: install.sh ZENN_BINARY SOURCE_DIR
set -u
build=$(cd "$(dirname "$1")" && pwd)
src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
check() { if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $*" >&2; fi; }

DESTDIR="$tmp/stage" cmake --install "$build" --prefix /opt/zn >"$tmp/log" 2>&1
check test -f "$tmp/stage/opt/zn/include/zenn/zenn.h"
check test -f "$tmp/stage/opt/zn/bin/zenn"
lib=$(ls -d "$tmp"/stage/opt/zn/lib*/ | head -1)
check test -f "$lib/libzenn.a"
check test -e "$lib/libzenn.so"
check test -f "$lib/pkgconfig/zenn.pc"

if command -v pkg-config >/dev/null 2>&1; then
  # The .pc is relocatable: it finds the prefix from its own place.
  export PKG_CONFIG_PATH="$lib/pkgconfig"
  check pkg-config --exists zenn
  cflags=$(pkg-config --cflags zenn)
  libs=$(pkg-config --libs zenn)
else
  cflags="-I$tmp/stage/opt/zn/include"
  libs="-L$lib -lzenn"
fi
# A sanitizer build's library needs its runtime in the programs that link it.
san=""
if command -v ldd >/dev/null 2>&1 && ldd "$lib/libzenn.so" 2>/dev/null | grep -q libasan; then
  san="-fsanitize=address,undefined"
fi
check cc -std=c11 -Wall -Werror $san $cflags "$src/examples/sgemm_dense.c" -o "$tmp/dense_shared" $libs -lpthread -lm
check env LD_LIBRARY_PATH="$lib" "$tmp/dense_shared"
check cc -std=c11 $san $cflags "$src/examples/sgemm_dense.c" -o "$tmp/dense_static" "$lib/libzenn.a" -lpthread -lm
check "$tmp/dense_static"
# The load-and-predict example through pkg-config.
check cc -std=c11 -Wall -Werror $san $cflags "$src/examples/predict_mlp.c" -o "$tmp/predict_shared" $libs -lpthread -lm
# (run in $tmp: the example writes its XOR model in the current directory)
cd "$tmp"
check env LD_LIBRARY_PATH="$lib" "$tmp/predict_shared"

# A CMake project that finds the installed zenn (the prefix moved by DESTDIR: the package is relocatable).
check test -f "$lib/cmake/zenn/zennConfig.cmake"
check test -f "$lib/cmake/zenn/zennConfigVersion.cmake"
mkdir -p "$tmp/consumer"
cat >"$tmp/consumer/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(zenn 0.1 REQUIRED)
add_executable(predict_shared "$src/examples/predict_mlp.c")
target_link_libraries(predict_shared PRIVATE zenn::zenn)
add_executable(predict_static "$src/examples/predict_mlp.c")
target_link_libraries(predict_static PRIVATE zenn::zenn_static m)
CM
if cmake -S "$tmp/consumer" -B "$tmp/consumer/build" -DCMAKE_PREFIX_PATH="$tmp/stage/opt/zn" \
    -DCMAKE_C_FLAGS="$san" >"$tmp/cm.log" 2>&1 && cmake --build "$tmp/consumer/build" >>"$tmp/cm.log" 2>&1; then
  ok_cm=1
else
  ok_cm=0
  cat "$tmp/cm.log" >&2
fi
check test "$ok_cm" -eq 1
# The shared build finds libzenn.so through the build RPATH CMake sets; no LD_LIBRARY_PATH.
check "$tmp/consumer/build/predict_shared"
check "$tmp/consumer/build/predict_static"
# A version the installed one cannot stand for is refused.
mkdir -p "$tmp/newer"
printf 'cmake_minimum_required(VERSION 3.16)\nproject(newer C)\nfind_package(zenn 9.9 REQUIRED)\n' >"$tmp/newer/CMakeLists.txt"
cmake -S "$tmp/newer" -B "$tmp/newer/build" -DCMAKE_PREFIX_PATH="$tmp/stage/opt/zn" >/dev/null 2>&1
check test $? -ne 0

# Only the public API is exported from the shared library.
if command -v nm >/dev/null 2>&1; then
  check test -z "$(nm -D --defined-only "$lib/libzenn.so" | awk '{print $3}' | grep -v '^zn_' | grep -v '^_')"
fi
# The installed zenn finds its FANN-API peer programs in libexec/zenn: `zenn bench fann`
# runs libzenn-fann against the system's libfann (fann_peer is built when libfann-dev is there).
"$tmp/stage/opt/zn/bin/zenn" bench fann --quick --repeat 1 --min-time 0.001 --settle-ms 0 --filter "fann_run 2-3-1" \
  --no-history >"$tmp/fann.txt" 2>&1
check grep -q '^zenn: zenn_fann_peer' "$tmp/fann.txt"
if [ -x "$build/fann_peer" ]; then
  check grep -q '^peer: libfann' "$tmp/fann.txt"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
