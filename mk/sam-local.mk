# `make sam-local`: the stack through `sam local start-api`, offline (podman + a stand-in Lambda image; Linux, root).
SAM_PORT ?= 3000

.PHONY: sam-local sam-local-prepare
sam-local: $(VENV)/.installed ## Serve the stack through `sam local start-api` on http://127.0.0.1:$(SAM_PORT), offline
	$(PY) -m scripts.sam_local --port $(SAM_PORT)

sam-local-prepare: $(VENV)/.installed ## Install podman, add the forward-drop rules, build the stand-in image (cached)
	$(PY) -m scripts.sam_local --prepare-only
