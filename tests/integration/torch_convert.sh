#!/usr/bin/env bash
# scripts/torch_state_dict_to_safetensors.py: PyTorch LSTM, GRU and RNN state dicts (one and two
# layers, bidirectional, without bias, inside a larger model) convert with the same names, shapes
# and values and the architecture in the metadata; missing, extra and misshapen keys are errors
# naming the key. Needs Debian's python3-torch; skipped where torch is missing.
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

# Saves the state dict of the module built by $2 (python expression, `nn` in scope) to $1.
save() {
  "$py" - "$1" "$2" <<'PY'
import sys, torch, torch.nn as nn
torch.manual_seed(3)
m = eval(sys.argv[2])
torch.save(m.state_dict(), sys.argv[1])
PY
}

# The converted file has the same tensors (bitwise, as F32) and the metadata architecture $3 (JSON subset).
same() {
  "$py" - "$1" "$2" "$3" "$4" "$src/scripts" <<'PY'
import json, sys, torch, numpy as np
sys.path.insert(0, sys.argv[5])
from st_write import read_safetensors
sd = {k[len(sys.argv[4]):]: v for k, v in torch.load(sys.argv[1], weights_only=True).items()
      if k.startswith(sys.argv[4])}
meta, t = read_safetensors(sys.argv[2])
assert sorted(sd) == sorted(t), (sorted(sd), sorted(t))
for k, v in sd.items():
    assert list(v.shape) == list(t[k].shape), k
    assert t[k].dtype == np.float32, k
    assert np.array_equal(v.float().numpy(), t[k]), k
arch = json.loads(meta["zenn"])
for k, v in json.loads(sys.argv[3]).items():
    assert arch.get(k) == v, (k, arch.get(k), v)
PY
}

# Converts and checks: NAME MODULE ARCH PREFIX [converter options...]
round_trip() {
  local name=$1 module=$2 arch=$3 prefix=$4
  shift 4
  save "$tmp/$name.pt" "$module" || { bad "$name: torch.save"; return; }
  if conv "$tmp/$name.pt" "$tmp/$name.safetensors" --prefix "$prefix" "$@" >"$tmp/out" 2>"$tmp/err"; then
    same "$tmp/$name.pt" "$tmp/$name.safetensors" "$arch" "$prefix" && ok || bad "$name: round trip"
  else
    bad "$name: converter failed: $(cat "$tmp/err")"
  fi
}

round_trip lstm1 'nn.LSTM(3, 5, batch_first=True)' \
  '{"format":"zenn-rnn","version":1,"kind":"lstm","input_size":3,"hidden_size":5,"num_layers":1,"bidirectional":false,"bias":true,"gate_order":"i,f,g,o"}' ""
round_trip lstm2bi 'nn.LSTM(4, 6, num_layers=2, bidirectional=True)' \
  '{"kind":"lstm","input_size":4,"hidden_size":6,"num_layers":2,"bidirectional":true,"bias":true}' ""
round_trip gru2 'nn.GRU(2, 7, num_layers=2, bias=False).double()' \
  '{"kind":"gru","input_size":2,"hidden_size":7,"num_layers":2,"bidirectional":false,"bias":false,"gate_order":"r,z,n"}' ""
round_trip rnn_relu 'nn.RNN(3, 4, nonlinearity="relu", bidirectional=True)' \
  '{"kind":"rnn","nonlinearity":"relu","hidden_size":4,"bidirectional":true}' "" --nonlinearity relu
round_trip nested 'nn.ModuleDict({"enc": nn.GRU(3, 4), "head": nn.Linear(4, 1)})' \
  '{"kind":"gru","input_size":3,"hidden_size":4,"num_layers":1}' "enc."

# Bad state dicts: each an error naming the key, and no output file.
bad_dict() {
  local want=$1 edit=$2
  shift 2
  "$py" - "$tmp/bad.pt" "$edit" <<'PY'
import sys, torch, torch.nn as nn
torch.manual_seed(3)
sd = nn.LSTM(3, 5, num_layers=2).state_dict()
exec(sys.argv[2])
torch.save(sd, sys.argv[1])
PY
  rm -f "$tmp/bad.safetensors"
  if conv "$tmp/bad.pt" "$tmp/bad.safetensors" "$@" >"$tmp/out" 2>"$tmp/err"; then
    bad "accepted ($edit)"
  elif grep -q '^torch_state_dict_to_safetensors: error: ' "$tmp/err" && grep -qF -- "$want" "$tmp/err" &&
    [ ! -e "$tmp/bad.safetensors" ]; then ok
  else bad "($edit): $(cat "$tmp/err"), wanted '$want'"; fi
}
bad_dict "missing key 'bias_hh_l1'" 'del sd["bias_hh_l1"]'
bad_dict "unexpected key 'extra.weight'" 'sd["extra.weight"] = torch.zeros(2)'
# One stray _reverse key makes the dict bidirectional: the other reverse keys are then missing.
bad_dict "missing key 'bias_hh_l0_reverse'" 'sd["weight_ih_l0_reverse"] = sd["weight_ih_l0"].clone()'
bad_dict "key 'weight_ih_l1' has shape [20, 4], expected [20, 5]" 'sd["weight_ih_l1"] = torch.zeros(20, 4)'
bad_dict "key 'bias_ih_l0' holds a NaN" 'sd["bias_ih_l0"][3] = float("nan")'
bad_dict "--kind gru, but the weights have 4 gates: a lstm" 'pass' --kind gru
bad_dict "no key starts with 'enc.'" 'pass' --prefix enc.
"$py" -c 'import sys, torch; torch.save(torch.zeros(3), sys.argv[1])' "$tmp/tensor.pt"
conv "$tmp/tensor.pt" "$tmp/x.safetensors" 2>"$tmp/err" && bad "a bare tensor was accepted" ||
  { grep -q "holds a Tensor, not a state dict" "$tmp/err" && ok || bad "bare tensor: $(cat "$tmp/err")"; }

echo "torch_convert.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
