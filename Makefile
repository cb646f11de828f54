# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DATABASE_URL ?= sqlite:///glossary.db

.PHONY: install run migrate seed lint format test check-seeds bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

migrate: install
	$(BIN)/glossary migrate

seed: migrate
	$(BIN)/glossary seed

run: seed
	$(BIN)/glossary serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/ruff format --check app tests bench migrations
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

format: install
	$(BIN)/ruff check --fix app tests bench migrations
	$(BIN)/ruff format app tests bench migrations

check-seeds: install
	$(BIN)/glossary seeds check

test: lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) glossary.db glossary.db-wal glossary.db-shm .pytest_cache .mypy_cache .ruff_cache
