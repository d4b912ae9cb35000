# The two commands of the README: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test install bench clean-local

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

# Stop the embedded server and delete local state (.momrel/: database, Qdrant, outputs).
clean-local:
	-$(BIN)/momrel db stop
	rm -rf .momrel
