# The SAM stack: validate, build and deploy (included by the root Makefile).
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
# Lambda instruction set of a build; also the template's Architecture parameter. The tests build both: x86_64 to
# import the artifacts on this machine, arm64 (the deployed default) to check sizes and wheels.
ARCH ?= arm64
CONFIG_ENV ?= default
# Everything a build reads: a change to any of these rebuilds the cached test build.
BUILD_INPUTS := template.yaml samconfig.toml scripts/build_function.py scripts/build_ffmpeg.py \
	$(shell find functions layers shared -type f -not -path '*/__pycache__/*' -not -path '*.egg-info/*' 2>/dev/null)
# No telemetry; validate and build need a region name but never call AWS.
SAM_ENV := SAM_CLI_TELEMETRY=0
SAM_OFFLINE_ENV := $(SAM_ENV) AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-eu-west-1}

.PHONY: sam validate build build-test-artifacts deploy deploy-studio
.PRECIOUS: .aws-sam/build-%/template.yaml
$(SAM_VENV)/.installed: mk/sam-requirements.txt
	@test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet -r mk/sam-requirements.txt
	@touch $@

sam: $(SAM_VENV)/.installed ## Install the SAM CLI into .venv-sam/ (kept apart from .venv: it pins other versions)

validate: $(SAM_VENV)/.installed $(VENV)/.installed ## cfn-lint and `sam validate --lint` of template.yaml
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM_OFFLINE_ENV) $(SAM) validate --lint

build: $(SAM_VENV)/.installed $(VENV)/.installed ## sam build for ARCH (arm64 | x86_64) into .aws-sam/build; report sizes
	LAMBDA_ARCHITECTURE=$(ARCH) $(SAM_OFFLINE_ENV) $(SAM) build --parameter-overrides Architecture=$(ARCH)
	$(PY) -m scripts.build_sizes .aws-sam/build

# The tests' builds, one directory per architecture, rebuilt only when an input changed.
.aws-sam/build-%/template.yaml: $(BUILD_INPUTS) | $(SAM_VENV)/.installed
	rm -rf .aws-sam/build-$*
	LAMBDA_ARCHITECTURE=$* $(SAM_OFFLINE_ENV) $(SAM) build --build-dir .aws-sam/build-$* \
		--parameter-overrides Architecture=$*

build-test-artifacts: .aws-sam/build-x86_64/template.yaml .aws-sam/build-arm64/template.yaml ## The builds the artifact tests inspect (cached)

# samconfig.toml's environments deploy arm64, so this builds arm64 whatever ARCH says, and refuses to upload a
# function that Lambda would reject for its size.
deploy: ## sam build (arm64) and sam deploy with samconfig.toml CONFIG_ENV (default | prod); first time: README "Deploy"
	$(MAKE) --no-print-directory build ARCH=arm64
	$(PY) -m scripts.build_sizes --check .aws-sam/build
	$(SAM_ENV) $(SAM) deploy --config-env $(CONFIG_ENV) $(DEPLOY_ARGS)
	$(MAKE) --no-print-directory deploy-studio

deploy-studio: $(VENV)/.installed ## Upload web/ to the stack's studio bucket, configured with its ApiUrl and sign-in
	$(PY) -m scripts.deploy_studio --config-env $(CONFIG_ENV) $(if $(AWS_REGION),--region $(AWS_REGION)) $(DEPLOY_STUDIO_ARGS)
