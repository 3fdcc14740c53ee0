# The two commands of the README: `make demo` and `make test`. Both create .venv if missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: demo test quick lint install clean-demo reliability docs

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

DEMO := outputs/demo

demo: $(STAMP)
	rm -rf $(DEMO)
	$(BIN)/python -m flows template --out $(DEMO)/律师事务所党建工作情况半年报表.xlsx
	$(BIN)/python -m flows sample --period 2024H1 --firms 300 --seed 7 --messy --out $(DEMO)/inbox
	$(BIN)/python -m flows sample --period 2023H2 --firms 280 --seed 6 --out $(DEMO)/inbox/2023H2
	$(BIN)/python -m flows intake --inbox $(DEMO)/inbox --db $(DEMO)/returns.sqlite --config demo.toml
	$(BIN)/python -m flows report --period 2024H1 --no-email --config demo.toml
	@echo "回执 receipts: $(DEMO)/回执/"

CODE := rtr flows sample tests benchmarks templates tools
# Two pytest-xdist workers (this machine has two cores); tests/conftest.py keeps the tests that share
# a set-up on one worker and starts the long ones first. `-n 0` runs everything in one process.
PARALLEL ?= -n 2 --dist loadgroup --no-loadscope-reorder

test: $(STAMP)
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/python -m pytest -q $(PARALLEL)

# The quick loop while working: everything but the tests marked slow (Prefect, LibreOffice,
# PostgreSQL, the CLI and worker processes).
quick: $(STAMP)
	$(BIN)/python -m pytest -q $(PARALLEL) -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)

# The committed reliability table (docs/reliability.md) from a full run of the suite.
reliability: $(STAMP)
	RTR_RELIABILITY_OUT=docs $(BIN)/python -m pytest -q $(PARALLEL)

# docs/form.md and docs/rules.md from form.toml and the rule catalogue (tests/rtr/test_docs.py fails when stale).
docs: $(STAMP)
	$(BIN)/python tools/write_docs.py
