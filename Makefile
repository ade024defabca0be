# Yhteisöbotti — the two commands that matter: `make run` and `make test`.
# Every target sets up what it needs; nothing has to be installed by hand.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PLAYGROUND_VERSION := 0.2.28
PLAYGROUND := .playground/node_modules/.bin/agentsplayground
TOOLS_STAMP := tools/node_modules/.installed

.PHONY: run test lint typecheck unit test-clocks test-random faketime bench bench-qa bench-fanout bench-pairing package playground clean

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

run: $(STAMP) voikko
	$(PY) -m bot serve

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy

unit: $(STAMP) $(TOOLS_STAMP) browser voikko
	$(PY) -m pytest -q

test: lint typecheck unit

# The suite again at four other wall-clock times under libfaketime (tools/test_clocks.sh says
# which and why): proof that no test depends on the day it runs. CI runs it after `test`.
test-clocks: $(STAMP) $(TOOLS_STAMP) browser faketime
	PY=$(PY) tools/test_clocks.sh

# The suite in a random order (the seed is printed; rerun one with SEED=n): order-dependent
# tests show up here.
SEED ?= $(shell od -An -N2 -tu2 /dev/urandom | tr -d ' ')
test-random: $(STAMP) $(TOOLS_STAMP) browser
	$(PY) -m pytest -q -n 2 --random-order-bucket=global --random-order-seed=$(SEED)

# libfaketime for test-clocks: installed when missing and running as root.
faketime:
	@command -v faketime >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "faketime is missing: installing it with apt-get (runs the suite at other dates)"; \
	    apt-get update -qq && apt-get install -y -qq faketime >/dev/null; \
	  else echo "error: test-clocks needs libfaketime (apt-get install faketime)" >&2; exit 1; fi; }

bench-qa: $(STAMP) voikko
	taskset -c 0 $(PY) bench/qa_bench.py 2>/dev/null || $(PY) bench/qa_bench.py

bench-fanout: $(STAMP)
	$(PY) bench/fanout_bench.py

bench-pairing: $(STAMP)
	taskset -c 0 $(PY) bench/pairing_bench.py 2>/dev/null || $(PY) bench/pairing_bench.py

bench: bench-qa bench-pairing bench-fanout

package: $(STAMP) $(TOOLS_STAMP)
	$(PY) appmanifest/build.py --out build/appmanifest.zip

# The Microsoft 365 Agents Playground emulates the Teams client and a Bot Connector offline.
$(PLAYGROUND):
	npm install --silent --no-audit --no-fund --prefix .playground \
	  @microsoft/m365agentsplayground@$(PLAYGROUND_VERSION)

playground: $(PLAYGROUND)
	TEAMSAPPTESTER_BROWSER=none $(PLAYGROUND) --disable-telemetry \
	  -e http://127.0.0.1:3978/api/messages -c msteams

clean:
	rm -rf $(VENV) build .playground tools/node_modules .mypy_cache .ruff_cache

# The offline validators and the card renderer (tools/): npm packages pinned in
# tools/package-lock.json, installed again only when the lock file changes.
.PHONY: tools browser cards-check cards-gallery
$(TOOLS_STAMP): tools/package.json tools/package-lock.json
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "npm is missing: installing Debian's nodejs and npm"; \
	    apt-get update -qq && apt-get install -y -qq nodejs npm; \
	  else echo "error: npm (Node.js 18+) is needed for the validators in tools/" >&2; exit 1; fi; }
	npm ci --prefix tools --no-audit --no-fund --silent
	@touch $(TOOLS_STAMP)

tools: $(TOOLS_STAMP)

# Debian's Chromium renders the cards (tests/cards/test_card_render.py, cards-gallery). Installed
# when missing and running as root; otherwise the render test is skipped, saying why.
browser:
	@if command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "chromium is missing: installing it with apt-get (renders the cards)"; \
	  { apt-get update -qq && apt-get install -y -qq chromium fonts-noto-color-emoji \
	    >/dev/null; } || echo "warning: apt-get could not install chromium: the card \
	rendering test will be skipped" >&2; \
	else echo "note: chromium is not installed and this is not root: the card rendering \
	test will be skipped (apt-get install chromium)" >&2; fi

# Debian's Voikko analyses Finnish words for the Q&A index (base forms, compound parts).
# Installed when missing and running as root; without it the engine falls back to
# Snowball stems and says so in its log.
.PHONY: voikko
voikko:
	@if ldconfig -p 2>/dev/null | grep -q 'libvoikko\.so\.1' && \
	  ls -d /usr/lib/voikko/*/mor-* >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Voikko is missing: installing libvoikko1 and voikko-fi with apt-get"; \
	  { apt-get update -qq && apt-get install -y -qq libvoikko1 voikko-fi >/dev/null; } || \
	  echo "warning: apt-get could not install Voikko: Finnish falls back to Snowball" >&2; \
	else echo "note: Voikko is not installed and this is not root: Finnish falls back to \
	Snowball stems (apt-get install libvoikko1 voikko-fi)" >&2; fi

cards-check: $(STAMP) $(TOOLS_STAMP)
	$(PY) tools/cards_check.py

cards-gallery: $(STAMP) $(TOOLS_STAMP) browser
	$(PY) tools/cards_render.py --out docs/cards
