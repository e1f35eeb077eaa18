#!/usr/bin/env python3
"""Compares two outputs of the same program built against libfann and against
libzenn-fann, line by line and token by token: words must be equal, numbers
equal within a relative tolerance (with an absolute floor for values near 0).

Usage: compare.py FANN_OUTPUT ZENN_OUTPUT REL_TOL [ABS_TOL]
Exit status 0 when they agree; otherwise the first differences are printed."""
import sys


def number(tok):
    try:
        return float(tok)
    except ValueError:
        return None


def main():
    a_path, b_path, rel = sys.argv[1], sys.argv[2], float(sys.argv[3])
    floor = float(sys.argv[4]) if len(sys.argv) > 4 else rel * 1e-3
    a = open(a_path, encoding="utf-8", errors="replace").read().splitlines()
    b = open(b_path, encoding="utf-8", errors="replace").read().splitlines()
    problems = []
    if len(a) != len(b):
        problems.append(f"{len(a)} lines from libfann, {len(b)} from zenn")
    worst = 0.0
    for n, (la, lb) in enumerate(zip(a, b), 1):
        ta, tb = la.split(), lb.split()
        if len(ta) != len(tb):
            problems.append(f"line {n}: libfann '{la}' / zenn '{lb}'")
            continue
        for x, y in zip(ta, tb):
            fx, fy = number(x), number(y)
            if fx is None or fy is None:
                if x != y:
                    problems.append(f"line {n}: '{x}' / '{y}' in libfann '{la}' / zenn '{lb}'")
                continue
            diff = abs(fx - fy)
            scale = max(abs(fx), abs(fy))
            if scale:
                worst = max(worst, diff / scale)
            if diff > floor and diff > rel * scale:
                problems.append(f"line {n}: {x} / {y} (relative {diff / scale:.2e} > {rel:g}) "
                                f"in libfann '{la}' / zenn '{lb}'")
    for p in problems[:10]:
        print("  " + p)
    if len(problems) > 10:
        print(f"  ... {len(problems) - 10} more")
    print(f"  {len(a)} lines, largest relative difference {worst:.2e} (tolerance {rel:g})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
