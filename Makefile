# One-command set-up: `make demo` and `make test` create .venv here and install everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PLUGIN_DIRS := $(sort $(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml)))
# Where no NVIDIA GPU is present, torch is the CPU build. Set TORCH_INDEX_URL to PyTorch's CPU wheel
# index on a machine whose pip does not already find a CPU build of this version.
TORCH_VERSION ?= 2.13.0
TORCH_INDEX_URL ?=
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
INSTALL_INPUTS := pyproject.toml $(addsuffix /pyproject.toml,$(PLUGIN_DIRS)) Makefile scripts/ensure-bubblewrap.sh

.PHONY: install install-dev test lint format demo bench clean

install: $(STAMP)

$(STAMP): $(INSTALL_INPUTS)
	@bash scripts/ensure-bubblewrap.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --disable-pip-version-check "pip>=23.2" "setuptools>=68" wheel
	@if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then \
		echo "NVIDIA GPU found: installing torch with CUDA"; \
		$(PIP) install -q "torch==$(TORCH_VERSION)"; \
	else \
		echo "No GPU: installing the CPU build of torch $(TORCH_VERSION)"; \
		$(PIP) install -q "torch==$(TORCH_VERSION)" $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL)); \
	fi
	$(PIP) install -q -e ".[train,serve,ray]" $(foreach d,$(PLUGIN_DIRS),-e $(d))
	@touch $(STAMP)
	@echo "installed: verifiers-core, trainer and plugins: $(notdir $(PLUGIN_DIRS))"

install-dev: $(DEV_STAMP)

# The trainers whose reward-calling code tests/integrations runs (test-only, see the files).
FRAMEWORK_REQS := tests/integrations/frameworks-deps.txt tests/integrations/frameworks-nodeps.txt

$(DEV_STAMP): $(STAMP) $(FRAMEWORK_REQS)
	$(PIP) install -q -e ".[train,serve,ray,dev]"
	$(PIP) install -q -r tests/integrations/frameworks-deps.txt
	$(PIP) install -q --no-deps -r tests/integrations/frameworks-nodeps.txt
	@touch $(DEV_STAMP)

test: install-dev
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q --doctest-modules verifiers_core trainer environments $(filter-out %.egg-info,$(foreach d,$(PLUGIN_DIRS),$(wildcard $(d)/src/verifiers_* $(d)/verifiers_*))) tests plugins

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

demo: install
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 \
		$(PY) -m trainer --rewards accuracy,format --output_dir runs/demo

bench: install
	$(PY) benchmarks/bench_list.py
	$(PY) benchmarks/bench_math.py
	$(PY) benchmarks/bench_code.py
	$(PY) benchmarks/bench_serve.py
	$(PY) benchmarks/bench_code_agreement.py
	$(PY) benchmarks/bench_ray.py
	$(PY) benchmarks/bench_reasoning_gym.py

clean:
	rm -rf $(VENV) runs build *.egg-info
