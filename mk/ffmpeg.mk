# The audio-only ffmpeg for this machine's architecture (included by the root Makefile). The local run and the tests
# convert samples with it, as the ffmpeg layer does in Lambda; built from source once, then cached (see
# scripts/build_ffmpeg.py).
.PHONY: ffmpeg
ffmpeg: ## Build (or find cached) the audio-only ffmpeg for this machine, which `make run` and `make test` use
	@$(PYTHON) scripts/build_ffmpeg.py --architecture host --print-path

run test unit: ffmpeg
