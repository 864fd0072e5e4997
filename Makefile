# Hush — the two quick-start commands are `make demo` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := zlib1g-dev libbrotli-dev pkg-config
DJANGO_VERSION := 6.1.3
DJANGO_VENV := .venv-django
HUSH := .build/release/hush

.PHONY: deps build demo test bench clean-demo

# System libraries for gzip/Brotli. Installed with apt-get when running as root, otherwise the
# exact command is printed and the build stops.
deps:
	@if ! pkg-config --exists zlib libbrotlienc libbrotlidec 2>/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make: installing $(APT_PACKAGES)"; \
	    (apt-get install -y -qq $(APT_PACKAGES) >/dev/null 2>&1 || \
	     (apt-get update -qq && apt-get install -y -qq $(APT_PACKAGES))) ; \
	  else \
	    echo "make: missing system libraries; run: sudo apt-get install -y $(APT_PACKAGES)"; exit 1; \
	  fi; \
	fi

# Release builds leave out Swift's run-time exclusivity checks (the compile-time ones still
# apply): about a tenth of the server's CPU per request, measured. RELEASE_FLAGS= keeps them.
RELEASE_FLAGS ?= -Xswiftc -enforce-exclusivity=unchecked

build: deps
	$(SWIFT) build -c release --product hush $(RELEASE_FLAGS)

# Collects sample-static/ into ./staticfiles, then serves it on http://127.0.0.1:8080/static/
# (Ctrl-C stops the server; HUSH_PORT=NNNN picks another port).
demo: build
	$(HUSH) collect sample-static/site sample-static/theme vendor=sample-static/vendor --output staticfiles
	@echo "demo: collected into ./staticfiles; open http://127.0.0.1:$${HUSH_PORT:-8080}/static/index.html (Ctrl-C to stop)"
	$(HUSH) serve --root staticfiles --host 127.0.0.1 --port $${HUSH_PORT:-8080}

# Django itself, for the tests that compare Hush's output with collectstatic's byte for byte.
$(DJANGO_VENV)/bin/python:
	@py=""; for c in python3.13 python3.12; do \
	  if PYENV_VERSION=3.13.0 $$c -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then py=$$c; break; fi; \
	done; \
	if [ -z "$$py" ]; then echo "make: Django $(DJANGO_VERSION) needs Python >= 3.12 (python3.13 not found)"; exit 1; fi; \
	PYENV_VERSION=3.13.0 $$py -m venv $(DJANGO_VENV) && \
	$(DJANGO_VENV)/bin/pip install -q --disable-pip-version-check "django==$(DJANGO_VERSION)" whitenoise brotli

# The harness smoke tests first (seconds), then the Swift suite, whose summary closes the output.
test: deps $(DJANGO_VENV)/bin/python bench-smoke
	HUSH_DJANGO_PYTHON=$(CURDIR)/$(DJANGO_VENV)/bin/python $(SWIFT) test --disable-swift-testing

bench: build
	bash Benchmarks/run.sh

# Smoke tests of the benchmark harness (corpus generator, chart writer); no server, a few seconds.
.PHONY: bench-smoke
bench-smoke:
	python3 -m unittest discover -s Benchmarks/tests -v

# --- Hardening: the suite under sanitizers, libFuzzer targets, a soak run (README "Hardening").

# The suite under AddressSanitizer, then ThreadSanitizer, each in its own scratch path so that
# neither rebuilds the other nor the normal build. TSan reports fail the run (exit status 66).
# Leak detection is off: its exit-time report is test scaffolding never torn down (child
# processes, EmbeddedChannels) and Django's static patterns (see Fuzz/lsan.supp), README "Hardening".
.PHONY: test-sanitize test-asan test-tsan
test-sanitize: test-asan test-tsan
test-asan: deps $(DJANGO_VENV)/bin/python
	HUSH_DJANGO_PYTHON=$(CURDIR)/$(DJANGO_VENV)/bin/python ASAN_OPTIONS=detect_leaks=0 \
	  $(SWIFT) test --disable-swift-testing --sanitize=address --scratch-path .build-asan
test-tsan: deps $(DJANGO_VENV)/bin/python
	HUSH_DJANGO_PYTHON=$(CURDIR)/$(DJANGO_VENV)/bin/python \
	  $(SWIFT) test --disable-swift-testing --sanitize=thread --scratch-path .build-tsan

# Each libFuzzer target for FUZZ_SECONDS (default 60); fails on the first crash, naming the
# reproducer. FUZZ_TARGETS="request-head pattern" runs a subset.
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash Fuzz/run.sh $(FUZZ_TARGETS)

# A bounded mixed run against the release binary (SOAK_SECONDS, default 600): errors, RSS and
# open descriptors over time.
SOAK_SECONDS ?= 600
.PHONY: soak
soak: build
	python3 Benchmarks/harness/soak.py --hush $(HUSH) --seconds $(SOAK_SECONDS)
