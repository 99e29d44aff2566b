# The audio-only ffmpeg for this machine's architecture (included by the root Makefile). The local run and the tests
# convert samples with it, as the ffmpeg layer does in Lambda; built from source once, then cached (see
# scripts/build_ffmpeg.py).
.PHONY: ffmpeg qemu-user-static
ffmpeg: ## Build (or find cached) the audio-only ffmpeg for this machine, which `make run` and `make test` use
	@$(PYTHON) scripts/build_ffmpeg.py --architecture host --print-path

# The tests run the arm64 layer binary on this machine through Debian's qemu-user-static.
qemu-user-static:
	@command -v qemu-aarch64-static >/dev/null || { apt-get -o DPkg::Lock::Timeout=600 update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
		qemu-user-static; }

run unit bench: ffmpeg
test: ffmpeg qemu-user-static
