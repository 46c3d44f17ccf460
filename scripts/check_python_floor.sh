#!/usr/bin/env bash
# Proves setup.cfg's python_requires: `make demo` and `make test` pass on the lowest
# Python it states (3.10), in a fresh virtual environment of that interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
floor=$(sed -n 's/^python_requires = >=//p' setup.cfg)
py=""
if command -v pyenv >/dev/null 2>&1; then      # pyenv's own build (its shims refuse a version not selected)
  py=$(ls -d "$(pyenv root)/versions/$floor".*/bin/python 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "$py" ] && "python$floor" -c "" >/dev/null 2>&1; then
  py=$(command -v "python$floor")
fi
if [ -z "$py" ]; then
  echo "check_python_floor: no Python $floor on this machine (pyenv or python$floor); nothing proven" >&2
  exit 1
fi
venv=$(mktemp -d)/py$floor
"$py" -m venv "$venv"
echo "check_python_floor: make demo and make test on $("$venv/bin/python" --version)"
# torch is left out here: the only CPU-only torch wheel at hand is for the main Python, and PyPI's default
# torch for another version pulls gigabytes of CUDA libraries; the torch tests skip with their install hint.
NEUROGRAPH_NO_TORCH=1 PYTHON="$venv/bin/python" make demo test
