# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
# Each creates .venv with the pinned versions of requirements.lock the first time.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
TARGETS := --target mistral/mistral-medium-3.5 --target empiriolabs/mistral-medium-3-1

.PHONY: install browser postgres run test bench lint clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

# The main job: the bundled suites against both seed targets, replayed from the bundled
# cassettes (recorded from the reference simulator; no key, no network). A cassette that is
# missing is recorded first from a local simulator (--mode auto --simulate); a stale one (the
# suite changed) fails the run and says how to re-record it. The run folder lands in reports/.
run: install
	$(PY) -m harness run suites/ $(TARGETS) --mode auto --simulate --cassettes cassettes --out reports

# The report's browser test (tests/report/test_html_browser.py) drives Debian's Chromium over the
# DevTools protocol. Installed once, when missing, with apt-get (root); without apt or root the
# test is skipped and says why.
browser:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then \
	  :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "installing chromium (Debian package) for the browser test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium chromium-driver >/dev/null) \
	  || echo "note: could not install chromium: the browser test will be skipped"; \
	else \
	  echo "note: chromium is missing and apt-get (as root) is not available: the browser test will be skipped"; \
	fi

# The history's PostgreSQL tests (tests/history/conftest.py) start a throwaway server from
# Debian's postgresql binaries (initdb, pg_ctl, postgres); installed once, when missing, like
# chromium. Without them the PostgreSQL tests are skipped and say why.
postgres:
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "installing postgresql (Debian package) for the history tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    postgresql >/dev/null) \
	  || echo "note: could not install postgresql: the PostgreSQL history tests will be skipped"; \
	else \
	  echo "note: postgresql is missing and apt-get (as root) is not available: the PostgreSQL history tests will be skipped"; \
	fi

test: install browser postgres
	$(PY) -m pytest -n 2

bench: install
	$(PY) bench/throughput.py

lint: install
	$(PY) -m ruff check harness tests bench
	$(PY) -m mypy harness

clean:
	rm -rf $(VENV) reports/*/
