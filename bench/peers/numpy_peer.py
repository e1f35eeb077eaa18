#!/usr/bin/python3
"""NumPy peer of `zenn bench`: one JSON request per line on stdin, one JSON
reply per line on stdout (bench/peers/README.md). Run with Debian's
/usr/bin/python3 (python3-numpy); NumPy's matmul goes to the BLAS Debian's
alternatives select (OpenBLAS when installed), at the threads the bench sets."""
import json
import os
import resource
import sys
import time

try:
    import numpy as np
except Exception as e:  # reported by hello, so the bench can skip us with a reason
    np = None
    IMPORT_ERROR = "cannot import numpy: %s" % e


def peak_rss():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def timed(step, min_seconds):
    """Runs step once to warm up, then until min_seconds have passed."""
    step()
    iters, t0 = 0, time.perf_counter()
    while True:
        step()
        iters += 1
        t = time.perf_counter() - t0
        if t >= min_seconds:
            return t / iters, iters


_cache = {}


def gemm(req):
    """C = op(A) op(B) with float32 operands of the request's shape."""
    m, n, k = req["m"], req["n"], req["k"]
    ta, tb = bool(req.get("ta")), bool(req.get("tb"))
    key = (m, n, k, ta, tb)
    if _cache.get("key") != key:
        rng = np.random.default_rng(1234)
        a = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(np.float32)
        b = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(np.float32)
        _cache.update(key=key, a=a.T if ta else a, b=b.T if tb else b, c=np.empty((m, n), np.float32))
    a, b, c = _cache["a"], _cache["b"], _cache["c"]
    secs, iters = timed(lambda: np.matmul(a, b, out=c), req.get("min_seconds", 0.1))
    return {"seconds_per_iter": secs, "iters": iters}


def blas_name():
    try:
        info = np.show_config(mode="dicts")  # NumPy >= 1.25
        return str(info.get("Build Dependencies", {}).get("blas", {}).get("name", "?"))
    except Exception:
        return os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            op = req.get("op")
            if np is None:
                reply = {"ok": False, "error": IMPORT_ERROR}
            elif op == "hello":
                reply = {"ok": True, "name": "numpy", "version": np.__version__,
                         "threads": int(os.environ.get("OPENBLAS_NUM_THREADS", "1")), "blas": blas_name()}
            elif op == "gemm":
                reply = gemm(req)
                reply["ok"] = True
            else:
                reply = {"ok": False, "error": "unknown op %r" % op}
        except Exception as e:
            reply = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        reply["peak_rss_bytes"] = peak_rss()
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
