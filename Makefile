# The two commands: `make run` serves the whole product, `make test` runs the suite.
# Both create .venv and install the locked dependencies on first use: every package of
# requirements.lock (runtime, dev and embedded extras), each checked against its hashes, then
# this project itself without dependencies. `pip install .` is the production install: the
# runtime dependencies only, without the embedded default's SQLite and in-process Redis.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock

.PHONY: run test lint typecheck check bench audit lock clean

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	PALM_ENV=$${PALM_ENV:-development} $(BIN)/palm serve

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

bench: $(STAMP)
	$(BIN)/python -m bench

# Known vulnerabilities in the locked dependencies: pip-audit (in a venv of its own, so its
# dependencies stay out of ours) against PyPI's advisory data. Where that data cannot be
# reached, it says so and passes: an offline machine cannot audit.
AUDIT := $(VENV)/audit
AUDIT_PROBE := https://pypi.org/pypi/pip/24.0/json
audit: $(STAMP)
	@$(BIN)/python -c 'import sys, urllib.request as u; u.urlopen(sys.argv[1], timeout=10)' \
	    $(AUDIT_PROBE) 2>/dev/null || { \
	  echo "audit: PyPI's vulnerability data is unreachable from here: dependencies NOT audited"; \
	  exit 0; }; \
	test -x $(AUDIT)/bin/pip-audit || { $(PYTHON) -m venv $(AUDIT) && \
	  $(AUDIT)/bin/pip install --quiet pip-audit==2.10.1; } || { \
	  echo "audit: pip-audit could not be installed: dependencies NOT audited"; exit 0; }; \
	$(AUDIT)/bin/pip-audit --requirement $(LOCK) --no-deps --disable-pip --strict \
	  --progress-spinner off

# Regenerate requirements.lock after changing pyproject.toml: pip-tools (in a venv of its own)
# resolves the runtime dependencies and both extras, keeping the pins already in the lock, and
# records every file's hash. `make lock LOCK_ARGS=--upgrade` moves every pin to its newest release.
LOCKER := $(VENV)/lock
LOCK_ARGS ?=
lock:
	test -x $(LOCKER)/bin/pip-compile || { $(PYTHON) -m venv $(LOCKER) && \
	  $(LOCKER)/bin/pip install --quiet pip-tools==7.7.0; }
	$(LOCKER)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	  --extra dev --extra embedded --no-emit-index-url --no-emit-find-links $(LOCK_ARGS) \
	  --output-file $(LOCK) pyproject.toml

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
