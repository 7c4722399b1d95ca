#!/usr/bin/env bash
# The full reliability run (docs/reliability.md): 200 device kills, 60 server kills mid-push and
# mid-pull, 3,000 seeded bad-network schedules, the clock tests, and 500 devices under load.
# `cargo test` runs the same harnesses at a small size; this runs them at full size, in release.
# Takes about half an hour on a 2-core machine. Output also goes to target/reliability-full.log.
#
# Replay a failure with the seed it printed: BEATBOOK_SEED=<seed> (and, for one bad-network
# schedule, BEATBOOK_RELIABILITY_COUNT=1) in front of the cargo test line below.
set -euo pipefail
cd "$(dirname "$0")/.."
log=target/reliability-full.log
mkdir -p target
{
  echo "==> building (release)"
  cargo build --release --locked -p beatbook-server -p beatbook-e2e --bins
  echo "==> device crash, server crash, bad networks, clocks (full size)"
  BEATBOOK_RELIABILITY=full cargo test --release --locked -p beatbook-e2e --test e2e \
    -- device_crash:: server_crash:: bad_networks:: clocks:: --nocapture --test-threads=1
  echo "==> load: 500 devices"
  target/release/load 500 5
} 2>&1 | tee "$log"
