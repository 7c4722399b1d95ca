#!/usr/bin/env bash
# Fuzzes the sync protocol's decoders and the merge (cargo-fuzz / libFuzzer, targets in fuzz/)
# for FUZZ_SECONDS each (default 20: the CI-sized run), starting from the checked-in corpus
# in fuzz/corpus/<target>/. New inputs go to a scratch directory, so the run leaves the
# repository as it was; a crash fails the script and leaves its input in fuzz/artifacts/.
#
# libFuzzer needs nightly compiler flags; the one stable toolchain here allows them with
# RUSTC_BOOTSTRAP=1. Installs cargo-fuzz from crates.io if it is missing.
#
#   scripts/fuzz-ci.sh                      # every target, 20 s each
#   FUZZ_SECONDS=600 scripts/fuzz-ci.sh merge   # one target, longer (see docs/reliability.md)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1
seconds=${FUZZ_SECONDS:-20}
# No sanitizer: the code under test is safe Rust (unsafe_code = forbid), so what fuzzing can
# find is panics, which libFuzzer catches without one; debug assertions catch overflow too.
flags=(--fuzz-dir fuzz --sanitizer none --debug-assertions)

if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list --fuzz-dir fuzz); fi
echo "==> building fuzz targets: ${targets[*]}"
cargo fuzz build "${flags[@]}"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in "${targets[@]}"; do
  echo "==> fuzzing $target for ${seconds}s"
  mkdir -p "$scratch/$target" "fuzz/corpus/$target"
  # grep hides libFuzzer's progress lines and never fails the pipeline itself, so (with
  # pipefail) the pipeline's status is libFuzzer's. (Reading PIPESTATUS after `|| true`, as
  # this script once did, reads `true`'s: a crash passed CI.)
  if ! cargo fuzz run "${flags[@]}" "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 2>&1 |
    { grep -E '^(stat::number_of_executed_units|stat::new_units_added|#[0-9]+ *DONE)|ERROR|panicked|SUMMARY|artifact' || true; }; then
    echo "fuzz target $target failed" >&2
    exit 1
  fi
done
echo "==> fuzzing passed"
