#!/usr/bin/env python3
"""Turns the JSON of `zenn bench --json FILE` into docs/BENCHMARKS.md: an
optional introduction, the targets met and missed, one table per suite, each
naming the CPU it ran on (ratios differ by CPU), the machine fingerprint and
the command that produced it.
Usage: bench_markdown.py [--intro INTRO.md] [--screenshot PNG] RESULTS.json > OUT.md"""
import json
import sys


def rate(stats, case):
    if not stats:
        return "-"
    unit = case["unit"]
    if unit == "MB":  # stored in bytes
        return "%.4g" % (stats["median_s"] * 1e-6)
    if unit in ("MSE", "s", "%"):
        return "%.4g" % stats["median_s"]
    v = stats.get("rate_median", 0)
    if unit in ("GFLOP/s", "GElem/s"):
        return "%.1f" % (v * 1e-9)
    if unit == "ksmp/s":
        return "%.1f" % (v * 1e-3)
    if unit.startswith("M ") and unit.endswith("/s"):  # "M runs/s", "M jobs/s"
        return "%.3g" % (v * 1e-6)
    if unit == "MB/s":
        return "%.0f" % (v * 1e-6)
    return "%.4g" % v


def verdict(case):
    if case.get("skipped"):
        return "skipped: " + case.get("skipped")
    met = case.get("met")
    if met is None:
        return ""
    return "met" if met else "**not met**"


def cpu_of(d):
    """The CPU model and kernels every figure of the run belongs to."""
    fp = d["fingerprint"]
    return "%s, kernels %s" % (" ".join(fp["cpu"].split()), fp["isa"])


def summary(d):
    rows = [c for c in d["results"] if "target" in c]
    met = [c for c in rows if c.get("met") is True]
    missed = [c for c in rows if c.get("met") is False]
    skipped = [c for c in rows if c.get("met") is None]
    print("## Targets\n")
    print("%d met, %d not met, %d not measurable (a peer missing) — each against the named peer in the same run, "
          "on %s.\n" % (len(met), len(missed), len(skipped), cpu_of(d)))
    if missed:
        print("Not met:\n")
        for c in missed:
            got = ("%+.2f" % (c["zenn"]["median_s"] - c["peer_stats"]["median_s"])) if c.get("target_kind") == "margin" \
                else ("%.2fx" % c.get("ratio", 0))
            print("- %s (%s, %d thread%s): %s %s, wanted %s %s" % (
                  c["case"], c["suite"], c["threads"], "" if c["threads"] == 1 else "s", got,
                  "against " + (c.get("peer") or "-"),
                  ">=" if c.get("target_kind", "ratio") == "ratio" else "within", c["target"]))
        print()


def main():
    args = sys.argv[1:]
    intro = shot = None
    while args and args[0].startswith("--"):
        if args[0] == "--intro":
            intro = args[1]
        elif args[0] == "--screenshot":
            shot = args[1]
        args = args[2:]
    if intro:
        print(open(intro).read().rstrip() + "\n")
    d = json.load(open(args[0]))
    summary(d)
    if shot:
        print("The run's report (`zenn bench --report`), as headless Chromium renders it:\n")
        print("![benchmark report](%s)\n" % shot)
    print("## The run\n")
    fp = d["fingerprint"]
    print("Command: `%s`  " % d["command"])
    print("Machine: %s, %d logical CPUs, %.0f GiB; kernel %s; %s; zenn %s (%s), kernels %s, default pool %d threads."
          % (" ".join(fp["cpu"].split()), fp["logical_cpus"], fp["memory_bytes"] / 2**30, fp["kernel"], fp["compiler"],
             fp["zenn_version"], fp["zenn_commit"], fp["isa"], fp["threads"]))
    print()
    suite = None
    for c in d["results"]:
        if c["suite"] != suite:
            suite = c["suite"]
            print("\n### %s\n" % suite)
            print("On %s.\n" % cpu_of(d))
            print("| case | threads | unit | zenn | peer | peer value | ratio | target | verdict |")
            print("|---|---|---|---|---|---|---|---|---|")
        ratio = ("%.2fx" % c["ratio"]) if "ratio" in c else "-"
        if c.get("target_kind") == "margin" and c.get("zenn") and c.get("peer_stats"):
            ratio = "%+.2f" % (c["zenn"]["median_s"] - c["peer_stats"]["median_s"])
        target = ""
        if "target" in c:
            target = (">= %.2f" % c["target"]) if c.get("target_kind", "ratio") == "ratio" else ("within %.2f" % c["target"])
        print("| %s | %d | %s | %s | %s | %s | %s | %s | %s |" % (
            c["case"], c["threads"], c["unit"], rate(c.get("zenn"), c), c.get("peer") or "-",
            rate(c.get("peer_stats"), c), ratio, target, verdict(c)))


if __name__ == "__main__":
    main()
