#!/usr/bin/env bash
# Builds the workspace's libraries (the FFI's cdylib included), binaries (the server,
# uniffi-bindgen, the CLI) and test binaries with the one feature set `cargo test --workspace`
# uses, so that after the test phase nothing compiles again. `--tests` is what makes the sets
# equal: it brings in the dev-dependencies, whose features cargo unifies with the rest; a plain
# `cargo build` or `-p <package>` resolves features differently and compiles the core and a
# dozen dependencies once more each time (minutes in a clean CI run).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked --workspace --lib --bins --tests "$@"
