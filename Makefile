# Developer entry points. `make test` and `make run` work on a fresh clone: each creates
# .venv when missing and installs the project into it first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every source file holding a cog block; cog rewrites them in place.
COG_FILES = $(shell grep -rl --include='*.py' -e '\[\[\[cog' src)

.PHONY: install run demo test check regen bench conformance clean

$(STAMP): pyproject.toml setup.py src/websockets/speedups.c
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)

## run: the main job: an echo server on localhost and the interactive client
run: install
	$(BIN)/python examples/echo_session.py

## demo: the Sans-I/O core at work, in memory
demo: install
	$(BIN)/python examples/sans_io_demo.py

## conformance: the Autobahn|Testsuite against the asyncio server and client
conformance: install
	bash scripts/conformance.sh

## check: every gate, without the tests
check: install
	$(BIN)/cog -P -I . --check $(COG_FILES)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pyright
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pyright --verifytypes websockets --ignoreexternal

## test: the gates, then the tests with branch coverage
test: check
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest
	$(BIN)/coverage report

## regen: rewrite the generated blocks from spec/
regen: install
	$(BIN)/cog -P -I . -r $(COG_FILES)

## bench: benchmarks (they print figures; they are not tests)
bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build src/*.egg-info .mypy_cache .pytest_cache .ruff_cache .coverage
	rm -f src/websockets/*.so
