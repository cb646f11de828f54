# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# uv installs the locked set (uv.lock, with hashes) into .venv; it comes from PyPI as a wheel, pinned here and
# in the lock (the dev extra), so `uv sync` keeps it.
UV_VERSION := 0.13.9
UV := $(BIN)/uv
export DATABASE_URL ?= sqlite:///glossary.db
export UV_PYTHON_DOWNLOADS := never

.PHONY: install lock upgrade-lock run migrate seed lint format test check-seeds clean

$(BIN)/.installed: pyproject.toml uv.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)'
	$(UV) sync --frozen --extra dev --python $(BIN)/python
	touch $@

install: $(BIN)/.installed

# Refresh uv.lock after a change to pyproject.toml's dependencies (keeps every other pin); `make upgrade-lock`
# moves every package to its newest allowed release.
lock:
	test -x $(UV) || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)'; }
	$(UV) lock --python $(PYTHON)

upgrade-lock:
	test -x $(UV) || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)'; }
	$(UV) lock --upgrade --python $(PYTHON)

migrate: install
	$(BIN)/glossary migrate

seed: migrate
	$(BIN)/glossary seed

run: seed
	$(BIN)/glossary serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check app tests bench migrations setup.py
	$(BIN)/ruff format --check app tests bench migrations setup.py
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

format: install
	$(BIN)/ruff check --fix app tests bench migrations setup.py
	$(BIN)/ruff format app tests bench migrations setup.py

check-seeds: install
	$(BIN)/glossary seeds check

test: lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) build glossary.db glossary.db-wal glossary.db-shm .pytest_cache .mypy_cache .ruff_cache
