# `make sam-local`: the stack through `sam local start-api`, offline (podman + a stand-in Lambda image; Linux, root).
SAM_PORT ?= 3000

.PHONY: sam-local sam-local-prepare
# Provider keys: DASHSCOPE_API_KEY / OPENTALKING_TTS_ELEVENLABS_API_KEY from your shell, or ENV_VARS=your-file.json
# (the `sam local start-api --env-vars` format); both reach the functions only, and nothing in the repository changes.
sam-local: $(VENV)/.installed ## Serve the stack through `sam local start-api` on http://127.0.0.1:$(SAM_PORT) [ENV_VARS=file.json]
	$(PY) -m scripts.sam_local --port $(SAM_PORT) $(if $(ENV_VARS),--env-vars "$(ENV_VARS)")

sam-local-prepare: $(VENV)/.installed ## Install podman, add the forward-drop rules, build the stand-in image (cached)
	$(PY) -m scripts.sam_local --prepare-only
