# TICHub: `make run` installs and serves the platform with demo data; `make test` installs and runs every check.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
TICHUB := $(VENV)/bin/tichub
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run install test lint pytest pytest-postgres bench messages browser-deps clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

var/.catalogues: $(VENV)/.synced $(wildcard src/tichub/locale/*/LC_MESSAGES/django.po)
	mkdir -p var
	$(TICHUB) compile_catalogues
	touch $@

install: $(VENV)/.synced node_modules/.installed var/.catalogues

run: install
	$(TICHUB) migrate --no-input
	$(TICHUB) demo
	@echo "TICHub on http://127.0.0.1:8000 (demo users and passwords printed above)"
	$(TICHUB) runserver 127.0.0.1:8000

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check src tests bench tools
	$(VENV)/bin/ruff format --check src tests bench tools
	$(VENV)/bin/lint-imports --no-cache
	$(PY) tools/lint_tenancy.py
	$(VENV)/bin/mypy src/tichub/science src/tichub/core src/tichub/accounts/services.py src/tichub/accounts/selectors.py src/tichub/registry src/tichub/standards src/tichub/marketplace src/tichub/lims src/tichub/metrology src/tichub/trust src/tichub/reports

# Browser tests drive Debian's chromium, PDF tests read text back with poppler's pdftotext; install them when we can
# (root), otherwise those tests say why they skip.
browser-deps:
	@{ command -v chromium && command -v pdftotext; } >/dev/null || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk poppler-utils >/dev/null) || echo "chromium or pdftotext missing: browser and PDF-text tests will be skipped"; }

pytest: install browser-deps
	$(VENV)/bin/pytest -n 2 --dist loadgroup -q

# CI (CI=true) also runs the suite on PostgreSQL; locally, set DATABASE_URL to a PostgreSQL URL to do the same.
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
pytest-postgres: install
	@if [ "$$CI" = "true" ] || [[ "$$DATABASE_URL" == postgres* ]]; then \
	  DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(VENV)/bin/pytest -n 2 --dist loadgroup -q -m "not browser"; \
	else echo "PostgreSQL run skipped (set CI=true or DATABASE_URL=postgres://...)"; fi

test: lint pytest pytest-postgres

bench: install
	$(PY) bench/run.py

messages: $(VENV)/.synced
	cd src/tichub && ../../$(TICHUB) makemessages -l en --no-obsolete --ignore "science/*"
	$(TICHUB) compile_catalogues

clean:
	rm -rf .tools $(VENV) node_modules var
