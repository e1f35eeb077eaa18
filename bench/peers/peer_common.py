"""What the Python peers of `zenn bench` share: their peak memory, the timing
loop, and the request loop of the JSON-lines protocol (bench/peers/README.md)."""
import json
import resource
import sys
import time


def peak_rss():
    # VmHWM: ru_maxrss would include the spawning zenn's own high-water mark.
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


def serve(hello, ops, import_error=None):
    """Answers one JSON request per stdin line with one JSON line: "hello"
    with hello(), an op in ops with ops[op](request); every reply has "ok"
    and the peak RSS. With import_error set, every request fails with it."""
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            op = req.get("op")
            if import_error is not None:
                reply = {"ok": False, "error": import_error}
            elif op == "hello":
                reply = dict(hello(), ok=True)
            elif op in ops:
                reply = ops[op](req)
                reply["ok"] = True
            else:
                reply = {"ok": False, "error": "unknown op %r" % op}
        except Exception as e:
            reply = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        reply["peak_rss_bytes"] = peak_rss()
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
