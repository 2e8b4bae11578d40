# 指尖政务 — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
export PYTHONPATH := $(CURDIR)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-backend test-bot lint bench bench-faults venv migrate seed bot-venv bot-model dev-env clean console

$(BIN)/.installed: requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11（$(PYTHON) 不存在）"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	touch $@

venv: $(BIN)/.installed

migrate: venv
	mkdir -p var
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo

bot-venv:
	$(MAKE) -C bot venv

bot-model: bot-venv
	$(MAKE) -C bot train

# The staff console (console/): npm ci when the lock file changes, a build when any source changes.
CONSOLE_SOURCES := $(shell find console/src -type f 2>/dev/null) console/index.html console/vite.config.ts \
	console/tsconfig.json console/env.d.ts console/package.json

console/node_modules/.installed: console/package-lock.json
	@command -v npm >/dev/null || { echo "需要 Node.js 20.19+ 与 npm 来构建工作台（console/）"; exit 1; }
	cd console && npm ci --no-audit --no-fund
	touch $@

console/dist/.built: console/node_modules/.installed $(CONSOLE_SOURCES)
	cd console && npm run build
	touch $@

console: console/dist/.built

# Tokens are made once; the Rasa stores follow DATABASE_URL/REDIS_URL of each run (see backend/devenv.py).
dev-env: venv
	$(BIN)/python -m backend.devenv var/dev.env

# honcho gives every process its own PORT, so the web port is WEB_PORT (default 8000).
run: seed bot-model dev-env console
	$(BIN)/honcho start -f Procfile -e var/dev.env

test: venv bot-model console
	$(MAKE) test-backend
	$(MAKE) test-bot

# The backend suite on the configured DATABASE_URL/REDIS_URL (CI: PostgreSQL + Redis), then again on the
# embedded default (SQLite with in-process fallbacks), which must not break unseen; with nothing
# configured, the SQLite pass alone.
test-backend: venv
	@if [ -n "$$DATABASE_URL$$REDIS_URL" ]; then \
	  echo "== backend suite on DATABASE_URL=$${DATABASE_URL:-(SQLite)} REDIS_URL=$${REDIS_URL:-(none)}"; \
	  $(BIN)/pytest; \
	fi
	@echo "== backend suite on SQLite, without Redis"
	env -u DATABASE_URL -u REDIS_URL $(BIN)/pytest

test-bot: bot-venv
	$(MAKE) -C bot test

lint: venv
	$(BIN)/ruff check backend miniprogram_api integrations tests bench

bench: venv bot-model
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.petitions
	$(BIN)/python -m bench.chat
	$(BIN)/python -m bench.console_bundle

bench-faults: venv bot-model
	$(BIN)/python -m bench.faults

clean:
	rm -rf $(VENV) var console/node_modules console/dist
