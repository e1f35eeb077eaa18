#!/usr/bin/python3
"""Converts the state dict of a PyTorch nn.LSTM, nn.GRU or nn.RNN (torch.save(m.state_dict(), "m.pt"))
into a safetensors file zenn reads: the same tensor names and shapes (weight_ih_l0, weight_hh_l0,
bias_ih_l0, bias_hh_l0, ..._reverse) as F32, and the architecture as JSON in the metadata entry
"zenn" (docs/FORMATS.md). Torch is a dependency of this script only.

usage: torch_state_dict_to_safetensors.py IN.pt OUT.safetensors [--kind lstm|gru|rnn]
           [--nonlinearity tanh|relu] [--prefix NAME.]
--prefix picks the recurrent module out of a larger model's state dict (e.g. "encoder.rnn.");
--nonlinearity is an nn.RNN's (a state dict does not record it; default tanh). The module must be
batch_first=True in zenn's [B][T][C] layout, which does not change the weights. Missing, extra or
misshapen keys are an error naming the key."""
import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_write import write_safetensors  # noqa: E402

GATES = {"rnn": 1, "gru": 3, "lstm": 4}
KEY = re.compile(r"^(weight_ih|weight_hh|bias_ih|bias_hh)_l(\d+)(_reverse)?$")


class ConvertError(Exception):
    pass


def architecture(sd, kind=None, nonlinearity="tanh"):
    """The module's arguments from its state dict (name -> tensor), every key
    and shape checked against them."""
    for name in sd:
        if not KEY.match(name):
            hint = " (LSTM proj_size is not supported)" if name.startswith("weight_hr") else ""
            raise ConvertError("unexpected key '%s'%s" % (name, hint))
    for need in ("weight_ih_l0", "weight_hh_l0"):
        if need not in sd:
            raise ConvertError("missing key '%s'" % need)
    w_hh = sd["weight_hh_l0"]
    if w_hh.dim() != 2 or w_hh.shape[1] == 0 or w_hh.shape[0] % w_hh.shape[1]:
        raise ConvertError("key 'weight_hh_l0' has shape %s, not [gates*hidden, hidden]" % list(w_hh.shape))
    hidden = w_hh.shape[1]
    gates = w_hh.shape[0] // hidden
    found = {k: g for k, g in GATES.items() if g == gates}
    if not found:
        raise ConvertError("key 'weight_hh_l0' has %d gates (RNN 1, GRU 3, LSTM 4)" % gates)
    inferred = next(iter(found))
    if kind is not None and kind != inferred:
        raise ConvertError("--kind %s, but the weights have %d gates: a %s" % (kind, gates, inferred))
    if sd["weight_ih_l0"].dim() != 2:
        raise ConvertError("key 'weight_ih_l0' is not a matrix")
    arch = {
        "format": "zenn-rnn", "version": 1, "kind": inferred, "source": "pytorch",
        "input_size": int(sd["weight_ih_l0"].shape[1]), "hidden_size": int(hidden),
        "num_layers": 1 + max(int(KEY.match(n).group(2)) for n in sd),
        "bidirectional": any(n.endswith("_reverse") for n in sd), "bias": "bias_ih_l0" in sd,
        "batch_first": True,
    }
    if inferred != "rnn":
        arch["gate_order"] = {"gru": "r,z,n", "lstm": "i,f,g,o"}[inferred]  # PyTorch's
    else:
        if nonlinearity not in ("tanh", "relu"):
            raise ConvertError("--nonlinearity must be tanh or relu")
        arch["nonlinearity"] = nonlinearity
    dirs = 2 if arch["bidirectional"] else 1
    expected = {}
    for layer in range(arch["num_layers"]):
        for sfx in ("", "_reverse")[:dirs]:
            into = arch["input_size"] if layer == 0 else hidden * dirs
            expected["weight_ih_l%d%s" % (layer, sfx)] = [gates * hidden, into]
            expected["weight_hh_l%d%s" % (layer, sfx)] = [gates * hidden, hidden]
            if arch["bias"]:
                expected["bias_ih_l%d%s" % (layer, sfx)] = [gates * hidden]
                expected["bias_hh_l%d%s" % (layer, sfx)] = [gates * hidden]
    for name in sorted(expected):
        if name not in sd:
            raise ConvertError("missing key '%s'" % name)
        if list(sd[name].shape) != expected[name]:
            raise ConvertError("key '%s' has shape %s, expected %s" % (name, list(sd[name].shape), expected[name]))
    for name in sorted(sd):
        if name not in expected:
            raise ConvertError("unexpected key '%s' (the weights describe %d layer(s)%s%s)" %
                               (name, arch["num_layers"], ", bidirectional" if dirs == 2 else "",
                                "" if arch["bias"] else ", no bias"))
    return arch


def convert(src, dst, kind=None, nonlinearity="tanh", prefix=""):
    import torch

    try:
        obj = torch.load(src, map_location="cpu", weights_only=True)
    except Exception as e:
        raise ConvertError("%s: not a state dict torch.load reads with weights_only=True (%s)" % (src, e))
    if not isinstance(obj, dict):
        raise ConvertError("%s: holds a %s, not a state dict (save m.state_dict())" % (src, type(obj).__name__))
    sd = {k[len(prefix):]: v for k, v in obj.items() if k.startswith(prefix)}
    if not sd:
        raise ConvertError("%s: no key starts with '%s'" % (src, prefix))
    for name, t in sd.items():
        if not torch.is_tensor(t) or not t.is_floating_point():
            raise ConvertError("key '%s' is not a float tensor" % (prefix + name))
        if not bool(torch.isfinite(t).all()):
            raise ConvertError("key '%s' holds a NaN or an infinity" % (prefix + name))
    try:
        arch = architecture(sd, kind, nonlinearity)
    except ConvertError as e:
        raise ConvertError("%s: %s" % (src, e))
    tensors = {name: t.detach().to(torch.float32).contiguous().numpy() for name, t in sd.items()}
    write_safetensors(dst, tensors, {"zenn": json.dumps(arch, sort_keys=True)})
    return arch


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--kind", choices=sorted(GATES))
    ap.add_argument("--nonlinearity", default="tanh", choices=["tanh", "relu"])
    ap.add_argument("--prefix", default="")
    a = ap.parse_args(argv)
    try:
        arch = convert(a.src, a.dst, a.kind, a.nonlinearity, a.prefix)
    except ConvertError as e:
        sys.stderr.write("torch_state_dict_to_safetensors: error: %s\n" % e)
        return 1
    except ImportError as e:
        sys.stderr.write("torch_state_dict_to_safetensors: error: needs PyTorch (python3-torch): %s\n" % e)
        return 1
    print("%s: %s %d -> %d, %d layer(s)%s" % (a.dst, arch["kind"], arch["input_size"], arch["hidden_size"],
                                               arch["num_layers"], ", bidirectional" if arch["bidirectional"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
