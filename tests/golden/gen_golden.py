#!/usr/bin/python3
"""Writes the golden files of zenn's sequence ops: tests/golden/data/<case>.safetensors,
each with the inputs, PyTorch's parameters under their state-dict names, the outputs,
an upstream gradient and the gradients of sum(out * grad_out) (tests/golden/README.md).

Run with Debian's PyTorch 1.13: /usr/bin/python3 tests/golden/gen_golden.py [OUT_DIR]
Torch is a dependency of this script only; the C tests read the committed files."""
import json
import os
import sys
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20261207
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
from st_write import write_safetensors  # noqa: E402

# ---- helpers --------------------------------------------------------------------------

def f32(t):
    """A double tensor whose values are float32 numbers: the C side reads the
    same inputs and weights exactly."""
    return t.detach().float().double()


def randn(gen, *shape):
    return f32(torch.randn(*shape, generator=gen, dtype=torch.float64))


def round_params(module):
    """Double module with float32-representable parameters and buffers."""
    module.double()
    with torch.no_grad():
        for p in list(module.parameters()) + [b for b in module.buffers() if b.is_floating_point()]:
            p.copy_(f32(p))
    return module


def btc(t):
    """[B][C][T] (PyTorch) -> [B][T][C] (zenn)."""
    return t.permute(0, 2, 1).contiguous()


def bct(t):
    return t.permute(0, 2, 1).contiguous()


class Case:
    """One golden file: named inputs (with gradients), parameters, outputs with
    their upstream gradients, and extra tensors without gradients."""

    def __init__(self, name, config, layout="BTC"):
        self.name, self.config, self.layout = name, config, layout
        # Each case seeds itself, so adding a case leaves the others' bytes alone.
        seed = SEED + zlib.crc32(name.encode())
        self.gen = torch.Generator().manual_seed(seed)
        torch.manual_seed(seed)  # module initialisation
        self.inputs, self.params, self.outputs, self.extra = {}, {}, {}, {}

    def input(self, name, t):
        t = t.clone().requires_grad_(True)
        self.inputs[name] = t
        return t

    def module_params(self, module, prefix=""):
        for n, p in module.named_parameters():
            self.params[prefix + n] = p
        return module

    def finish(self, out_dir):
        """Backward of sum(out * grad_out) over every output, then the file."""
        loss = 0
        grad_outs = {}
        for name, out in self.outputs.items():
            g = randn(self.gen, *out.shape)
            grad_outs["grad_out" if name == "output" else "grad_out." + name] = g
            loss = loss + (out * g).sum()
        wrt = list(self.inputs.items()) + list(self.params.items())
        grads = torch.autograd.grad(loss, [t for _, t in wrt], allow_unused=True)
        tensors = {}
        for name, t in list(self.inputs.items()) + list(self.params.items()) + list(self.outputs.items()):
            tensors[name] = t.detach().float().numpy()
        for name, t in self.extra.items():
            tensors[name] = t.detach().numpy() if t.dtype == torch.int32 else t.detach().float().numpy()
        for name, g in grad_outs.items():
            tensors[name] = g.float().numpy()
        for (name, t), g in zip(wrt, grads):
            tensors["grad." + name] = (g if g is not None else torch.zeros_like(t)).detach().float().numpy()
        meta = {
            "config": json.dumps(self.config, sort_keys=True),
            "layout": self.layout,
            "inputs": json.dumps(list(self.inputs)),
            "params": json.dumps(list(self.params)),
            "outputs": json.dumps(list(self.outputs)),
            "extra": json.dumps(list(self.extra)),
            "generator": "tests/golden/gen_golden.py (PyTorch %s, float64, seed %d)" % (torch.__version__, SEED),
        }
        write_safetensors(os.path.join(out_dir, self.name + ".safetensors"), tensors, meta)
        return tensors


# ---- conv1d, pooling, interpolation (PyTorch [B][C][T], stored [B][T][C]) -------------

def conv1d_case(name, batch, length, cin, cout, kernel, stride=1, pad=(0, 0), dilation=1, groups=1, bias=True):
    cfg = {"kind": "conv1d", "batch": batch, "length": length, "in_channels": cin, "out_channels": cout,
           "kernel": kernel, "stride": stride, "padding": list(pad), "dilation": dilation, "groups": groups,
           "bias": bias, "padding_mode": "zeros"}
    c = Case(name, cfg)
    conv = round_params(nn.Conv1d(cin, cout, kernel, stride=stride, dilation=dilation, groups=groups, bias=bias))
    c.module_params(conv)
    x = c.input("input", randn(c.gen, batch, length, cin))
    y = conv(F.pad(bct(x), pad))
    c.outputs["output"] = btc(y)
    return c


