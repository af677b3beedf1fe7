# flowsim: two commands for a newcomer.
#   make run   - set up .venv and run the main job (policy comparison + report) on the embedded data
#   make test  - set up .venv and run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test test-all bench lint clean pinned docs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

# A rerun with the same code and inputs finds the runs done and rewrites nothing. When the
# folder was made at another commit or from other inputs the sweep refuses (exit 2, naming what differs);
# the main job then moves that folder aside (results/policy_comparison.old-<time>, nothing
# is deleted) and runs afresh.
run: $(STAMP)
	$(BIN)/flowsim sweep experiments/policy_comparison.toml --out results/policy_comparison \
	|| { status=$$?; [ $$status -eq 2 ] && [ -d results/policy_comparison ] || exit $$status; \
	     echo "make run: moving the old results/policy_comparison aside and running afresh" >&2; \
	     $(BIN)/flowsim sweep experiments/policy_comparison.toml --out results/policy_comparison --overwrite; }
	$(BIN)/flowsim compare results/policy_comparison --out results/policy_comparison/report

# pytest exits 5 when it collects no tests: that is a failure, never a pass. The suite runs
# on one process per core, at most 4 (pytest-xdist); a test file stays on one process.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --maxprocesses 4 --dist loadfile; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests (exit 5)" >&2; exit 1; fi; \
	exit $$status

test-all: $(STAMP)
	$(BIN)/python -m pytest -m "slow or not slow"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py

# after a deliberate change of model behaviour: store the new pinned baseline outputs
pinned: $(STAMP)
	PYTHONPATH=src $(BIN)/python tests/pinned_baseline.py --write

# rewrite the docs generated from the code (schedule, utility terms in docs/ODD.md)
docs: $(STAMP)
	PYTHONPATH=src $(BIN)/python scripts/sync_docs.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
