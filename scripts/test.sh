#!/usr/bin/env bash
# Runs every check and test Beatbook has, on a fresh machine or a developer's.
# Installs what it needs first (Rust components; the C toolchain SQLCipher's vendored
# OpenSSL builds with), so that a clean clone passes with this one command.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for tool in gcc make perl; do
  command -v "$tool" >/dev/null 2>&1 || need_apt+=("$tool")
done
# The web pages' browser test (sync-server/tests/server/browser.rs) drives Debian's chromium
# headless through chromedriver.
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> installing ${need_apt[*]}"
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
fi
for component in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
done

# The storage conformance suite runs against PostgreSQL as well as SQLite (each test in a fresh
# schema it drops afterwards; sync-server/src/storage/postgres/testing.rs). A test that cannot
# reach the server fails. Only a developer without PostgreSQL sets BEATBOOK_TEST_POSTGRES=skip
# (or to nothing); CI never may.
export BEATBOOK_TEST_POSTGRES="${BEATBOOK_TEST_POSTGRES-postgres://postgres@127.0.0.1:5432/test}"
case "$BEATBOOK_TEST_POSTGRES" in
  ""|skip)
    if [ -n "${CI:-}" ]; then
      echo "BEATBOOK_TEST_POSTGRES=${BEATBOOK_TEST_POSTGRES:-<empty>} in CI: the PostgreSQL tests may not be skipped" >&2
      exit 1
    fi
    echo "!!! BEATBOOK_TEST_POSTGRES=${BEATBOOK_TEST_POSTGRES:-<empty>}: SKIPPING every PostgreSQL test (never in CI)" ;;
  *) echo "==> PostgreSQL tests against ${BEATBOOK_TEST_POSTGRES%%\?*}" ;;
esac

# A clean build in CI gains nothing from incremental compilation's bookkeeping (a developer's
# rebuilds keep it).
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi

# Each phase's wall time, printed at the end (the whole run must stay well inside CI's limit).
phases=()
started=$SECONDS
phase_done() { phases+=("$(printf '%-44s %5d s' "$1" $((SECONDS - started)))"); started=$SECONDS; }

echo "==> cargo fmt --check"
cargo fmt --all -- --check
phase_done "fmt"
echo "==> cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings
phase_done "clippy (builds every target)"
echo "==> cargo test"
# The browser test fails rather than skips when chromedriver is missing.
export BEATBOOK_REQUIRE_BROWSER=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log"
phase_done "cargo test --workspace"
echo "==> packaging (systemd unit verified, hardening level)" && bash scripts/check-packaging.sh
phase_done "packaging"
# No test may depend on today's date (docs/architecture.md, "Time: one rule"): the core and
# server suites run again with the clock a year ahead (libfaketime; the monotonic clock and
# file times stay real; scripts/test-clock-ahead.sh runs the test binaries, not cargo).
echo "==> core and server tests with the clock a year ahead (faketime +365d)"
bash scripts/test-clock-ahead.sh 2>&1 | tee -a "$log"
phase_done "core and server tests, clock a year ahead"
echo "==> mobile bindings (Kotlin, Python, Swift freshness)" && bash scripts/test-bindings.sh
phase_done "mobile bindings"
echo "==> API contract (schemathesis against a live server)" && bash scripts/test-api-contract.sh
phase_done "API contract (schemathesis)"
echo "==> fuzzing (short run: 10 s a target; scripts/fuzz-ci.sh)" && FUZZ_SECONDS="${FUZZ_SECONDS:-10}" bash scripts/fuzz-ci.sh
phase_done "fuzzing"
echo "==> phase times"
printf '  %s\n' "${phases[@]}"
# One closing line for the whole run (cargo prints one summary per test binary).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "total: %d passed, %d failed\n", p, f }' "$log"
