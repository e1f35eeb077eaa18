"""A safetensors writer in plain Python (struct + json + numpy, no safetensors
package), shared by tests/golden/gen_golden.py and
scripts/torch_state_dict_to_safetensors.py."""
import json
import os
import struct

import numpy as np

DTYPES = {np.dtype("float32"): "F32", np.dtype("float64"): "F64", np.dtype("int32"): "I32", np.dtype("int64"): "I64"}


def write_safetensors(path, tensors, metadata=None):
    """tensors: name -> numpy array (float32, float64, int32 or int64);
    metadata: key -> str. Data ordered by element size (largest first) then
    name, as the reference writer does; the header is padded with spaces so
    the data starts 8-byte aligned. Written to a temporary file and renamed."""
    arrays = {n: np.ascontiguousarray(a) for n, a in tensors.items()}
    for n, a in arrays.items():
        if a.dtype not in DTYPES:
            raise ValueError("tensor '%s': unsupported dtype %s" % (n, a.dtype))
    order = sorted(arrays, key=lambda n: (-arrays[n].dtype.itemsize, n.encode()))
    header = {}
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in sorted(metadata.items())}
    blobs, offset = [], 0
    for name in order:
        a = arrays[name]
        raw = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": DTYPES[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def read_safetensors(path):
    """(metadata dict, name -> numpy array) of a safetensors file."""
    with open(path, "rb") as f:
        raw = f.read()
    n, = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    names = {v: k for k, v in DTYPES.items()}
    out = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        out[name] = np.frombuffer(raw[8 + n + begin:8 + n + end], dtype=names[t["dtype"]].newbyteorder("<")).reshape(
            t["shape"])
    return meta, out
