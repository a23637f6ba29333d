# syncshell: two commands do everything on a fresh Debian 12 machine.
#   make run   installs what is missing, builds, and starts the host with the bundled demo app
#   make test  installs what is missing, builds, and runs every test (unit, integration, JS, end-to-end)

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
CARGO ?= cargo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Build: WebKitGTK/GTK for Tauri. Tests: a virtual X server, a session bus, X automation, mock
# D-Bus services, and ip(8) for a network of a test's own.
DEB_PACKAGES := build-essential pkg-config libwebkit2gtk-4.1-dev libgtk-3-dev \
	librsvg2-dev libsoup-3.0-dev libssl-dev libxdo-dev webkit2gtk-driver \
	xvfb xauth dbus dbus-x11 xdotool xdg-utils python3-dbusmock iproute2

.PHONY: run test deps build lint test-rust test-js screenshots soak bench-idle bench-compare clean

# Installs the Debian packages in $(1) that are missing.
install_missing = missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

deps:
	@$(call install_missing,$(DEB_PACKAGES))
	@command -v $(CARGO) >/dev/null || { echo "cargo is missing: install Rust (https://rustup.rs)"; exit 1; }
	@$(CARGO) fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy
	@if ! command -v node >/dev/null; then \
		echo "Installing Node.js (for the JavaScript tests)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs; \
	fi

build: deps
	$(CARGO) build --workspace

run: build
	./target/debug/syncshell demo

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust: deps
	# The end-to-end tests drive the real binary, so it is built first.
	$(CARGO) build --workspace
	$(CARGO) test --workspace --all-targets 2>&1 | tee target/test-rust.log

test-js: deps
	mkdir -p target
	node --test web/ 2>&1 | tee target/test-js.log

# One closing line with the totals of every runner.
test: lint test-js test-rust fuzz-smoke
	@awk '/^test result:/ { p += $$4; f += $$6 } /^# pass / { p += $$3 } /^# fail / { f += $$3 } \
		END { print "total: " p " passed, " f " failed" }' target/test-rust.log target/test-js.log

# Screenshots of the settings panel's tabs (light, dark, 2x) into docs/, from the real host under
# Xvfb driven by WebKitWebDriver.
screenshots: deps
	$(CARGO) build --workspace
	$(CARGO) run -q -p syncshell-e2e --example panel_screenshots -- docs

# The soak (tests/tests/soak.rs, ignored by `cargo test`): SOAK_APPS apps with SOAK_REGISTRATIONS
# one-off syncs each, APIs refusing 30% at random, rounds for SOAK_MINUTES; every event accounted
# for, RSS and open files printed every minute.
SOAK_APPS ?= 100
SOAK_REGISTRATIONS ?= 100
SOAK_MINUTES ?= 30
soak: deps
	$(CARGO) build --workspace
	SYNCSHELL_SOAK_APPS=$(SOAK_APPS) SYNCSHELL_SOAK_REGISTRATIONS=$(SOAK_REGISTRATIONS) \
		SYNCSHELL_SOAK_MINUTES=$(SOAK_MINUTES) \
		$(CARGO) test -p syncshell-e2e --test soak -- --ignored --nocapture

# The idle host and the resident probe side by side (docs/resident-design.md); another GTK
# application (gtk-3-examples) stands in for a desktop session.
bench-idle: deps
	@$(call install_missing,gtk-3-examples)
	$(CARGO) build --release -p syncshell -p syncshell-resident -p syncshell-cli
	$(CARGO) bench -p syncshell-e2e --bench background -- idle resident

# syncshell against Debian's Chromium, the same apps in one run (README "Benchmarks"). As root:
# the bench takes a network namespace of its own, to take the network down and bring it back.
bench-compare: deps
	@$(call install_missing,chromium iproute2)
	$(CARGO) build --release -p syncshell -p syncshell-resident -p syncshell-cli
	$(CARGO) bench -p syncshell-e2e --bench compare

clean:
	$(CARGO) clean

# ---- Fuzzing (issue 13) -------------------------------------------------------------------
# One cargo-fuzz target per input surface, in fuzz/ (its own workspace; see fuzz/README.md).
# Built for stable Rust without a sanitizer (`-s none`): AddressSanitizer needs nightly, and
# safe Rust's out-of-bounds and overflow checks (on in fuzz/'s profile) report as panics anyway.
#   make fuzz-smoke   every target for FUZZ_SMOKE_SECS (part of `make test`)
#   make fuzz         every target for FUZZ_SECS, corpus kept in fuzz/corpus/ between runs
FUZZ_TARGETS := manifest html_discovery config control_request bridge_message reserved_path \
	proxy_request shim_injection
FUZZ_SECS ?= 600
FUZZ_SMOKE_SECS ?= 20

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-run

fuzz-build: deps
	@$(CARGO) fuzz --version >/dev/null 2>&1 || $(CARGO) install --locked cargo-fuzz
	cd fuzz && $(CARGO) fuzz build -s none

fuzz-smoke: fuzz-build
	@$(MAKE) --no-print-directory fuzz-run FUZZ_SECS=$(FUZZ_SMOKE_SECS)

fuzz: fuzz-build
	@$(MAKE) --no-print-directory fuzz-run

# Each target from its committed seeds plus the corpus so far; a crash stops here with its log
# (the input is saved in fuzz/artifacts/<target>/).
fuzz-run:
	@cd fuzz && mkdir -p logs && for t in $(FUZZ_TARGETS); do \
		mkdir -p corpus/$$t; \
		$(CARGO) fuzz run -s none $$t corpus/$$t seeds/$$t -- -max_total_time=$(FUZZ_SECS) \
			-timeout=10 -print_final_stats=1 >logs/$$t.log 2>&1 \
			|| { tail -n 40 logs/$$t.log; echo "fuzz $$t: FAILED (fuzz/logs/$$t.log)"; exit 1; }; \
		awk -v t=$$t '/\tDONE / { for (i = 1; i < NF; i++) if ($$i ~ /^(cov|ft|exec\/s):$$/) s = s " " $$i " " $$(i+1) } \
			/^stat::number_of_executed_units/ { n = $$2 } END { print "fuzz " t ": " n " runs," s ", no crash" }' logs/$$t.log; \
	done
