#!/usr/bin/python3
"""PyTorch peer of `zenn bench`: one JSON request per line on stdin, one JSON
reply per line on stdout (bench/peers/README.md). Run with Debian's
/usr/bin/python3 (python3-torch); the bench sets OMP/OPENBLAS threads to 1."""
import gzip
import json
import os
import struct
import time

from peer_common import serve, timed

try:
    import torch
    import torch.nn as nn
except Exception as e:  # reported by hello, so the bench can skip us with a reason
    torch = None
    IMPORT_ERROR = "cannot import torch: %s" % e

if torch is not None:
    # Two threads spin against each other on a 2-vCPU machine; one is fastest here.
    torch.set_num_threads(1)


ACTS = {"sigmoid": lambda: nn.Sigmoid(), "relu": lambda: nn.ReLU(), "tanh": lambda: nn.Tanh(),
        "linear": lambda: nn.Identity()}


def build(req):
    layers, act, out_act = req["layers"], req.get("act", "sigmoid"), req.get("out_act", "sigmoid")
    mods = []
    for i in range(1, len(layers)):
        mods.append(nn.Linear(layers[i - 1], layers[i]))
        mods.append(ACTS[act if i < len(layers) - 1 else out_act]())
    return nn.Sequential(*mods)


_cache = {}


def cached(kind, req, make):
    """The last model/data per kind, rebuilt only when the request changes."""
    key = json.dumps({k: v for k, v in req.items() if k != "min_seconds"}, sort_keys=True)
    if kind not in _cache or _cache[kind][0] != key:
        _cache.pop(kind, None)
        _cache[kind] = (key, make())
    return _cache[kind][1]


def forward(req):
    def make():
        torch.manual_seed(1)
        m = build(req).eval()
        return m, torch.rand(req["batch"], req["layers"][0])

    m, x = cached("forward", req, make)
    with torch.no_grad():
        per, iters = timed(lambda: m(x), req.get("min_seconds", 0.1))
    return {"seconds_per_iter": per, "iters": iters}


def probe_threads(req):
    out = {}
    for n in (1, 2):
        torch.set_num_threads(n)
        out["t%d" % n] = forward(req)["seconds_per_iter"]
    torch.set_num_threads(1)
    return out


def train(req):
    algo, batch = req["algo"], req["batch"]
    samples = max(req.get("samples", 256), batch)

    def make():
        torch.manual_seed(1)
        m = build(req)
        x = torch.rand(samples, req["layers"][0])
        y = torch.rand(samples, req["layers"][-1])
        lr = req.get("lr", 0.01)
        if algo == "sgd":
            opt = torch.optim.SGD(m.parameters(), lr=lr)
        elif algo == "adam":
            opt = torch.optim.Adam(m.parameters(), lr=lr)
        elif algo == "rprop":
            opt = torch.optim.Rprop(m.parameters())
        else:
            raise ValueError("unsupported algo %s" % algo)
        return m, x, y, opt, [0]

    m, x, y, opt, pos = cached("train", req, make)
    loss_fn = nn.MSELoss()

    def step():
        i = pos[0]
        pos[0] = (i + batch) % (samples - batch + 1)
        xb, yb = x[i:i + batch], y[i:i + batch]
        opt.zero_grad()
        loss = loss_fn(m(xb), yb)
        loss.backward()
        opt.step()

    per, iters = timed(step, req.get("min_seconds", 0.1))
    return {"seconds_per_iter": per, "seconds_per_sample": per / batch, "iters": iters}


def memory(req):
    m = build(req).eval()
    with torch.no_grad():
        m(torch.rand(req.get("batch", 1), req["layers"][0]))
    return {}


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    t = torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8)
    return t.reshape(*dims)


