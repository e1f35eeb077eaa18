#!/usr/bin/python3
"""Exports the ONNX file the ONNX Runtime peer (js/ort_peer.js) runs for a benchmark request, with
torch.onnx.export of Debian's PyTorch 1.13, into a cache folder the first time a shape is asked for.

usage: export_onnx.py [--cache DIR] 'REQUEST'     (REQUEST: the peer's JSON request)
prints one JSON line: {"ok":true,"path":"/.../lstm-infer-b32-t96-i32-h128-l1.onnx","cached":false}
or {"ok":false,"error":"..."} (exit 1). DIR: --cache, else $ZN_ONNX_CACHE, else
$XDG_CACHE_HOME/zenn/onnx (~/.cache/zenn/onnx).

Models (the same as torch_peer.py's): lstm/gru "infer" takes x [B][T][I] and gives y, h_n (c_n);
"stream" is one step, x [B][1][I] with h0 (c0) in and h_n (c_n) out, for carrying the state;
conv1d "forward" takes x [B][C][L], channels in = out, padding "same" (odd kernels)."""
import json
import os
import sys

OPSET = 14


def cache_dir(arg):
    if arg:
        return arg
    if os.environ.get("ZN_ONNX_CACHE"):
        return os.environ["ZN_ONNX_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "zenn", "onnx")


def file_name(req):
    op, mode = req["op"], req.get("mode")
    if op in ("lstm", "gru"):
        mode = mode or "infer"
        if mode not in ("infer", "stream"):
            raise ValueError("ONNX Runtime runs %s modes infer and stream, not %r" % (op, mode))
        batch = req.get("batch", 1 if mode == "stream" else 32)
        steps = 1 if mode == "stream" else req.get("steps", 96)
        return "%s-%s-b%d-t%d-i%d-h%d-l%d-op%d.onnx" % (op, mode, batch, steps, req["inputs"], req["hidden"],
                                                       req.get("layers", 1), OPSET)
    if op == "conv1d":
        if (mode or "forward") != "forward":
            raise ValueError("ONNX Runtime runs conv1d mode forward, not %r" % mode)
        if req["kernel"] % 2 == 0:
            raise ValueError("padding \"same\" is exported for odd kernels only")
        return "conv1d-forward-b%d-c%d-l%d-k%d-d%d-op%d.onnx" % (req["batch"], req["channels"], req["length"],
                                                               req["kernel"], req.get("dilation", 1), OPSET)
    raise ValueError("no ONNX export for op %r" % op)


def export(req, path):
    import torch
    import torch.nn as nn

    torch.manual_seed(1)
    op = req["op"]
    if op == "conv1d":
        k, d = req["kernel"], req.get("dilation", 1)
        m = nn.Conv1d(req["channels"], req["channels"], k, dilation=d, padding=(k - 1) * d // 2)
        args, names, outs = (torch.rand(req["batch"], req["channels"], req["length"]),), ["x"], ["y"]
    else:
        layers, hidden = req.get("layers", 1), req["hidden"]
        m = {"lstm": nn.LSTM, "gru": nn.GRU}[op](req["inputs"], hidden, num_layers=layers, batch_first=True)
        stream = req.get("mode") == "stream"
        batch = req.get("batch", 1 if stream else 32)
        x = torch.rand(batch, 1 if stream else req.get("steps", 96), req["inputs"])
        if not stream:
            args, names = (x,), ["x"]
        elif op == "lstm":
            h = torch.zeros(layers, batch, hidden)
            args, names = (x, (h, h.clone())), ["x", "h0", "c0"]
        else:
            args, names = (x, torch.zeros(layers, batch, hidden)), ["x", "h0"]
        outs = ["y", "h_n", "c_n"] if op == "lstm" else ["y", "h_n"]
    m.eval()
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with torch.no_grad():
        torch.onnx.export(m, args, tmp, input_names=names, output_names=outs, opset_version=OPSET)
    os.replace(tmp, path)


def main(argv):
    cache = None
    if len(argv) >= 2 and argv[0] == "--cache":
        cache, argv = argv[1], argv[2:]
    try:
        if len(argv) != 1:
            raise ValueError("usage: export_onnx.py [--cache DIR] 'JSON request'")
        req = json.loads(argv[0])
        folder = cache_dir(cache)
        path = os.path.join(folder, file_name(req))
        cached = os.path.exists(path)
        if not cached:
            os.makedirs(folder, exist_ok=True)
            export(req, path)
        reply = {"ok": True, "path": os.path.abspath(path), "cached": cached}
    except Exception as e:
        reply = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
    sys.stdout.write(json.dumps(reply) + "\n")
    return 0 if reply["ok"] else 1


if __name__ == "__main__":
    import warnings

    warnings.filterwarnings("ignore")  # torch.onnx's shape-inference notes; errors still fail
    sys.exit(main(sys.argv[1:]))
