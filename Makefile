# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM := /usr/lib/chromium/chromium
export UPSTANDER_DATA_DIR ?= $(CURDIR)/data

.PHONY: run test lint typecheck install browser bench clean

$(BIN)/upstander: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/upstander

# Debian's Chromium for the browser tests (Playwright's own browser download does not work here).
browser:
	@test -x $(CHROMIUM) || { \
		echo "Installing Debian's chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; }

run: install
	$(BIN)/upstander init
	$(BIN)/upstander demo --if-empty
	$(BIN)/upstander serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)

typecheck: install
	$(BIN)/mypy

test: install browser lint typecheck
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: install
	$(BIN)/python bench/intake.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
