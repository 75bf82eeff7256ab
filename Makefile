# gridmap — the two commands of the quick start are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
WORKSPACE ?= workspace/lanzhou.gpkg
PORT ?= 8501

.PHONY: run test bench lint install install-test workspace fonts clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test,analytics,postgis,dask]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# The workspace the app opens: the synthetic Lanzhou demo, built (about 10 s) when missing.
$(WORKSPACE): | $(VENV)/.installed
	$(VENV)/bin/gridmap demo --out $(WORKSPACE)

workspace: $(WORKSPACE)

run: $(VENV)/.installed $(WORKSPACE)
	$(PY) -m gridmap.cli serve $(WORKSPACE) --port $(PORT) --address 127.0.0.1

# The Chinese fonts come with the Python install (no system font needed); the report and web
# fonts are drawn from it once per machine (about a minute), before the tests time anything.
fonts: $(VENV)/.installed
	$(PY) -c 'from pathlib import Path; from gridmap.report.fonts import report_fonts, web_fonts; report_fonts(); web_fonts(Path("."))'

# The whole suite runs as two pytest processes, one per core of a small machine: the app's
# tests (tests/app: AppTest and Chromium, much of it waiting on a browser or a server) beside
# the library's. Workspaces are temp files or PostGIS schemas of their own, so the two never
# share one. PYTEST_ARGS (a selection, e.g. -k NAME) runs one process instead; JUNIT_DIR
# (.ci/run) gets one JUnit report per process.
test: $(VENV)/.installed-test fonts
ifeq ($(strip $(PYTEST_ARGS)),)
	@log=$$(mktemp); \
	$(PY) -m pytest -p no:cacheprovider tests --ignore=tests/app \
	  $(if $(JUNIT_DIR),--junitxml=$(JUNIT_DIR)/library.xml) >$$log 2>&1 & lib=$$!; \
	$(PY) -m pytest -p no:cacheprovider tests/app $(if $(JUNIT_DIR),--junitxml=$(JUNIT_DIR)/app.xml); \
	app=$$?; wait $$lib; libst=$$?; \
	echo "=== library tests (tests/ without tests/app), run alongside ==="; cat $$log; rm -f $$log; \
	echo "app tests: exit $$app; library tests: exit $$libst"; \
	test $$app -eq 0 && test $$libst -eq 0
else
	$(PY) -m pytest $(PYTEST_ARGS)
endif

bench: $(VENV)/.installed-test
	@for b in bench/bench_*.py; do $(PY) $$b || exit 1; done

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) workspace .pytest_cache .mypy_cache .ruff_cache
