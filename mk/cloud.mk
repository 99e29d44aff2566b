# The SAM stack: validate, build and deploy (included by the root Makefile).
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
# Lambda instruction set of a build; also the template's Architecture parameter. Tests build x86_64 (this machine's).
ARCH ?= arm64
TEST_ARCH := x86_64
TEST_BUILD_DIR := .aws-sam/build-$(TEST_ARCH)
# Everything a build reads: a change to any of these rebuilds the cached test build.
BUILD_INPUTS := template.yaml samconfig.toml scripts/build_function.py \
	$(shell find functions layers shared -type f -not -path '*/__pycache__/*' -not -path '*.egg-info/*' 2>/dev/null)
# No telemetry; validate and build need a region name but never call AWS.
SAM_ENV := SAM_CLI_TELEMETRY=0
SAM_OFFLINE_ENV := $(SAM_ENV) AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-eu-west-1}

.PHONY: sam validate build build-test-artifacts deploy
$(SAM_VENV)/.installed: mk/sam-requirements.txt
	@test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet -r mk/sam-requirements.txt
	@touch $@

sam: $(SAM_VENV)/.installed ## Install the SAM CLI into .venv-sam/ (kept apart from .venv: it pins other versions)

validate: $(SAM_VENV)/.installed $(VENV)/.installed ## cfn-lint and `sam validate --lint` of template.yaml
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM_OFFLINE_ENV) $(SAM) validate --lint

build: $(SAM_VENV)/.installed ## sam build of the whole stack for ARCH (arm64 | x86_64) into .aws-sam/build
	LAMBDA_ARCHITECTURE=$(ARCH) $(SAM_OFFLINE_ENV) $(SAM) build --parameter-overrides Architecture=$(ARCH)

# The tests' build: x86_64 so the artifacts import on this machine; rebuilt only when an input changed.
$(TEST_BUILD_DIR)/template.yaml: $(BUILD_INPUTS) | $(SAM_VENV)/.installed
	rm -rf $(TEST_BUILD_DIR)
	LAMBDA_ARCHITECTURE=$(TEST_ARCH) $(SAM_OFFLINE_ENV) $(SAM) build --build-dir $(TEST_BUILD_DIR) \
		--parameter-overrides Architecture=$(TEST_ARCH)

build-test-artifacts: $(TEST_BUILD_DIR)/template.yaml ## The x86_64 build the artifact tests inspect (cached)

deploy: build ## sam build for ARCH, then sam deploy with samconfig.toml (first time: README "Deploy", --guided)
	$(SAM_ENV) $(SAM) deploy --parameter-overrides Architecture=$(ARCH) $(DEPLOY_ARGS)