def pool_case(name, kind, batch, length, chans, kernel, stride, padding=0, ceil_mode=False, count_include_pad=True):
    cfg = {"kind": kind, "batch": batch, "length": length, "channels": chans, "kernel": kernel, "stride": stride,
           "padding": [padding, padding], "dilation": 1, "ceil_mode": ceil_mode}
    if kind == "avg_pool1d":
        cfg["count_include_pad"] = count_include_pad
    c = Case(name, cfg)
    x = c.input("input", randn(c.gen, batch, length, chans))
    if kind == "max_pool1d":
        y = F.max_pool1d(bct(x), kernel, stride, padding, ceil_mode=ceil_mode)
    else:
        y = F.avg_pool1d(bct(x), kernel, stride, padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad)
    c.outputs["output"] = btc(y)
    c.config["out_length"] = y.shape[2]
    return c


def interp_case(name, batch, length, chans, size):
    cfg = {"kind": "interpolate", "mode": "linear", "align_corners": False, "batch": batch, "length": length,
           "channels": chans, "size": size}
    c = Case(name, cfg)
    x = c.input("input", randn(c.gen, batch, length, chans))
    c.outputs["output"] = btc(F.interpolate(bct(x), size=size, mode="linear", align_corners=False))
    return c


# ---- normalisation and embedding ([B][T][C] natively) ---------------------------------

def layer_norm_case(name, batch, length, chans, affine, eps=1e-5):
    cfg = {"kind": "layer_norm", "batch": batch, "length": length, "normalized_shape": [chans], "eps": eps,
           "elementwise_affine": affine}
    c = Case(name, cfg)
    ln = nn.LayerNorm(chans, eps=eps, elementwise_affine=affine)
    if affine:
        with torch.no_grad():  # not the trivial 1 and 0 of a fresh module
            ln.weight.copy_(1 + 0.5 * torch.randn(chans, generator=c.gen))
            ln.bias.copy_(0.5 * torch.randn(chans, generator=c.gen))
    c.module_params(round_params(ln))
    x = c.input("input", 2 * randn(c.gen, batch, length, chans) + 0.5)
    c.outputs["output"] = ln(x)
    return c


def rms_norm_case(name, batch, length, chans, eps=1e-6):
    cfg = {"kind": "rms_norm", "batch": batch, "length": length, "normalized_shape": [chans], "eps": eps,
           "elementwise_affine": True, "formula": "x * rsqrt(mean(x^2, last axis) + eps) * weight"}
    c = Case(name, cfg)
    w = (1 + 0.5 * randn(c.gen, chans)).requires_grad_(True)
    c.params["weight"] = w
    x = c.input("input", randn(c.gen, batch, length, chans) + 0.3)
    c.outputs["output"] = x * torch.rsqrt((x * x).mean(dim=-1, keepdim=True) + eps) * w
    return c


def batch_norm_case(name, batch, length, chans, training, eps=1e-5, momentum=0.1):
    cfg = {"kind": "batch_norm1d", "batch": batch, "length": length, "num_features": chans, "eps": eps,
           "momentum": momentum, "affine": True, "track_running_stats": True, "training": training,
           "running_var_update": "unbiased batch variance"}
    c = Case(name, cfg)
    bn = nn.BatchNorm1d(chans, eps=eps, momentum=momentum)
    with torch.no_grad():
        bn.weight.copy_(1 + 0.5 * torch.randn(chans, generator=c.gen))
        bn.bias.copy_(0.5 * torch.randn(chans, generator=c.gen))
        bn.running_mean.copy_(0.3 * torch.randn(chans, generator=c.gen))
        bn.running_var.copy_(1 + 0.5 * torch.rand(chans, generator=c.gen))
    round_params(bn)
    c.module_params(bn)
    c.extra["running_mean"] = bn.running_mean.clone()
    c.extra["running_var"] = bn.running_var.clone()
    bn.train(training)
    x = c.input("input", 1.5 * randn(c.gen, batch, length, chans) + 0.4)
    c.outputs["output"] = btc(bn(bct(x)))
    if training:
        c.extra["updated.running_mean"] = bn.running_mean.clone()
        c.extra["updated.running_var"] = bn.running_var.clone()
    return c


