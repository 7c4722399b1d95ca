#!/usr/bin/env bash
# Measures the mobile library's stripped size against a bare SQLCipher cdylib built with the
# same profile (bindings/size-baseline), for docs/performance.md. Both are built for this
# machine (x86_64 Linux) with --profile release-mobile and stripped the same way. Slow (two
# LTO builds with opt-level z): minutes, not part of the test run.
set -euo pipefail
cd "$(dirname "$0")/.."
target=target/size-mobile
cargo build --locked -q -p beatbook-ffi --profile release-mobile --target-dir "$target"
cargo build -q --manifest-path bindings/size-baseline/Cargo.toml --profile release-mobile --target-dir "$target"
mkdir -p "$target/stripped"
for lib in libbeatbook_ffi.so libbeatbook_size_baseline.so; do
  cp "$target/release-mobile/$lib" "$target/stripped/$lib"
  strip --strip-unneeded "$target/stripped/$lib"
done
ffi=$(stat -c %s "$target/stripped/libbeatbook_ffi.so")
base=$(stat -c %s "$target/stripped/libbeatbook_size_baseline.so")
awk -v f="$ffi" -v b="$base" 'BEGIN {
  printf "beatbook-ffi (stripped):       %9d bytes (%.2f MiB)\n", f, f / 1048576
  printf "bare SQLCipher cdylib (stripped): %6d bytes (%.2f MiB)\n", b, b / 1048576
  printf "ratio: %.2fx (target <= 1.3x)\n", f / b
}'
