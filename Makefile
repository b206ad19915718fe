# Two commands for a newcomer: `make demo` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench messages mutants

demo: $(STAMP) ## build a demo database and open the program on it
	$(BIN)/jobbutik demo

test: $(STAMP) ## lint, type-check, run the whole test suite, then the mutation check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo
	$(BIN)/python -m pytest -n 2 --dist loadgroup
	$(BIN)/python scripts/mutants.py

# The mutation check: plants known defects (CPR masking, a Danish translation, permissions, the
# seat limit, the audit chain, …) one at a time in a copy of the program and fails unless the tests
# chosen for each catch it. `scripts/mutants.py --list` shows them; NAME … runs only those.
mutants: $(STAMP) ## check that the tests catch each planted defect
	$(BIN)/python scripts/mutants.py

# The message catalogs: Babel extracts every message (babel.cfg) into the English template,
# updates the Danish catalog (new messages come in untranslated, or fuzzy when one is close:
# translate them, drop the fuzzy flag, and run this again) and compiles the .mo files the program
# reads. Click's own texts (help, usage errors) have their own catalog, from the installed Click.
# tests/test_i18n.py fails `make test` until every message is translated and compiled.
LOCALE := jobbutik/locale
VERSION = $(shell $(BIN)/python -c 'import jobbutik; print(jobbutik.__version__)')
CLICK_DIR = $(shell $(BIN)/python -c 'import click, os; print(os.path.dirname(click.__file__))')
messages: $(STAMP) ## extract the messages, update the Danish catalogs, compile them
	$(BIN)/pybabel extract -F babel.cfg --add-location=file --sort-output --no-wrap \
	  --project=jobbutik --version=$(VERSION) --copyright-holder=jobbutik \
	  -o $(LOCALE)/jobbutik.pot.new jobbutik
	$(BIN)/pybabel extract --no-location --sort-output --no-wrap --project=click \
	  -o $(LOCALE)/click.pot.new $(CLICK_DIR)
	for domain in jobbutik click; do \
	  pot=$(LOCALE)/$$domain.pot; \
	  if diff -q -I '^"POT-Creation-Date' $$pot.new $$pot >/dev/null 2>&1; \
	  then rm $$pot.new; else mv $$pot.new $$pot; fi; \
	  $(BIN)/pybabel update -D $$domain -i $$pot -d $(LOCALE) \
	    --ignore-obsolete --no-wrap --ignore-pot-creation-date && \
	  $(BIN)/pybabel compile -D $$domain -d $(LOCALE) --statistics || exit 1; \
	done

bench: $(STAMP) ## run the performance benchmarks and print the table
	$(BIN)/python -m benchmarks

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "jobbutik needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[postgres,test]'
	@touch $@
