# The two commands of the README: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test install bench schema-sweep clean-local

$(BIN)/momrel: pyproject.toml
	@echo "-> creating $(VENV) and installing momrel and its dependencies (first run: a few minutes)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@
	@echo "-> $(VENV) ready"

install: $(BIN)/momrel

demo: install
	@echo "-> momrel demo run: database, seed, dvc repro -P, dvc push, target host, schema diff (under a minute)"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/momrel demo run

test: install
	@echo "-> running the test suite against real PostgreSQL, DVC and git (about 15 minutes)"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest

bench: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python bench/run.py

# `momrel schema diff` up and down over tests/schema_cases and the folders in SWEEP_DATA (peers'
# suites, kept outside the repository), each migration checked by psql + pg_dump (docs/schema-diff.md).
# SWEEP_ARGS passes more options, e.g. SWEEP_ARGS="--only enum --json results.json".
SWEEP_DATA ?=
SWEEP_ARGS ?=
schema-sweep: install
	$(BIN)/python bench/schema_sweep.py --create-roles tests/schema_cases $(SWEEP_DATA) $(SWEEP_ARGS)

# Stop the embedded server and delete local state (.momrel/: database, Qdrant, outputs).
clean-local:
	-$(BIN)/momrel db stop
	rm -rf .momrel
