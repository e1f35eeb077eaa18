#!/usr/bin/env bash
# Regenerates docs/BENCHMARKS.md from one real run of every suite: the JSON,
# the HTML report and its screenshot (headless Chromium), then the page.
# Usage: bench_docs.sh [BUILD_DIR] [extra zenn bench options]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
out="$build/bench-docs"
mkdir -p "$out"
"$build/zenn" bench --json "$out/results.json" --report "$out/report.html" "$@"
(cd tests/report && node check_report.js "../../$out/report.html" "../../$out/results.json" ../../docs/bench-report.png)
python3 scripts/bench_markdown.py --intro docs/BENCHMARKS.intro.md --screenshot bench-report.png \
  "$out/results.json" >docs/BENCHMARKS.md.tmp
mv docs/BENCHMARKS.md.tmp docs/BENCHMARKS.md
echo "docs/BENCHMARKS.md and docs/bench-report.png regenerated from $out/results.json"
