#!/usr/bin/env bash
# Installs what zenn needs to build, test and benchmark on Debian/Ubuntu:
# a C compiler, CMake, make, and OpenBLAS (the benchmark's peer; the library
# itself needs only libc, libm and pthreads). Run as root it installs what is
# missing with apt-get; otherwise it names what to install and stops.
# --peers (opt-in; also `zenn bench --install-peers`) installs the benchmark
# peers: BLIS (libblis-dev), PyTorch and NumPy (python3-torch, python3-numpy),
# Node.js with npm, and brain.js, tfjs and onnxruntime-node by `npm ci --ignore-scripts` in
# bench/peers/js (onnxruntime-node's install script fetches GPU builds; its CPU library is in
# the package). The plain path (no --peers, as CI runs it) installs none of them.
# libfann-dev is a base package: the drop-in FANN API's tests compare with it.
set -euo pipefail

peers=0
report=0
args=()
for a in "$@"; do
  if [ "$a" = "--peers" ]; then peers=1
  elif [ "$a" = "--report" ]; then report=1   # the report's browser test: Chromium, Node.js, npm
  else args+=("$a"); fi
done
set -- "${args[@]+"${args[@]}"}"

install_js_peers() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/bench/peers/js"
  [ -d "$dir/node_modules/brain.js" ] && [ -d "$dir/node_modules/@tensorflow/tfjs" ] &&
    [ -d "$dir/node_modules/onnxruntime-node" ] && return 0
  echo "zenn: npm ci --ignore-scripts in $dir" >&2
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null)
}

need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

have cc || have gcc || need_pkgs+=(gcc libc6-dev)
have make || need_pkgs+=(make)
have cmake || need_pkgs+=(cmake)
have git || need_pkgs+=(git)
have pkg-config || need_pkgs+=(pkg-config)
have python3 || need_pkgs+=(python3)
have_pkg libopenblas-dev || need_pkgs+=(libopenblas-dev)
have_pkg libsqlite3-dev || need_pkgs+=(libsqlite3-dev)
have_pkg libfann-dev || need_pkgs+=(libfann-dev)
for extra in "$@"; do have_pkg "$extra" || need_pkgs+=("$extra"); done
if [ $report -eq 1 ]; then
  have_pkg chromium || need_pkgs+=(chromium)
  have node || need_pkgs+=(nodejs)
  have npm || need_pkgs+=(npm)
fi
if [ $peers -eq 1 ]; then
  have_pkg libblis-dev || need_pkgs+=(libblis-dev)
  have_pkg python3-torch || need_pkgs+=(python3-torch)
  have_pkg python3-numpy || need_pkgs+=(python3-numpy)
  # Node may come from elsewhere than Debian (with its own npm): look for the commands.
  have node || need_pkgs+=(nodejs)
  have npm || need_pkgs+=(npm)
fi

if [ ${#need_pkgs[@]} -eq 0 ]; then
  [ $peers -eq 1 ] && install_js_peers
  exit 0
fi

if ! have apt-get; then
  echo "zenn: please install: ${need_pkgs[*]}" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "zenn: missing packages: ${need_pkgs[*]}" >&2
  echo "zenn: run as root, or: sudo apt-get install -y ${need_pkgs[*]}" >&2
  exit 1
fi
echo "zenn: installing ${need_pkgs[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
[ $peers -eq 1 ] && install_js_peers
exit 0
