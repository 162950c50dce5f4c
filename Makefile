# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test lint bench clean fuzz load serve-replicas plotly-js

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

run: $(VENV)/.runtime  ## install and start the app on http://localhost:8501
	$(BIN)/streamlit run app.py --server.port $(PORT)

test: $(VENV)/.dev  ## install dev dependencies and run the whole suite
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .

bench: $(VENV)/.dev  ## side-by-side speed runs (not part of make test)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .jax_cache test-artifacts

FUZZ_EXAMPLES ?= 10000
fuzz: $(VENV)/.dev  ## hostile input at scale: 10,000 generated formulas per property, generated links per page
	DESCENT_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) DESCENT_FUZZ_LINKS=40 $(BIN)/python -m pytest -q --timeout=7200 \
		tests/test_fuzz_formula.py tests/test_fuzz_links.py

load: $(VENV)/.dev  ## virtual students over the websocket protocol: N = 1, 10, 30, 100 and a burst; 1 and 2 replicas
	$(BIN)/python -m load && $(BIN)/python -m load --replicas 2

REPLICAS ?= 2
serve-replicas: $(VENV)/.runtime  ## nginx (Debian's) on :8080 in front of $(REPLICAS) servers, sticky sessions
	$(BIN)/python -m load.replicas --replicas $(REPLICAS) --port 8080

plotly-js:  ## rebuild static/plotly-descent.min.js, the charts' partial plotly.js (needs Node.js and npm; committed)
	cd frontend/plotly && npm ci --no-audit --no-fund && npm run build
