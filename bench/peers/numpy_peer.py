#!/usr/bin/python3
"""NumPy peer of `zenn bench`: one JSON request per line on stdin, one JSON
reply per line on stdout (bench/peers/README.md). Run with Debian's
/usr/bin/python3 (python3-numpy); NumPy's matmul goes to the BLAS Debian's
alternatives select (OpenBLAS when installed), at the threads the bench sets."""
import os

from peer_common import serve, timed

try:
    import numpy as np
except Exception as e:  # reported by hello, so the bench can skip us with a reason
    np = None
    IMPORT_ERROR = "cannot import numpy: %s" % e


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


def hello():
    return {"name": "numpy", "version": np.__version__, "threads": int(os.environ.get("OPENBLAS_NUM_THREADS", "1")),
            "blas": blas_name()}


def main():
    serve(hello, {"gemm": gemm}, None if np is not None else IMPORT_ERROR)


if __name__ == "__main__":
    main()
