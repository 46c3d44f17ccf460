#!/usr/bin/env bash
# Idempotent set-up: the Python package with its test extras, Graphviz's `dot` and Chromium.
set -euo pipefail
PYTHON=${PYTHON:-python3}
cd "$(dirname "$0")/.."
# system_program PROGRAM PACKAGE WHY: apt-get install PACKAGE when PROGRAM is missing (as root), else say why it matters
system_program() {
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing $2 with apt-get ($3)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  else
    echo "setup: '$1' is missing ($3); install it as root: apt-get install $2" >&2
  fi
}
system_program dot graphviz "pictures need Graphviz's dot program"
# the explorer's browser tests drive the system Chromium (Playwright never downloads a browser)
system_program chromium chromium "the explorer's browser tests; without it they are skipped"
PIP=("$PYTHON" -m pip install -q --disable-pip-version-check --root-user-action=ignore)
# the model bridges' extras (scikit-learn, ONNX + onnxruntime, skl2onnx) are modest: their tests always run
"${PIP[@]}" -e '.[test,sklearn,onnx]'
# torch 2.13.0's CPU wheel (about 190 MB) takes under a minute; without it the torch tests skip with a hint
if [ "${NEUROGRAPH_NO_TORCH:-0}" != 1 ]; then
  "${PIP[@]}" -e '.[torch]' || echo "setup: torch could not be installed; the torch tests will be skipped" >&2
fi
