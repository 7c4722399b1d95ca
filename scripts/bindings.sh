#!/usr/bin/env bash
# Builds the mobile library (beatbook-ffi) for this machine and generates its Kotlin, Swift
# and Python bindings into target/bindings/{kotlin,swift,python}, with the library beside the
# Python module and in target/bindings/lib (what the Kotlin test loads through JNA).
#
# The bindings are generated from the unstripped library (uniffi reads its metadata from the
# library's symbols); the copies in target/bindings are stripped afterwards.
#
#   scripts/bindings.sh                     # debug build (fast; what the tests use)
#   PROFILE=release-mobile scripts/bindings.sh   # the size-optimised build that ships
#
# Android and iOS builds: scripts/build-android.sh, scripts/build-xcframework.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${PROFILE:-dev}
out=${OUT:-target/bindings}
case "$profile" in
  dev) dir=debug ;;
  *) dir=$profile ;;
esac

echo "==> building beatbook-ffi ($profile) and uniffi-bindgen"
if [ "$profile" = dev ]; then
  # The library, uniffi-bindgen and the server the binding tests run against, with the test
  # phase's features (scripts/build-workspace.sh says why).
  bash scripts/build-workspace.sh
else
  cargo build --locked -p beatbook-ffi --profile "$profile"
  cargo build --locked -p beatbook-uniffi-bindgen
fi
lib="target/$dir/libbeatbook_ffi.so"
bindgen=target/debug/uniffi-bindgen

rm -rf "$out"
mkdir -p "$out"/{kotlin,swift,python,lib}
for language in kotlin swift python; do
  # --no-format: the output must not depend on whether ktlint or swiftformat is installed
  # (the Swift files are checked in and compared).
  "$bindgen" generate --no-format --config bindings/uniffi-bindgen/config.toml \
    --language "$language" --out-dir "$out/$language" "$lib" >/dev/null
done

cp "$lib" "$out/lib/"
strip --strip-unneeded "$out/lib/libbeatbook_ffi.so"
cp "$out/lib/libbeatbook_ffi.so" "$out/python/"
echo "==> bindings in $out: $(cd "$out" && find kotlin swift python -type f | sort | tr '\n' ' ')"
