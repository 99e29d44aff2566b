# The project's commands. `make run` serves the API locally; `make test` runs the whole suite offline.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.12 is the Lambda runtime; pyenv machines expose it only with PYENV_VERSION set. Fall back to python3.
export PYENV_VERSION ?= 3.12.1:3.11.7
PYTHON ?= $(shell command -v python3.12 >/dev/null 2>&1 && python3.12 -c 'import sys' >/dev/null 2>&1 && echo python3.12 || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Keep tool chatter and version checks off the network.
export SAM_CLI_TELEMETRY := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

REQUIREMENTS := requirements-dev.txt shared/pyproject.toml $(wildcard functions/*/requirements.txt)

.PHONY: help venv run token test lint unit integration clean reconcile assign-unowned browser-deps
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: $(REQUIREMENTS)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed ## Create .venv/ with every dependency (done automatically by run and test)

run: $(VENV)/.installed ## Serve the whole API on http://127.0.0.1:$(PORT) (AUTH=users: sign-in with the local issuer)
	$(PY) -m scripts.run_local --port $(PORT) --auth $(or $(AUTH),open)

token: $(VENV)/.installed ## Print a token of the local issuer for USER (GROUPS=admins for the admin group)
	@$(PY) -m scripts.local_issuer --user "$(USER)" --groups "$(GROUPS)"

reconcile: $(VENV)/.installed ## One run of the voice reconciler against the local catalog (DASHSCOPE_API_KEY for the providers)
	$(PY) -m scripts.reconcile

assign-unowned: $(VENV)/.installed ## Give the local catalog's unowned voices to the user TO=<sub> (IDS=3,7: only those)
	@test -n "$(TO)" || { echo "usage: make assign-unowned TO=<the user's sub> [IDS=<entry ids, comma-separated>]" >&2; exit 2; }
	$(PY) -m scripts.assign_unowned --to "$(TO)" --ids "$(IDS)"

lint: $(VENV)/.installed ## ruff, mypy (strict on shared/ and functions/), cfn-lint and sam validate --lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(MAKE) --no-print-directory validate

test: $(VENV)/.installed ## Install what is needed and run the whole suite offline
	$(MAKE) --no-print-directory browser-deps
	$(MAKE) lint
	$(PY) -m pytest

unit: $(VENV)/.installed ## Unit tests only (no sockets)
	$(PY) -m pytest tests/unit

# The browser suite (tests/browser) drives Debian's chromium through Playwright; never a browser download. A CJK
# font lets the page's Chinese render in screenshots. Where apt-get cannot run (not root, not Debian), the suite
# says why it is skipped (and fails on CI).
BROWSER_PACKAGES := chromium fonts-noto-cjk
browser-deps: ## Install Debian's chromium and a CJK font for the browser suite (apt-get; nothing when present)
	@if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get -o DPkg::Lock::Timeout=600 update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
			$(BROWSER_PACKAGES); \
	else \
		echo "browser-deps: cannot install $(BROWSER_PACKAGES) here (needs root and apt-get)"; \
	fi

clean: ## Remove build output and local data (not the virtual environment)
	rm -rf .aws-sam .data .pytest_cache test-artifacts

-include mk/*.mk

.PHONY: bench
bench: $(VENV)/.installed ## Run the benchmarks (ONLY='clone conversion,...' for some); write BENCHMARKS.md
	$(PY) -m scripts.bench $(if $(ONLY),--only "$(ONLY)")

.PHONY: smoke
# Silent recipe (@): make would otherwise echo the API key and the token.
smoke: $(VENV)/.installed ## After `sam deploy`: the spec's examples against API_URL=<ApiUrl> [API_KEY=...] [TOKEN=<JWT>] [PROVIDERS=...]
	@test -n "$(API_URL)" || { echo "usage: make smoke API_URL=<the stack's ApiUrl output> [API_KEY=<key>] [TOKEN=<a user's JWT, AuthMode=users>] [PROVIDERS=edge,dashscope] [CLONE_PROVIDER=dashscope|cosyvoice|none]" >&2; exit 2; }
	@SMOKE_API_KEY="$(API_KEY)" SMOKE_TOKEN="$(TOKEN)" $(PY) -m scripts.smoke --api-url "$(API_URL)" \
		$(if $(PROVIDERS),--providers "$(PROVIDERS)") $(if $(CLONE_PROVIDER),--clone-provider "$(CLONE_PROVIDER)")
