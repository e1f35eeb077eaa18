#!/usr/bin/env bash
# scripts/torch_state_dict_to_safetensors.py: PyTorch LSTM, GRU and RNN state dicts (one and two
# layers, bidirectional, without bias, double, inside a larger model) convert with the same names,
# shapes and values and the architecture in the metadata; missing, extra, misshapen and non-finite
# keys are errors naming the key, with no file written. Needs Debian's python3-torch; skipped where
# torch is missing. Torch is imported by few processes (each import takes seconds on a busy machine).
# Usage: torch_convert.sh ZENN_BINARY SOURCE_DIR
set -u
src=$2
. "$src/tests/integration/harness.bash"
py=/usr/bin/python3
if ! "$py" -c 'import torch, numpy' >/dev/null 2>&1; then
  echo "skipped: needs /usr/bin/python3 with torch and numpy (python3-torch)"
  exit 0
fi
conv() { "$py" "$src/scripts/torch_state_dict_to_safetensors.py" "$@"; }

# The state dicts: NAME.pt for the round trips, bad_NAME.pt for the errors.
"$py" - "$tmp" <<'PY' || { echo "FAIL: making the state dicts"; exit 1; }
import os, sys, torch, torch.nn as nn
d = sys.argv[1]
torch.manual_seed(3)
mods = {"lstm1": nn.LSTM(3, 5, batch_first=True), "lstm2bi": nn.LSTM(4, 6, num_layers=2, bidirectional=True),
        "gru2": nn.GRU(2, 7, num_layers=2, bias=False).double(),
        "rnn_relu": nn.RNN(3, 4, nonlinearity="relu", bidirectional=True),
        "nested": nn.ModuleDict({"enc": nn.GRU(3, 4), "head": nn.Linear(4, 1)})}
for name, m in mods.items():
    torch.save(m.state_dict(), os.path.join(d, name + ".pt"))
edits = {"missing": 'del sd["bias_hh_l1"]', "extra": 'sd["extra.weight"] = torch.zeros(2)',
         "reverse": 'sd["weight_ih_l0_reverse"] = sd["weight_ih_l0"].clone()',
         "shape": 'sd["weight_ih_l1"] = torch.zeros(20, 4)', "nan": 'sd["bias_ih_l0"][3] = float("nan")',
         "plain": "pass"}
for name, edit in edits.items():
    sd = nn.LSTM(3, 5, num_layers=2).state_dict()
    exec(edit)
    torch.save(sd, os.path.join(d, "bad_%s.pt" % name))
torch.save(torch.zeros(3), os.path.join(d, "bad_tensor.pt"))
PY

# The round trips through the command line.
round_trip() {  # NAME [converter options...]
  local name=$1
  shift
  conv "$tmp/$name.pt" "$tmp/$name.safetensors" "$@" >"$tmp/out" 2>"$tmp/err" && ok ||
    bad "$name: converter failed: $(cat "$tmp/err")"
}
round_trip lstm1
round_trip lstm2bi
round_trip gru2
round_trip rnn_relu --nonlinearity relu
round_trip nested --prefix enc.

# Errors through the command line: a message naming the key, exit 1, no file.
expect_fail() {  # WANT NAME [converter options...]
  local want=$1 name=$2
  shift 2
  rm -f "$tmp/bad.safetensors"
  if conv "$tmp/bad_$name.pt" "$tmp/bad.safetensors" "$@" >"$tmp/out" 2>"$tmp/err"; then
    bad "bad_$name accepted"
  elif grep -q '^torch_state_dict_to_safetensors: error: ' "$tmp/err" && grep -qF -- "$want" "$tmp/err" &&
    [ ! -e "$tmp/bad.safetensors" ]; then ok
  else bad "bad_$name: $(cat "$tmp/err"), wanted '$want'"; fi
}
expect_fail "missing key 'bias_hh_l1'" missing
expect_fail "holds a Tensor, not a state dict" tensor

# The files, checked in one process, and the other errors through the script's main().
"$py" - "$tmp" "$src/scripts" <<'PY' && ok || bad "round trips and errors (above)"
import contextlib, io, json, os, sys, torch, numpy as np
d = sys.argv[1]
sys.path.insert(0, sys.argv[2])
from st_write import read_safetensors
import torch_state_dict_to_safetensors as conv

def same(name, arch, prefix=""):
    sd = {k[len(prefix):]: v for k, v in torch.load(os.path.join(d, name + ".pt"), weights_only=True).items()
          if k.startswith(prefix)}
    meta, t = read_safetensors(os.path.join(d, name + ".safetensors"))
    assert sorted(sd) == sorted(t), (name, sorted(sd), sorted(t))
    for k, v in sd.items():
        assert t[k].dtype == np.float32 and np.array_equal(v.float().numpy(), t[k]), (name, k)
    got = json.loads(meta["zenn"])
    for k, v in arch.items():
        assert got.get(k) == v, (name, k, got.get(k), v)

same("lstm1", {"format": "zenn-rnn", "version": 1, "kind": "lstm", "input_size": 3, "hidden_size": 5,
               "num_layers": 1, "bidirectional": False, "bias": True, "gate_order": "i,f,g,o"})
same("lstm2bi", {"kind": "lstm", "input_size": 4, "hidden_size": 6, "num_layers": 2, "bidirectional": True})
same("gru2", {"kind": "gru", "input_size": 2, "hidden_size": 7, "num_layers": 2, "bias": False, "gate_order": "r,z,n"})
same("rnn_relu", {"kind": "rnn", "nonlinearity": "relu", "hidden_size": 4, "bidirectional": True})
same("nested", {"kind": "gru", "input_size": 3, "hidden_size": 4, "num_layers": 1}, "enc.")

out = os.path.join(d, "bad.safetensors")
for name, want, opts in [
        ("extra", "unexpected key 'extra.weight'", []),
        # One stray _reverse key makes the dict bidirectional: the other reverse keys are then missing.
        ("reverse", "missing key 'bias_hh_l0_reverse'", []),
        ("shape", "key 'weight_ih_l1' has shape [20, 4], expected [20, 5]", []),
        ("nan", "key 'bias_ih_l0' holds a NaN", []),
        ("plain", "--kind gru, but the weights have 4 gates: a lstm", ["--kind", "gru"]),
        ("plain", "no key starts with 'enc.'", ["--prefix", "enc."])]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = conv.main([os.path.join(d, "bad_%s.pt" % name), out] + opts)
    assert rc == 1 and want in err.getvalue() and not os.path.exists(out), (name, rc, err.getvalue(), want)
PY

echo "torch_convert.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
