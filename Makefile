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

.PHONY: run test test-dates lint imports typecheck install browser axe pdf faketime bench clean locale

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

install: $(BIN)/upstander $(MAT2) pdf

# Debian's Chromium for the browser tests (Playwright's own browser download does not work here).
browser:
	@test -x $(CHROMIUM) || { \
		echo "Installing Debian's chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; }

# axe-core from npm, injected into every page by the accessibility browser test (tests/browser/axe/).
AXE := tests/browser/axe/node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE): tests/browser/axe/package.json
	@command -v npm >/dev/null || { \
		echo "Installing Debian's npm for the accessibility tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm) >/dev/null; }
	cd tests/browser/axe && npm ci --no-audit --no-fund --silent
	touch $@

# Pango, which WeasyPrint draws the case file's PDF with, installed when missing.
PDF_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
pdf: | $(BIN)/upstander
	@$(BIN)/python -c 'import weasyprint' 2>/dev/null || { \
		echo "Installing Debian's Pango for the case file PDFs"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$(PDF_DEBS)) >/dev/null; }

# Debian's libfaketime, for running the clock tests at awkward real dates.
faketime:
	@command -v faketime >/dev/null || { \
		echo "Installing Debian's faketime for the clock tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime) >/dev/null; }

# The Welsh catalogue: every marked string of the code and templates extracted (babel.cfg), the
# catalogue brought up to date with them (new ones untranslated, none guessed), and compiled to the
# .mo the app reads. Commit the .po and the .mo: a test checks the .mo is compiled from the .po.
LOCALE := src/upstander/locale
locale: install
	$(BIN)/pybabel extract --mapping babel.cfg --keywords lazy_gettext --keywords lazy_pgettext:1c,2 \
		--add-comments TRANSLATORS: --sort-by-file --add-location file --project Upstander \
		--output-file $(LOCALE)/messages.pot .
	test -f $(LOCALE)/cy/LC_MESSAGES/messages.po || $(BIN)/pybabel init --domain messages \
		--input-file $(LOCALE)/messages.pot --output-dir $(LOCALE) --locale cy
	$(BIN)/pybabel update --domain messages --input-file $(LOCALE)/messages.pot --output-dir $(LOCALE) \
		--no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile --domain messages --directory $(LOCALE) --statistics

run: install
	$(BIN)/upstander init
	$(BIN)/upstander demo --if-empty
	$(BIN)/upstander serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)

typecheck: install
	$(BIN)/mypy

# The import contracts in pyproject.toml: domains depend one way, rules stay pure, one crypto module.
imports: install
	$(BIN)/lint-imports

test: install browser axe lint imports typecheck
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# Every test that reads or moves the clock, again with the machine's clock faked to awkward dates:
# Christmas Eve; New Year's Eve late in the evening; just before both clock changes, 28 March 2027
# and 31 October 2027 (30 October 23:30 UTC, already the 31st in London: the UTC and London dates
# differ); the leap day 29 February 2028. So the 29th, 30th and 31st of a month are all among them.
# The clock fixture starts at that same moment, not at its named start (tests/at_dates.sh).
CLOCK_DATES := "2026-12-24 16:00:00" "2026-12-31 23:30:00" "2027-03-28 00:30:00" \
	"2027-10-30 23:30:00" "2028-02-29 12:00:00"

test-dates: install browser axe faketime
	tests/at_dates.sh $(BIN)/python $(CLOCK_DATES)

# Every benchmark, each printing its figure, its baseline measured in the same run and the ratio,
# and appending a JSON line per measure to bench/results/<bench>.jsonl. Not part of `make test`.
# The national data sets are kept between runs; BENCH_ALLEGATIONS=2000000 is the issue's size.
BENCH_ALLEGATIONS ?= 100000
bench: install
	$(BIN)/python bench/audit_verify.py
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/jobs.py
	$(BIN)/python bench/upload_memory.py
	$(BIN)/python bench/postings.py
	$(BIN)/python bench/stats.py --allegations $(BENCH_ALLEGATIONS)
	$(BIN)/python bench/patterns.py --allegations $(BENCH_ALLEGATIONS)
	$(BIN)/python bench/import_speed.py
	$(BIN)/python bench/synth.py --allegations $(BENCH_ALLEGATIONS)

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