def embedding_case(name, batch, length, num, dim):
    cfg = {"kind": "embedding", "batch": batch, "length": length, "num_embeddings": num, "embedding_dim": dim,
           "padding_idx": None, "ids": "I32 [B][T], repeated ids so the weight gradient accumulates"}
    c = Case(name, cfg)
    emb = c.module_params(round_params(nn.Embedding(num, dim)))
    ids = torch.randint(0, num, (batch, length), generator=c.gen)
    ids[0, 0] = ids[0, -1] = ids[-1, 1]  # at least one id three times
    c.extra["ids"] = ids.to(torch.int32)
    c.outputs["output"] = emb(ids)
    return c


# ---- recurrent layers (batch_first) -----------------------------------------------------

def rnn_case(name, kind, batch, steps, inputs, hidden, layers, bidirectional, nonlinearity="tanh"):
    cfg = {"kind": kind, "batch": batch, "steps": steps, "input_size": inputs, "hidden_size": hidden,
           "num_layers": layers, "bidirectional": bidirectional, "batch_first": True, "bias": True, "dropout": 0.0}
    if kind == "rnn":
        cfg["nonlinearity"] = nonlinearity
    if kind == "lstm":
        cfg["gate_order"] = "i,f,g,o"
    if kind == "gru":
        cfg["gate_order"] = "r,z,n"
        # PyTorch's GRU: the reset gate scales the recurrent term after its bias (ONNX linear_before_reset=1).
        cfg["formula"] = "n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); h' = (1 - z) * n + z * h"
    c = Case(name, cfg)
    cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
    extra = {"nonlinearity": nonlinearity} if kind == "rnn" else {}
    m = c.module_params(round_params(cls(inputs, hidden, layers, batch_first=True, bidirectional=bidirectional,
                                         **extra)))
    dirs = 2 if bidirectional else 1
    x = c.input("input", randn(c.gen, batch, steps, inputs))
    h0 = c.input("h0", 0.5 * randn(c.gen, layers * dirs, batch, hidden))
    if kind == "lstm":
        c0 = c.input("c0", 0.5 * randn(c.gen, layers * dirs, batch, hidden))
        y, (hn, cn) = m(x, (h0, c0))
        c.outputs.update(output=y, h_n=hn, c_n=cn)
    else:
        y, hn = m(x, h0)
        c.outputs.update(output=y, h_n=hn)
    return c


# ---- a small TCN ------------------------------------------------------------------------

