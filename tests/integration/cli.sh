#!/usr/bin/env bash
# Runs the real zenn binary: help, errors with one line and a non-zero exit,
# and a short smoke run of each benchmark suite with its JSON checked.
# Usage: cli.sh ZENN_BINARY SOURCE_DIR
set -u
zenn=$1
. "$(dirname "$0")/harness.bash"

# expect_error CMD...: non-zero exit, exactly one line on stderr starting "zenn: error:"
expect_error() {
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  local lines
  lines=$(wc -l <"$tmp/err")
  if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && grep -q '^zenn: error: ' "$tmp/err"; then ok
  else bad "$* -> rc=$rc, stderr: $(cat "$tmp/err")"; fi
}

"$zenn" --help >"$tmp/out" 2>&1 && grep -q 'usage: zenn' "$tmp/out" && ok || bad "--help"
"$zenn" version | grep -qE '^zenn [0-9]+\.[0-9]+\.[0-9]+$' && ok || bad "version"
"$zenn" cpu | grep -q '^kernels: ' && ok || bad "cpu"
[ "$(ZN_ISA=ref "$zenn" cpu | grep '^kernels:')" = "kernels: ref" ] && ok || bad "ZN_ISA=ref"
"$zenn" bench --help | grep -q 'suites' && ok || bad "bench --help"

expect_error "$zenn" frobnicate
expect_error "$zenn" cpu extra
expect_error "$zenn" bench nosuchsuite
expect_error "$zenn" bench --repeat
expect_error "$zenn" bench --repeat 0
expect_error "$zenn" bench --repeat abc
expect_error "$zenn" bench --threads -1
expect_error "$zenn" bench --min-time nan
expect_error "$zenn" bench --json
expect_error "$zenn" bench --bogus
# The bench's options come from one table (tools/zenn/cli_opts.c): its --help lists them all,
# "--name=value" works, a value option given twice or a flag given a value is an error.
"$zenn" bench --help >"$tmp/bh.txt" && grep -q '^  --last K ' "$tmp/bh.txt" && grep -q '^  --threshold X ' "$tmp/bh.txt" &&
  grep -q -- '--compare \[RUN\]' "$tmp/bh.txt" && ok || bad "bench --help misses options"
expect_error "$zenn" bench --repeat 2 --repeat 3
# --quick shortens only the reps no option named, wherever it stands.
"$zenn" bench --repeat 1 --quick --filter no-such-case pool --no-history 2>&1 | grep -q 'medians of 1 reps of >= 0.02 s' &&
  ok || bad "--quick overrode --repeat"
expect_error "$zenn" bench --quick=1
expect_error "$zenn" bench --compare=abc
expect_error "$zenn" bench --compare 0
expect_error "$zenn" bench --last 0
expect_error "$zenn" bench --threshold -1
expect_error "$zenn" bench pool --json /nonexistent-dir/x.json
[ ! -e /nonexistent-dir/x.json.tmp ] && ok || bad "left a temporary file"
"$zenn" "" >/dev/null 2>&1; [ $? -ne 0 ] && ok || bad "empty command accepted"
"$zenn" >/dev/null 2>&1; [ $? -ne 0 ] && ok || bad "no command accepted"

# Smoke runs of every suite: tiny reps, then check the JSON.
smoke() {
  local name=$1; shift
  if "$zenn" bench --quick --repeat 1 --min-time 0.001 --settle-ms 0 --json "$tmp/$name.json" "$@" >"$tmp/$name.txt" 2>&1; then
    ok
  else
    bad "bench $name: $(tail -3 "$tmp/$name.txt")"
    return
  fi
  if python3 - "$tmp/$name.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
fp = d["fingerprint"]
assert fp["logical_cpus"] >= 1 and fp["isa"] in ("ref", "avx2", "avx512"), fp
for r in d["results"]:
    assert r["zenn"] is None or r["zenn"]["median_s"] > 0, r
    if "ratio" in r:
        assert r["ratio"] > 0, r
        assert r["peer_stats"]["median_s"] > 0, r
PY
  then ok; else bad "bench $name: bad JSON"; fi
}
smoke gemm gemm --filter "square 256"
smoke gemv gemm --filter "sgemv 784"
smoke vmath vmath --filter "exp"
smoke pool pool
smoke io io
grep -q 'sgemm square 256' "$tmp/gemm.txt" && ok || bad "gemm table has no square 256 row"

# The MLP suites with whatever peers this machine has; a missing peer is skipped, never failed.
smoke mlp-forward mlp-forward --filter "b1"
smoke mlp-train mlp-train --filter "b64 sgd"
smoke memory memory
smoke mnist mnist
grep -q 'fwd 784-128-10 b1' "$tmp/mlp-forward.txt" && ok || bad "mlp-forward has no 784-128-10 b1 row"
grep -q 'mnist skipped: not part of --quick' "$tmp/mnist.txt" && ok || bad "mnist ran in --quick"
# Peers that cannot start are reported as skipped with a reason.
ZN_BENCH_PEERS_DIR=/nonexistent "$zenn" bench --quick --repeat 1 --min-time 0.001 --filter "b64 sgd" \
  --json "$tmp/nopeer.json" mlp-train >"$tmp/nopeer.txt" 2>&1 && ok || bad "bench without peers failed"
python3 - "$tmp/nopeer.json" <<'PY' && ok || bad "peers absent: not reported as skipped"
import json, sys
rows = [r for r in json.load(open(sys.argv[1]))["results"] if r["peer"] == "pytorch"]
assert rows and all(r["zenn"] and r["skipped"] and r["met"] is None for r in rows), rows
PY

# History: two runs at once into one SQLite file, then a comparison; a
# corrupt file is one error line and a failure, but the JSON is still written.
"$zenn" bench pool --quick --history "$tmp/h.db" >/dev/null 2>"$tmp/h1.err" &
p1=$!
"$zenn" bench pool --quick --history "$tmp/h.db" >/dev/null 2>"$tmp/h2.err" &
p2=$!
wait $p1 && wait $p2 && ok || bad "concurrent history writers: $(cat "$tmp/h1.err" "$tmp/h2.err")"
"$zenn" bench vmath --filter "exp" --quick --repeat 1 --min-time 0.001 --history "$tmp/h.db" >/dev/null 2>&1 && ok || bad "history run 3"
"$zenn" bench --compare --history "$tmp/h.db" >"$tmp/cmp.txt" 2>&1 && grep -q "compare: run 3 against" "$tmp/cmp.txt" && ok || bad "compare: $(cat "$tmp/cmp.txt")"
"$zenn" bench --compare 2 --history "$tmp/h.db" | grep -q "run 3 against run 2" && ok || bad "compare with a run id"
"$zenn" bench --compare=2 --last=3 --history="$tmp/h.db" | grep -q "run 3 against run 2" && ok || bad "compare=RUN"
expect_error "$zenn" bench --compare --history "$tmp/empty.db"
printf 'not a database, just text long enough to look like a header....' >"$tmp/bad.db"
"$zenn" bench pool --quick --history "$tmp/bad.db" --json "$tmp/bad.json" >/dev/null 2>"$tmp/bad.err"
rc=$?
[ $rc -ne 0 ] && [ "$(wc -l <"$tmp/bad.err")" -eq 1 ] && grep -q '^zenn: error: benchmark history' "$tmp/bad.err" && [ -s "$tmp/bad.json" ] && ok || bad "corrupt history: rc=$rc $(cat "$tmp/bad.err")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
