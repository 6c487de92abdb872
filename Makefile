# cardiokit developer commands. Every target creates .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
DEMO   ?= demo-output

.PHONY: install demo test lint bench fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.stamp-%: pyproject.toml | $(BIN)/python
	$(PIP) install -q -e ".[$*]"
	touch $@

## install: .venv with every extra (tools outside the repo may call .venv/bin/cardiokit)
install: $(VENV)/.stamp-all

## demo: install, then run the main job on a demo input
demo: $(VENV)/.stamp-all
	$(BIN)/cardiokit demo --out $(DEMO)

## chromium: Debian's chromium + chromedriver for the web viewer test (only when missing)
$(VENV)/.stamp-chromium: | $(BIN)/python
	command -v chromium || (apt-get update && apt-get install -y chromium chromium-driver)
	touch $@

## test: install with test extras, lint, run the whole suite
test: $(VENV)/.stamp-test $(VENV)/.stamp-chromium
	$(BIN)/ruff check src tests bench training
	$(BIN)/python -m pytest

lint: $(VENV)/.stamp-test
	$(BIN)/ruff check src tests bench training
	$(BIN)/ruff format --check src tests bench training || true

## bench: accuracy and speed against peers (writes docs/BENCHMARKS.md sections)
bench: $(VENV)/.stamp-all
	$(BIN)/python -m bench.run_all

## fuzz: mutate real files and count unexpected reader exceptions
fuzz: $(VENV)/.stamp-all
	$(BIN)/python -m bench.fuzz --n 100000

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .ruff_cache build src/*.egg-info
