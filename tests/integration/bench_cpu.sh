#!/usr/bin/env bash
# zenn bench --compare and the report's trends use runs of this machine's CPU
# model and kernels only (ratios differ by CPU), and say which runs they left
# out: a history whose middle run is relabelled as another CPU's.
# Usage: bench_cpu.sh ZENN_BINARY SOURCE_DIR
set -u
zenn=$1
. "$(dirname "$0")/harness.bash"
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import sqlite3' 2>/dev/null; then
  echo "skipped: needs python3 with sqlite3"; exit 0
fi
run() { "$zenn" bench vmath --filter exp --quick --repeat 1 --min-time 0.001 --settle-ms 0 --history "$tmp/h.db" "$@"; }
for i in 1 2 3; do run >"$tmp/run$i.txt" 2>&1 || { echo "FAIL: run $i: $(tail -2 "$tmp/run$i.txt")"; exit 1; }; done
if grep -q 'built without SQLite' "$tmp/run1.txt"; then echo "skipped: zenn built without SQLite"; exit 0; fi
ice='Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz'
python3 - "$tmp/h.db" "$ice" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
(m,) = db.execute("SELECT machine FROM runs WHERE id=2").fetchone()
db.execute("UPDATE runs SET machine=? WHERE id=2", (sys.argv[2] + m[m.index("|"):],))
db.execute("INSERT INTO runs(time, machine) SELECT time, ? FROM runs WHERE id=1",
           (m[:m.rindex("|")] + "|ref",))  # run 4: this CPU, other kernels
db.commit()
PY
# run 5: this CPU again, newest
run >"$tmp/run5.txt" 2>&1 || bad "run 5"

"$zenn" bench --compare --history "$tmp/h.db" >"$tmp/cmp.txt" 2>&1 || bad "compare: $(cat "$tmp/cmp.txt")"
grep -q "compare: run 5 against the median of the last runs: 2" "$tmp/cmp.txt" && ok || bad "compare uses runs 3 and 1: $(cat "$tmp/cmp.txt")"
grep -qF "left out: 1 run on other CPUs ($ice), 1 run with other kernels" "$tmp/cmp.txt" && ok ||
  bad "compare names what it left out: $(cat "$tmp/cmp.txt")"

# An explicit run of another CPU is refused, with one error line.
"$zenn" bench --compare 2 --history "$tmp/h.db" >"$tmp/out" 2>"$tmp/err"
[ $? -ne 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qF "run 2 ran on $ice" "$tmp/err" && ok ||
  bad "compare with another CPU's run: $(cat "$tmp/err")"
"$zenn" bench --compare 3 --history "$tmp/h.db" >"$tmp/out" 2>&1 && grep -q "run 5 against run 3" "$tmp/out" && ok ||
  bad "compare with this CPU's run: $(cat "$tmp/out")"

# The report's trends: runs 1, 3, 5 and 6 (this one), never 2 or 4.
run --report "$tmp/r.html" --json "$tmp/r.json" >"$tmp/run6.txt" 2>&1 || bad "report run: $(tail -2 "$tmp/run6.txt")"
python3 - "$tmp/r.html" "$ice" <<'PY' && ok || bad "report trends"
import json, re, sys
html = open(sys.argv[1]).read()
h = json.loads(re.search(r'id="zenn-history">\s*(.*?)\s*</script>', html, re.S).group(1))
runs = sorted({p["run"] for p in h["points"]})
assert runs == [1, 3, 5, 6], runs
assert h["left_out"] == "1 run on other CPUs (%s), 1 run with other kernels" % sys.argv[2], h["left_out"]
assert h["cpu"] and h["cpu"] != sys.argv[2], h["cpu"]
PY

# docs/BENCHMARKS.md's generator names the CPU under every table.
src=$2
python3 "$src/scripts/bench_markdown.py" "$tmp/r.json" >"$tmp/b.md" 2>"$tmp/err" || bad "bench_markdown.py: $(cat "$tmp/err")"
python3 - "$tmp/b.md" "$tmp/r.json" <<'PY' && ok || bad "a table without its CPU: $(cat "$tmp/b.md")"
import json, re, sys
md, fp = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))["fingerprint"]
tables = re.findall(r"\n### [^\n]+\n\n([^\n]*)\n", md)
want = "On %s, kernels %s." % (" ".join(fp["cpu"].split()), fp["isa"])
assert tables and all(t == want for t in tables), (tables, want)
PY
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
