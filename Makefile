# initlab: `make lab` serves the app, `make notebooks` opens the guided notebooks in JupyterLab,
# `make test` sets everything up and runs every test.
# Works in a fresh clone.  `make lab` and `make notebooks` create .venv and install the package
# alone (editable, what the app needs); `make test` adds the test and hub extras, npm's proxy for
# the JupyterHub test and (as root) Debian's chromium for the browser tests.  Re-runs are fast:
# setup is redone only when pyproject.toml changes.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
LAB_STAMP := $(VENV)/.initlab-lab
STAMP := $(VENV)/.initlab-installed
CHROMIUM := /usr/bin/chromium
PORT ?= 8866
NOTEBOOKS_PORT ?= 8888
HOST ?= 127.0.0.1
PYTEST_ARGS ?=

.PHONY: setup setup-lab test lab notebooks bench chromium clean binder-links hub hub-tools hub-users

setup-lab: $(LAB_STAMP)
setup: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

# The app alone: numpy, ipywidgets, bqplot, JupyterLab, Voila.
$(LAB_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

# Everything the tests need on top (test and hub extras); the app's part comes with it.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,hub]'
	touch $@ $(LAB_STAMP)

# The browser tests drive the system Chromium: a browser download (playwright install) is not
# possible everywhere, a Debian package is.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && apt-get install -y -qq chromium; \
	  else \
	    echo "note: $(CHROMIUM) is missing; browser tests will be skipped (sudo apt-get install chromium)"; \
	  fi; \
	fi

# One BLAS thread per process: the tests, Voila's kernels and Chromium share two cores, and BLAS
# threads fighting over them made small products several times slower (measured 3-7x on the
# claim tests).
test: $(STAMP) chromium hub-tools
	@command -v npm >/dev/null && npm ci --silent --no-audit --no-fund --prefix tests/e2e || echo "note: npm missing: the axe-core test will be skipped"
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest tests/ $(PYTEST_ARGS)

lab: $(LAB_STAMP)
	$(VENV)/bin/initlab serve --port $(PORT) --host $(HOST)

# The guided notebooks in JupyterLab (it prints the address with its token).  JupyterLab refuses
# to run as root without --allow-root; containers and CI machines often are root.
notebooks: $(LAB_STAMP)
	$(VENV)/bin/jupyter lab --port $(NOTEBOOKS_PORT) --ip $(HOST) \
	  $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

# Every benchmark that measures this checkout alone; the *_ab.py scripts compare it with an older
# one and need --before PATH (see their docstrings); against.py is browser.py's --against.
bench: $(STAMP)
	@set -e; for script in benchmarks/*.py; do \
	  case "$$script" in *_ab.py) echo "== $$script: needs --before PATH, skipped"; continue;; \
	    */against.py) continue;; esac; \
	  echo "== $$script"; $(PY) "$$script"; \
	done

# JupyterHub on this machine (deploy/jupyterhub): JupyterHub from PyPI (the hub extra), its proxy
# from npm with Debian's node.  Without node the hub test is skipped and says why.
HUB_NODE := $(VENV)/hub-node
CHP := $(HUB_NODE)/node_modules/.bin/configurable-http-proxy
HUB_PORT ?= 8000
hub-tools: $(STAMP)
	@if [ -x $(CHP) ]; then :; \
	elif command -v npm >/dev/null; then \
	  npm install --silent --no-audit --no-fund --prefix $(HUB_NODE) configurable-http-proxy@4; \
	else echo "note: node/npm missing: the JupyterHub test will be skipped (apt-get install npm)"; fi

# As root: make hub-users NAMES=names.txt, then
#   INITLAB_HUB_NAMES=names.txt INITLAB_HUB_PASSWORD='class password' make hub  (docs/deploy.md)
hub: hub-tools
	INITLAB_CHP=$(CURDIR)/$(CHP) INITLAB_HUB_PORT=$(HUB_PORT) \
	  $(VENV)/bin/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

hub-users: $(STAMP)
	@test -n "$(NAMES)" || { echo "usage: make hub-users NAMES=names.txt (one student a line)"; exit 2; }
	$(PY) -m initlab.serving.hub create-users $(NAMES)

# Binder badges for a public GitHub copy: make binder-links REPO=you/initlab [REF=main]
REF ?= HEAD
binder-links:
	@test -n "$(REPO)" || { echo "usage: make binder-links REPO=owner/name [REF=branch]"; exit 2; }
	@echo "[![Binder: the lab as an app](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/$(REPO)/$(REF)?urlpath=voila/render/notebooks/lab.ipynb)"
	@echo "[![Binder: guided notebooks](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/$(REPO)/$(REF)?urlpath=lab/tree/notebooks)"

clean:
	rm -rf artifacts .pytest_cache $(STAMP) $(LAB_STAMP)
