#!/usr/bin/env bash
# The usage example in a public header's opening comment compiles against
# that header (graph.h's once called zn_model_compile with five arguments).
# Usage: header_examples.sh ZENN_BINARY SOURCE_DIR
set -u
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc=${CC:-cc}
fail=0
for h in graph.h; do
  # the example: the indented lines of the header's first comment (" *   code")
  {
    echo "#include \"zenn/zenn.h\""
    echo "int main(void) {"
    awk '/^ \*\/|\*\/$/ { exit } /^ \*   / { sub(/^ \*   /, "    "); print }' "$src/include/zenn/$h"
    echo "    return 0;"
    echo "}"
  } >"$tmp/example.c"
  if ! grep -q "zn_" "$tmp/example.c"; then
    echo "FAIL: no example found in $h" >&2
    fail=1
  elif ! "$cc" -std=c11 -Wall -Werror -Wno-unused-variable -fsyntax-only -I"$src/include" "$tmp/example.c" 2>"$tmp/err"; then
    echo "FAIL: the example in $h does not compile:" >&2
    cat "$tmp/example.c" "$tmp/err" >&2
    fail=1
  fi
done
[ $fail -eq 0 ] && echo "header examples: ok"
exit $fail
