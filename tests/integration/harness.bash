# Shared by the CLI test scripts (sourced, not run): a temporary folder removed
# on exit, pass/fail counters, and the helpers every script uses.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { if "$@"; then ok; else bad "$*"; fi; }
# expect_error WANT CMD...: a non-zero exit and one "zenn: error:" line containing WANT
# (a script may define its own, stricter or looser).
expect_error() {
  local want=$1
  shift
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^zenn: error: ' "$tmp/err" &&
    grep -qF -- "$want" "$tmp/err"; then ok
  else bad "$* -> rc=$rc, stderr: $(cat "$tmp/err") (wanted '$want')"; fi
}
