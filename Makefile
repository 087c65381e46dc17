# tumblelog developer commands (GNU make). `make` alone lists them.
# Needs nothing but Python >= 3.11: the first `make run` or `make test` builds .venv.

PYTHON ?= python3
VENV = .venv
VENV_PYTHON = $(VENV)/bin/python
PYTEST_ARGS ?=
BENCH_ARGS ?=
LIGHTHOUSE_ARGS ?=

# Exits non-zero, quietly, unless the interpreter it runs on is Python >= 3.11.
PY_OK = -c 'import sys; sys.exit(sys.version_info < (3, 11))'

.DEFAULT_GOAL := help
.PHONY: help run test test-server bench lighthouse lock clean

help:
	@echo 'tumblelog: make targets'
	@echo '  make run          start the development server (python run.py) on 127.0.0.1:$$PORT (default 5000);'
	@echo '                    without MONGODB_URI it runs on the embedded in-memory database'
	@echo '  make test         run the whole pytest suite (PYTEST_ARGS="-k auth -x" to narrow it;'
	@echo '                    TUMBLELOG_TEST_MONGODB_URI=mongodb://... to test against a real MongoDB)'
	@echo '  make test-server  the same suite against a MongoDB wire-protocol server (mongoeco, needs'
	@echo '                    Python >= 3.13) that it starts on a free port and stops after'
	@echo '  make bench        seed 2,000 posts and time every page against a bare Flask route; prints a'
	@echo '                    markdown table (BENCH_ARGS="--posts 20000" or "--http"; MONGODB_URI=... for a real server)'
	@echo '  make lighthouse   Lighthouse scores of the main pages, mobile and desktop (needs npm and'
	@echo '                    Chromium; LIGHTHOUSE_ARGS="--only desktop --pages 2")'
	@echo '  make lock         regenerate requirements.lock (hashes; the Docker image installs it) from requirements.txt'
	@echo '  make clean        remove $(VENV) and the Python and pytest caches'
	@echo 'run first creates $(VENV) with $$(PYTHON) (now: $(PYTHON); needs >= 3.11) and installs what running'
	@echo 'needs (requirements.txt); test, bench, lighthouse and lock add the tools (requirements-dev.txt). Each installs'
	@echo 'again only when its file changes.'

# $(VENV) itself, with a Python >= 3.11 (checked again if it already exists).
define make_venv
@if [ ! -x $(VENV_PYTHON) ]; then \
  $(PYTHON) $(PY_OK) 2>/dev/null || { \
    echo "error: tumblelog needs Python >= 3.11, and PYTHON=$(PYTHON) is" \
         "$$(command -v $(PYTHON) >/dev/null && $(PYTHON) --version 2>&1 || echo 'not found')." >&2; \
    echo "       Install one, or name it: make $(or $(MAKECMDGOALS),run) PYTHON=python3.12" >&2; \
    exit 1; }; \
  echo "creating $(VENV) with $$($(PYTHON) --version)"; \
  $(PYTHON) -m venv $(VENV) || { \
    rm -rf $(VENV); \
    echo "error: '$(PYTHON) -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)." >&2; \
    exit 1; }; \
fi
@$(VENV_PYTHON) $(PY_OK) || { \
  echo "error: $(VENV) runs $$($(VENV_PYTHON) --version 2>&1); tumblelog needs Python >= 3.11." >&2; \
  echo "       Run 'make clean', then make again (PYTHON=... to pick the interpreter)." >&2; \
  exit 1; }
endef
PIP_INSTALL = $(VENV_PYTHON) -m pip install --disable-pip-version-check --progress-bar off

# Each stamp is touched only after pip succeeds, so a failed install is retried next time.
# What running needs (requirements.txt) ...
$(VENV)/.installed: requirements.txt
	$(make_venv)
	$(PIP_INSTALL) -r requirements.txt
	@touch $@

# ... and the test tools on top (requirements-dev.txt includes requirements.txt).
$(VENV)/.installed-dev: requirements.txt requirements-dev.txt
	$(make_venv)
	$(PIP_INSTALL) -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(VENV_PYTHON) run.py

# pytest exits 5 when it collected nothing: say so plainly, and fail.
test: $(VENV)/.installed-dev
	@echo '$(VENV_PYTHON) -m pytest $(PYTEST_ARGS)'
	@$(VENV_PYTHON) -m pytest $(PYTEST_ARGS) || { status=$$?; \
	  [ $$status -ne 5 ] || echo "error: pytest collected no tests (exit 5)." >&2; \
	  exit $$status; }

test-server: $(VENV)/.installed-dev
	.ci/with-mongo-server $(MAKE) test

bench: $(VENV)/.installed-dev
	$(VENV_PYTHON) -m bench $(BENCH_ARGS)

lighthouse: $(VENV)/.installed-dev
	$(VENV_PYTHON) -m bench.lighthouse $(LIGHTHOUSE_ARGS)

# The Docker image's Python (Dockerfile's FROM) and platform; uv records this command in
# the file's header. tests/test_deploy.py fails when requirements.txt and the lock disagree.
lock: $(VENV)/.installed-dev
	$(VENV_PYTHON) -m uv pip compile --quiet --generate-hashes --python-version 3.11 --python-platform linux \
	  --custom-compile-command "make lock" requirements.txt -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
