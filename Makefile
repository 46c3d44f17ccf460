# Two commands do everything, on a fresh machine too:
#   make demo   - install, then walk the 3-4-2 network through one sample
#   make test   - install, then run the whole test suite
PYTHON ?= python3
export PYTHON

.PHONY: setup demo test test-torch lint bench docs

setup:
	@bash scripts/setup.sh

demo: setup
	$(PYTHON) -m neurograph demo --out out/demo

test: setup
	$(PYTHON) -m pytest -q

# the PyTorch parts alone (bridge, engine="torch", autograd cross-checks), with torch installed first
test-torch: setup
	$(PYTHON) -m pip install -q --disable-pip-version-check --root-user-action=ignore -e '.[torch]'
	$(PYTHON) -m pytest -q -k torch

lint: setup
	$(PYTHON) -m pip install -q --disable-pip-version-check --root-user-action=ignore -e '.[lint]'
	$(PYTHON) -m ruff check .
	$(PYTHON) -m mypy

bench: setup
	$(PYTHON) -m pip install -q -e '.[bench]'
	$(PYTHON) benchmarks/compare.py

docs: setup
	$(PYTHON) -m visualize.gallery docs
