# cardiokit developer commands. Every target creates .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
DEMO   ?= demo-output

.PHONY: install demo test lint bench bench-deps fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.stamp-%: pyproject.toml | $(BIN)/python
	$(PIP) install -q -e ".[$*]"
	touch $@

## install: .venv with every extra (tools outside the repo may call .venv/bin/cardiokit)
install: $(VENV)/.stamp-all

## demo: install (package + report extra), then run the main job on a demo input
demo: $(VENV)/.stamp-report
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
BENCHES ?= beats delineation ecgdeli measure analyze device_agreement interpretation interp_noise ludb_label_ceiling av_block rhythm quality ppg pcg rppg
# also: bench_batch ludb|holter, bench_service load|schemathesis (see docs/SERVICE.md)
bench: $(VENV)/.stamp-all bench-deps
	set -e; for b in $(BENCHES); do echo "== bench_$$b"; $(BIN)/python -m bench.bench_$$b; done

## bench-deps: GNU Octave + signal package to run the ECGdeli peer (bench_ecgdeli), only when missing
bench-deps:
	command -v octave || (apt-get update && apt-get install -y --no-install-recommends octave octave-signal)

## fuzz: mutate real files and count unexpected reader exceptions
fuzz: $(VENV)/.stamp-all
	$(BIN)/python -m bench.fuzz --n 100000

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .ruff_cache build src/*.egg-info
