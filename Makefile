# Yhteisöbotti — the two commands that matter: `make run` and `make test`.
# Every target sets up what it needs; nothing has to be installed by hand.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PLAYGROUND_VERSION := 0.2.28
PLAYGROUND := .playground/node_modules/.bin/agentsplayground

.PHONY: run test lint typecheck unit bench bench-qa package playground clean

$(STAMP): pyproject.toml
	@if [ ! -x "$(PY)" ]; then \
	  $(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      echo "python3-venv is missing: installing it with apt-get"; \
	      apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); \
	    else echo "error: '$(PYTHON) -m venv' failed; install python3-venv (Debian) and retry" >&2; exit 1; fi; }; \
	fi
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot serve

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy

unit: $(STAMP)
	$(PY) -m pytest -q

test: lint typecheck unit

bench-qa: $(STAMP)
	taskset -c 0 $(PY) bench/qa_bench.py 2>/dev/null || $(PY) bench/qa_bench.py

bench: bench-qa

package: $(STAMP)
	$(PY) appmanifest/build.py --out build/appmanifest.zip

# The Microsoft 365 Agents Playground emulates the Teams client and a Bot Connector offline.
$(PLAYGROUND):
	npm install --silent --no-audit --no-fund --prefix .playground \
	  @microsoft/m365agentsplayground@$(PLAYGROUND_VERSION)

playground: $(PLAYGROUND)
	TEAMSAPPTESTER_BROWSER=none $(PLAYGROUND) --disable-telemetry \
	  -e http://127.0.0.1:3978/api/messages -c msteams

clean:
	rm -rf $(VENV) build .playground .mypy_cache .ruff_cache
