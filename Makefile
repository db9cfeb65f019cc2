# The two commands of the README: `make dev` and `make test`. Every target installs what
# it needs and skips what is already there; nothing is downloaded from GitHub.
SHELL := /bin/bash
.DEFAULT_GOAL := help

WORKER_BUILD_VERSION := 0.8.7
WASM_BINDGEN_VERSION := 0.2.130
CARGO_BIN := $(HOME)/.cargo/bin
export PATH := $(CARGO_BIN):$(CURDIR)/node_modules/.bin:$(PATH)
# worker-build reads these before it tries to download anything.
export WASM_BINDGEN_BIN := $(CARGO_BIN)/wasm-bindgen
export WASM_OPT_BIN := $(CURDIR)/node_modules/.bin/wasm-opt
export ESBUILD_BIN := $(CURDIR)/node_modules/.bin/esbuild
export WRANGLER_SEND_METRICS := false

RUST_SOURCES := $(shell find src -type f) Cargo.toml Cargo.lock .cargo/config.toml

.PHONY: help dev test bench bench-tools browser-tools tools rust-tools npm-tools mcp-clients build build-test unit e2e lint fuzz fuzz-smoke soak soak-smoke fmt clean

help:
	@echo "make dev    set up and serve the worker on http://127.0.0.1:8787 (prints a ready token)"
	@echo "make test   set up and run every test (unit + end-to-end on local workerd)"
	@echo "make bench  measure the hot paths against the Hono peer (BENCH_DURATION=10)"
	@echo "make fuzz   schemathesis against the worker, longer than make test's run (FUZZ_EXAMPLES=100)"
	@echo "make soak   three workspaces at once, one abusive, p99 checked (SOAK_SECONDS=210; make test runs 30 s)"

## Tools ---------------------------------------------------------------------------------
tools: rust-tools npm-tools

rust-tools:
	@rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
	@rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
	@[ "$$($(CARGO_BIN)/worker-build --version 2>/dev/null)" = "$(WORKER_BUILD_VERSION)" ] || \
		cargo install worker-build --version $(WORKER_BUILD_VERSION) --locked
	@# Unlocked on purpose: its lock file pins a webpki-roots the registry here does not serve.
	@$(CARGO_BIN)/wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" || \
		cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

npm-tools: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# The official MCP Python SDK, a 1.x and the current 2.x release (pinned in
# tests/mcp/requirements-{1,2}.txt), each in its venv (.venv-mcp1, .venv-mcp2): the e2e
# case mcp::python_sdk_clients drives the worker with both.
mcp-clients:
	@bash tests/mcp/run.sh --install

## Build ---------------------------------------------------------------------------------
# Also wrangler's [build] command: a no-op unless the Rust sources changed.
build: build/worker/shim.mjs

# worker-build keeps the wasm names section (--debuginfo); panics report file and line
# without it, so it is stripped: about a fifth of the upload.
WASM_FEATURES := $(addprefix --enable-,mutable-globals sign-ext nontrapping-float-to-int bulk-memory multivalue reference-types exception-handling)

build/worker/shim.mjs: $(RUST_SOURCES)
	worker-build --release
	$(WASM_OPT_BIN) $(WASM_FEATURES) --strip-debug --strip-producers build/index_bg.wasm -o build/index_bg.wasm
	@# The OpenAPI document stays out of the wasm: built on the host, served from JS.
	cargo run --quiet --bin openapi > build/openapi.mjs.tmp && mv build/openapi.mjs.tmp build/openapi.mjs
	@touch $@

# The e2e harness's build: the same worker with the test hooks compiled in (feature
# `test-hooks`), in build-test/ so that nothing `wrangler deploy` uploads ever has them.
build-test: build-test/worker/shim.mjs

build-test/worker/shim.mjs: $(RUST_SOURCES)
	worker-build --release --out-dir build-test --features test-hooks
	$(WASM_OPT_BIN) $(WASM_FEATURES) --strip-debug --strip-producers build-test/index_bg.wasm -o build-test/index_bg.wasm
	cargo run --quiet --bin openapi > build-test/openapi.mjs.tmp && mv build-test/openapi.mjs.tmp build-test/openapi.mjs
	@touch $@

## Run -----------------------------------------------------------------------------------
dev: tools
	@bash scripts/dev.sh

## Test ----------------------------------------------------------------------------------
test: tools
	-@$(MAKE) -s bench-tools
	$(MAKE) -s browser-tools
	$(MAKE) -s lint
	cargo test --lib
	cargo test --test query_plans
	$(MAKE) -s mcp-clients
	cargo test --test e2e
	$(MAKE) -s soak-smoke
	$(MAKE) -s fuzz-smoke
	@if command -v wrk >/dev/null; then BENCH_SMOKE=1 node bench/bench.mjs; \
	else echo "wrk could not be installed (no root or sudo?): the one-second bench smoke run is skipped"; fi

# Formatting and clippy, both targets, warnings are errors.
lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown --features test-hooks -- -D warnings

## Fuzz ----------------------------------------------------------------------------------
# schemathesis (pinned in fuzz/requirements.txt, installed into .venv-fuzz) against the
# worker under wrangler dev: every /v1 operation, every check and phase, a fixed seed.
# make test runs a bounded one; a failure fails it.
fuzz-smoke: build
	FUZZ_NO_BUILD=1 FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-10} FUZZ_TIMEOUT=$${FUZZ_TIMEOUT:-8m} bash fuzz/run.sh

fuzz: tools build
	FUZZ_NO_BUILD=1 FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} FUZZ_TIMEOUT=$${FUZZ_TIMEOUT:-60m} bash fuzz/run.sh

## Soak ----------------------------------------------------------------------------------
# tests/soak.rs through scripts/soak.sh: builds, then runs under `timeout` in a session of
# its own that is stopped whatever happens. make soak: baseline half, abuser half, p99
# checked; the 30 s run in make test checks 5xx, read-back and webhook delivery only.
soak: tools
	SOAK_SECONDS=$${SOAK_SECONDS:-210} SOAK_CHECK_P99=1 bash scripts/soak.sh

soak-smoke: tools
	SOAK_SECONDS=30 SOAK_CHECK_P99=0 bash scripts/soak.sh

## Bench ---------------------------------------------------------------------------------
# wrk from Debian's packages (root, or sudo without a password).
bench-tools:
	@command -v wrk >/dev/null || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get install -y wrk || { $$SUDO apt-get update && $$SUDO apt-get install -y wrk; }; }

# Debian's chromium: the widget demo page's end-to-end test runs in it, headless.
browser-tools:
	@command -v chromium >/dev/null || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get install -y --no-install-recommends chromium || { $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends chromium; }; }

bench: tools bench-tools
	node bench/bench.mjs

unit:
	cargo test --lib

e2e: tools mcp-clients
	cargo test --test e2e

fmt:
	cargo fmt

clean:
	rm -rf build build-test dist target/wasm32-unknown-unknown
