# Two commands do all set-up: `make run` and `make test`. Both are idempotent:
# the venv is made once and reinstalled only when a requirements file changes.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8501

.PHONY: run test lint sandbox system-deps

run: $(VENV)/.runtime-installed
	$(PY) -m streamlit run app.py --server.address $(HOST) --server.port $(PORT)

# Unit and AppTest tests need no browser and share nothing but the machine: two processes, one
# per core. The browser tests run in one: with two at once a Streamlit multiselect pick was
# once lost, a cause not found yet (docs/ARCHITECTURE.md, "Tests").
test: lint system-deps
	$(PY) -m pytest tests/unit tests/app -n 2
	$(PY) -m pytest tests/e2e

# Lint, formatting and types (pyproject.toml holds the tools' settings). A tree that
# `ruff format` would change fails: run `.venv/bin/ruff format .` before committing.
lint: $(VENV)/.dev-installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

sandbox: $(VENV)/.runtime-installed
	$(PY) -m lib.sandbox --host $(HOST) --port 8600

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

# Browser tests use Debian's Chromium (with a CJK font, so Chinese renders in screenshots);
# the store tests also run on a real PostgreSQL; the replica test puts Debian's nginx in front
# of two app processes (it runs its own nginx from a temp dir, not the system service).
# Installed only when missing, so the second run costs nothing.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -d /usr/share/fonts/truetype/wqy ] || missing="$$missing fonts-wqy-zenhei"; \
	command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
