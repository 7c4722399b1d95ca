#!/usr/bin/env bash
# Checks packaging/beatbook-server.service (docs/operations.md, "Packaging"): systemd must
# accept it, and its hardening must keep an exposure level of at most 2.0 (20 in
# systemd-analyze's tenths). The unit's binary path is swapped for the server just built, so
# verify also checks that ExecStart names an executable. Skipped (loudly) where systemd is
# not installed; never in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v systemd-analyze >/dev/null 2>&1; then
  if [ -n "${CI:-}" ]; then echo "systemd-analyze missing in CI" >&2; exit 1; fi
  echo "!!! systemd-analyze not installed: packaging check skipped"; exit 0
fi
binary="$PWD/target/debug/beatbook-server"
[ -x "$binary" ] || bash scripts/build-workspace.sh -q
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s#/usr/local/bin/beatbook-server#$binary#" packaging/beatbook-server.service > "$work/beatbook-server.service"
systemd-analyze verify "$work/beatbook-server.service"
systemd-analyze security --offline=yes --threshold=20 "$work/beatbook-server.service" | tail -1
echo "packaging: unit verified"
