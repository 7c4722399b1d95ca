#!/usr/bin/env bash
# Runs the core and server test binaries with the clock a year ahead (libfaketime), so that a
# test mixing a fixed date with the wall clock fails the day it is written (docs/architecture.md,
# "Time: one rule"). The binaries run directly: cargo itself hangs under libfaketime. The
# monotonic clock and file times stay real, so timeouts are unaffected. CLOCK_SHIFT=-365d
# moves it back instead.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq faketime; }
shift_by="${CLOCK_SHIFT:-+365d}"
artifacts=$(mktemp)
trap 'rm -f "$artifacts"' EXIT
# A build failure fails this script (it is not a run of no tests).
# The workspace's test build (what `cargo test --workspace` has just built, so nothing compiles
# again): `-p beatbook-core -p beatbook-server` would unify features differently and rebuild
# both crates and a dozen dependencies. Only the core's and the server's binaries run.
cargo test --workspace --locked --no-run --message-format=json >"$artifacts"
binaries=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    if (m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]
            and m["manifest_path"].endswith(("/core/Cargo.toml", "/sync-server/Cargo.toml"))):
        print(m["manifest_path"], m["executable"], sep="\t")
' "$artifacts")
[ -n "$binaries" ] || { echo "no test binaries were built" >&2; exit 1; }
failed=0
while IFS=$'\t' read -r manifest exe; do
  echo "--- $(basename "$exe") (clock $shift_by)"
  (cd "$(dirname "$manifest")" && FAKETIME_DONT_FAKE_MONOTONIC=1 NO_FAKE_STAT=1 \
    faketime -f "$shift_by" "$exe") || failed=1
done <<<"$binaries"
exit $failed
