# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM := /usr/lib/chromium/chromium
# mat2 cleans documents' metadata. It needs GObject introspection (Poppler, Cairo, GdkPixbuf,
# librsvg), which Debian builds for its own Python, so it gets an environment of its own on that
# Python, inside .venv, and the app runs it as a child process (see reports/document_cleaning.py).
SYSTEM_PYTHON := /usr/bin/python3
MAT2 := $(VENV)/mat2/bin/mat2
CLEANING_DEBS := python3-venv python3-gi-cairo gir1.2-poppler-0.18 gir1.2-gdkpixbuf-2.0 gir1.2-rsvg-2.0 file
CLEANING_CHECK := import ctypes.util, sys, venv, cairo, gi; \
	[gi.require_version(n, v) for n, v in (("Poppler", "0.18"), ("GdkPixbuf", "2.0"), ("Rsvg", "2.0"))]; \
	sys.exit(ctypes.util.find_library("magic") is None)
export UPSTANDER_DATA_DIR ?= $(CURDIR)/data

.PHONY: run test lint typecheck install browser bench clean

$(BIN)/upstander: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Debian's libraries for mat2 and libmagic (file type sniffing), installed when missing.
$(MAT2): | $(BIN)/upstander
	@$(SYSTEM_PYTHON) -c '$(CLEANING_CHECK)' 2>/dev/null || { \
		echo "Installing Debian's libraries for cleaning uploaded documents"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$(CLEANING_DEBS)) >/dev/null; }
	$(SYSTEM_PYTHON) -m venv --system-site-packages $(VENV)/mat2
	$(VENV)/mat2/bin/pip install --quiet 'mat2>=0.15,<0.16'

install: $(BIN)/upstander $(MAT2)

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
	$(BIN)/python bench/upload_memory.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