def mnist(req):
    d = req["dir"]
    xtr = read_idx(os.path.join(d, "train-images-idx3-ubyte.gz")).reshape(-1, 784).float() / 255.0
    ytr = read_idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).long()
    xte = read_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784).float() / 255.0
    yte = read_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).long()
    limit = req.get("train_rows", 0)
    if limit:
        xtr, ytr = xtr[:limit], ytr[:limit]
    torch.manual_seed(req.get("seed", 1))
    hidden = req.get("hidden", 128)
    m = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    opt = torch.optim.Adam(m.parameters(), lr=req.get("lr", 1e-3))
    loss_fn = nn.CrossEntropyLoss()
    batch, n = req.get("batch", 64), xtr.shape[0]
    t0 = time.perf_counter()
    for _ in range(req.get("epochs", 5)):
        order = torch.randperm(n)
        for i in range(0, n, batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(m(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        acc = (m(xte).argmax(1) == yte).float().mean().item() * 100.0
    return {"accuracy": acc, "train_seconds": seconds, "rows": n}


# ---- sequence suites (rnn, conv): threads per request ------------------------------------

_openblas = []


def set_threads(n):
    """Intra-op threads for torch and for the OpenBLAS it calls for GEMM (the
    bench starts us with OPENBLAS_NUM_THREADS=1, which torch does not override)."""
    torch.set_num_threads(n)
    if not _openblas:
        import ctypes
        try:
            _openblas.append(ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads)
        except (OSError, AttributeError):
            _openblas.append(None)
    if _openblas[0] is not None:
        _openblas[0](n)


def with_threads(req, run):
    """run(min_seconds) -> (seconds_per_iter, iters) at the request's "threads":
    1 or 2, or "best" (default): both, each for min_seconds, the faster reported.
    One thread is restored afterwards for the MLP ops."""
    want = req.get("threads", "best")
    counts = (1, 2) if want == "best" else (int(want),)
    if any(n < 1 for n in counts):
        raise ValueError("threads must be 1, 2, ... or \"best\"")
    by = {}
    try:
        for n in counts:
            set_threads(n)
            by[n] = run(req.get("min_seconds", 0.1))
    finally:
        set_threads(1)
    best = min(by, key=lambda n: by[n][0])
    out = {"seconds_per_iter": by[best][0], "iters": by[best][1], "threads": best}
    if len(by) > 1:
        out["seconds_by_threads"] = {str(n): by[n][0] for n in by}
    return out


def rnn_module(req):
    cls = {"lstm": nn.LSTM, "gru": nn.GRU}[req["op"]]
    return cls(req["inputs"], req["hidden"], num_layers=req.get("layers", 1), batch_first=True)


def recurrent(req):
    """lstm / gru: "infer" (the whole sequence, no grad), "train" (forward,
    MSE on the last layer's output, backward, Adam step) or "stream" (one step
    per call with the state carried, batch 1 by default)."""
    mode = req.get("mode", "infer")
    batch, steps = req.get("batch", 1 if mode == "stream" else 32), req.get("steps", 96)

    def make():
        torch.manual_seed(1)
        m = rnn_module(req)
        x = torch.rand(batch, steps, req["inputs"])
        st = {"m": m, "x": x, "t": [0], "state": [None]}
        if mode == "train":
            st["y"] = torch.rand(batch, steps, req["hidden"])
            st["opt"] = torch.optim.Adam(m.parameters(), lr=req.get("lr", 1e-3))
        else:
            m.eval()
        return st

    st = cached(req["op"] + "-" + mode, req, make)
    m, x = st["m"], st["x"]
    if mode == "infer":
        def step():
            with torch.no_grad():
                m(x)
    elif mode == "stream":
        def step():
            t = st["t"][0]
            st["t"][0] = (t + 1) % steps
            with torch.no_grad():
                _, st["state"][0] = m(x[:, t:t + 1], st["state"][0])
    elif mode == "train":
        loss_fn, opt, y = nn.MSELoss(), st["opt"], st["y"]

        def step():
            opt.zero_grad(set_to_none=True)
            loss_fn(m(x)[0], y).backward()
            opt.step()
    else:
        raise ValueError("mode must be infer, stream or train")
    out = with_threads(req, lambda ms: timed(step, ms))
    if mode == "stream":
        out["seconds_per_step"] = out["seconds_per_iter"]
    return out


def conv1d(req):
    """conv1d, channels in = out, padding "same", [B][C][L] (PyTorch's layout):
    "forward" (no grad) or "train" (forward, MSE, backward to the input, the
    weight and the bias; no optimizer step)."""
    mode = req.get("mode", "forward")
    b, c, length = req["batch"], req["channels"], req["length"]

    def make():
        torch.manual_seed(1)
        m = nn.Conv1d(c, c, req["kernel"], dilation=req.get("dilation", 1), padding="same")
        x = torch.rand(b, c, length, requires_grad=(mode == "train"))
        return m, x, torch.rand(b, c, length)

    m, x, y = cached("conv1d-" + mode, req, make)
    if mode == "forward":
        def step():
            with torch.no_grad():
                m(x)
    elif mode == "train":
        loss_fn = nn.MSELoss()

        def step():
            m.zero_grad(set_to_none=True)
            x.grad = None
            loss_fn(m(x), y).backward()
    else:
        raise ValueError("mode must be forward or train")
    return with_threads(req, lambda ms: timed(step, ms))


OPS = {"forward": forward, "train": train, "memory": memory, "mnist": mnist, "probe_threads": probe_threads,
       "lstm": recurrent, "gru": recurrent, "conv1d": conv1d}


def hello():
    return {"name": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads()}


def main():
    serve(hello, OPS, None if torch is not None else IMPORT_ERROR)


if __name__ == "__main__":
    main()
