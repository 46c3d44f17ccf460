#!/usr/bin/env bash
# Idempotent set-up: the Python package with its test extras, Graphviz's `dot` and Chromium.
set -euo pipefail
PYTHON=${PYTHON:-python3}
cd "$(dirname "$0")/.."
if ! command -v dot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Graphviz (the 'dot' program) with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
  else
    echo "setup: Graphviz's 'dot' program is missing; pictures need it." >&2
    echo "       install it as root: apt-get install graphviz (or brew install graphviz)" >&2
  fi
fi
# the explorer's browser tests drive the system Chromium (Playwright never downloads a browser)
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Chromium with apt-get (for the explorer's browser tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: no chromium; the explorer's browser tests will be skipped (apt-get install chromium)" >&2
  fi
fi
PIP=("$PYTHON" -m pip install -q --disable-pip-version-check --root-user-action=ignore)
# the model bridges' extras (scikit-learn, ONNX + onnxruntime, skl2onnx) are modest: their tests always run
"${PIP[@]}" -e '.[test,sklearn,onnx]'
# torch 2.13.0's CPU wheel (about 190 MB) takes under a minute; without it the torch tests skip with a hint
if [ "${NEUROGRAPH_NO_TORCH:-0}" != 1 ]; then
  "${PIP[@]}" -e '.[torch]' || echo "setup: torch could not be installed; the torch tests will be skipped" >&2
fi