class TCNBlock(nn.Module):
    """Bai et al.'s residual block without dropout: two dilated causal convs
    with ReLU, a 1x1 conv on the residual where the channels change, ReLU of
    the sum."""

    def __init__(self, cin, cout, kernel, dilation, weight_norm):
        super().__init__()
        wn = nn.utils.weight_norm if weight_norm else (lambda m: m)
        self.pad = (kernel - 1) * dilation
        self.conv1 = wn(nn.Conv1d(cin, cout, kernel, dilation=dilation))
        self.conv2 = wn(nn.Conv1d(cout, cout, kernel, dilation=dilation))
        self.downsample = nn.Conv1d(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        y = F.relu(self.conv1(F.pad(x, (self.pad, 0))))
        y = F.relu(self.conv2(F.pad(y, (self.pad, 0))))
        res = x if self.downsample is None else self.downsample(x)
        return F.relu(y + res)


def tcn_case(name, batch, length, inputs, channels, kernel, dilations, weight_norm):
    cfg = {"kind": "tcn", "batch": batch, "length": length, "input_size": inputs, "channels": channels,
           "kernel": kernel, "dilations": dilations, "weight_norm": weight_norm, "dropout": 0.0,
           "block": "relu(conv2(relu(conv1(causal_pad(x)))) + (downsample(x) if channels change else x)); "
                    "causal_pad = (kernel-1)*dilation zeros on the left; downsample = 1x1 conv with bias",
           "weight_norm_formula": "weight = weight_g * weight_v / ||weight_v|| (norm over all dims but 0)"
           if weight_norm else None}
    c = Case(name, cfg)
    blocks, cin = [], inputs
    for cout, d in zip(channels, dilations):
        blocks.append(TCNBlock(cin, cout, kernel, d, weight_norm))
        cin = cout
    net = nn.Module()
    net.blocks = nn.ModuleList(blocks)
    round_params(net)
    if weight_norm:  # weight_norm's hook recomputes weight from g and v: keep them float32 too
        for b in blocks:
            for conv in (b.conv1, b.conv2):
                with torch.no_grad():
                    conv.weight_g.mul_(1.3)
                    conv.weight_g.copy_(f32(conv.weight_g))
    c.module_params(net)
    x = c.input("input", randn(c.gen, batch, length, inputs))
    y = bct(x)
    for b in blocks:
        y = b(y)
    c.outputs["output"] = btc(y)
    return c


# ---- the cases ---------------------------------------------------------------------------

def cases():
    out = [
        conv1d_case("conv1d_valid", 2, 12, 3, 4, 3),
        conv1d_case("conv1d_same", 2, 12, 3, 4, 3, pad=(1, 1)),
        conv1d_case("conv1d_same_k4", 2, 11, 3, 4, 4, pad=(1, 2)),
        conv1d_case("conv1d_causal", 2, 12, 3, 4, 3, pad=(2, 0)),
        conv1d_case("conv1d_stride2", 2, 13, 3, 4, 3, stride=2, pad=(1, 1)),
        conv1d_case("conv1d_dilation2", 2, 12, 3, 4, 3, pad=(4, 0), dilation=2),
        conv1d_case("conv1d_dilation8", 2, 20, 2, 3, 2, dilation=8),
        conv1d_case("conv1d_groups2", 2, 10, 4, 6, 3, pad=(1, 1), groups=2),
        conv1d_case("conv1d_depthwise", 2, 10, 4, 8, 3, pad=(2, 0), groups=4),
        conv1d_case("conv1d_nobias", 2, 10, 3, 5, 3, bias=False),
        pool_case("max_pool1d_k3s2", "max_pool1d", 2, 10, 3, 3, 2),
        pool_case("max_pool1d_k3s2_ceil", "max_pool1d", 2, 10, 3, 3, 2, ceil_mode=True),
        pool_case("max_pool1d_k3s1_pad1", "max_pool1d", 2, 9, 3, 3, 1, padding=1),
        pool_case("max_pool1d_k2s2", "max_pool1d", 2, 9, 3, 2, 2),
        pool_case("avg_pool1d_k3s2", "avg_pool1d", 2, 10, 3, 3, 2),
        pool_case("avg_pool1d_k3s2_ceil", "avg_pool1d", 2, 10, 3, 3, 2, ceil_mode=True),
        pool_case("avg_pool1d_k3s2_pad1_incl", "avg_pool1d", 2, 10, 3, 3, 2, padding=1),
        pool_case("avg_pool1d_k3s2_pad1_excl", "avg_pool1d", 2, 10, 3, 3, 2, padding=1, count_include_pad=False),
        pool_case("avg_pool1d_k3s2_pad1_ceil_excl", "avg_pool1d", 2, 9, 3, 3, 2, padding=1, ceil_mode=True,
                  count_include_pad=False),
        pool_case("avg_pool1d_k4s3_pad1_ceil_incl", "avg_pool1d", 2, 10, 3, 4, 3, padding=1, ceil_mode=True),
        interp_case("interpolate_linear_up", 2, 7, 3, 12),
        interp_case("interpolate_linear_down", 2, 12, 3, 5),
        layer_norm_case("layer_norm_affine", 2, 6, 5, True),
        layer_norm_case("layer_norm_plain", 2, 6, 5, False),
        rms_norm_case("rms_norm", 2, 6, 5),
        batch_norm_case("batch_norm1d_train", 3, 6, 4, True),
        batch_norm_case("batch_norm1d_eval", 3, 6, 4, False),
        embedding_case("embedding", 2, 7, 6, 4),
    ]
    for kind, nl in (("rnn", "tanh"), ("rnn", "relu"), ("lstm", None), ("gru", None)):
        tag = "rnn_" + nl if kind == "rnn" else kind
        for layers in (1, 2):
            for bidir in (False, True):
                name = "%s_l%d%s" % (tag, layers, "_bidir" if bidir else "")
                steps = 5 + 2 * layers + (1 if bidir else 0)
                out.append(rnn_case(name, kind, 2, steps, 3, 4, layers, bidir, nl or "tanh"))
    out.append(rnn_case("lstm_long", "lstm", 2, 100, 3, 5, 1, False))
    out.append(tcn_case("tcn", 2, 16, 3, [5, 5], 3, [1, 2], False))
    out.append(tcn_case("tcn_weight_norm", 2, 16, 3, [4, 6], 2, [1, 4], True))
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "data")
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    all_cases = cases()
    total = 0
    for c in all_cases:
        c.finish(out_dir)
        total += os.path.getsize(os.path.join(out_dir, c.name + ".safetensors"))
    print("gen_golden: %d files, %d bytes in %s (PyTorch %s)" % (len(all_cases), total, out_dir, torch.__version__))


if __name__ == "__main__":
    main()
