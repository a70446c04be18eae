# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
# Each creates .venv with the pinned versions of requirements.lock the first time.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
TARGETS := --target mistral/mistral-medium-3.5 --target empiriolabs/mistral-medium-3-1

.PHONY: install run test bench lint clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

# The main job: the bundled suites against reference simulators of the two seed providers
# (no key, no network); the run folder lands under reports/.
run: install
	$(PY) -m harness run suites/ $(TARGETS) --simulate --out reports

test: install
	$(PY) -m pytest -n 2

bench: install
	$(PY) bench/throughput.py

lint: install
	$(PY) -m ruff check harness tests bench
	$(PY) -m mypy harness

clean:
	rm -rf $(VENV) reports/*/
