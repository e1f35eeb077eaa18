#!/usr/bin/env bash
# Installs what zenn needs to build, test and benchmark on Debian/Ubuntu:
# a C compiler, CMake, make, and OpenBLAS (the benchmark's peer; the library
# itself needs only libc, libm and pthreads). Run as root it installs what is
# missing with apt-get; otherwise it names what to install and stops.
set -euo pipefail

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
for extra in "$@"; do have_pkg "$extra" || need_pkgs+=("$extra"); done

[ ${#need_pkgs[@]} -eq 0 ] && exit 0

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
