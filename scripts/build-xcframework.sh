#!/usr/bin/env bash
# Builds the iOS library as an XCFramework for Xcode: the device (arm64) and the simulator
# (arm64 + x86_64, one fat library), each a static library with the generated C header and
# module map, plus the generated Swift file to add to the app (docs/mobile.md).
#
# macOS only: it needs Xcode (xcodebuild, lipo) and Apple's SDKs. It cannot run on the Linux
# machines this project builds and tests on, and has not been run there; the Swift bindings it
# packages are the checked-in bindings/ffi/swift, which scripts/test-bindings.sh keeps current.
#
#   scripts/build-xcframework.sh      # -> target/ios/BeatbookCoreFFI.xcframework, BeatbookCore.swift
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname -s)" != Darwin ] || ! command -v xcodebuild >/dev/null 2>&1; then
  echo "build-xcframework.sh needs macOS with Xcode (xcodebuild); see docs/mobile.md" >&2
  exit 1
fi

export IPHONEOS_DEPLOYMENT_TARGET=${IPHONEOS_DEPLOYMENT_TARGET:-15.0}
profile=release-mobile
device=aarch64-apple-ios
simulators=(aarch64-apple-ios-sim x86_64-apple-ios)
rustup target add "$device" "${simulators[@]}"

for target in "$device" "${simulators[@]}"; do
  echo "==> $target"
  cargo build --locked -p beatbook-ffi --profile "$profile" --target "$target"
done

out=target/ios
rm -rf "$out"
mkdir -p "$out/headers" "$out/simulator"
# The module map must be called module.modulemap inside an XCFramework's headers.
cp bindings/ffi/swift/BeatbookCoreFFI.h "$out/headers/"
cp bindings/ffi/swift/BeatbookCoreFFI.modulemap "$out/headers/module.modulemap"
lipo -create \
  "target/aarch64-apple-ios-sim/$profile/libbeatbook_ffi.a" \
  "target/x86_64-apple-ios/$profile/libbeatbook_ffi.a" \
  -output "$out/simulator/libbeatbook_ffi.a"
# Local symbols and debug info out; the app's link dead-strips the rest.
strip -S -x "target/$device/$profile/libbeatbook_ffi.a" -o "$out/libbeatbook_ffi.a"
strip -S -x "$out/simulator/libbeatbook_ffi.a"
xcodebuild -create-xcframework \
  -library "$out/libbeatbook_ffi.a" -headers "$out/headers" \
  -library "$out/simulator/libbeatbook_ffi.a" -headers "$out/headers" \
  -output "$out/BeatbookCoreFFI.xcframework"
cp bindings/ffi/swift/BeatbookCore.swift "$out/"
echo "==> $out/BeatbookCoreFFI.xcframework and $out/BeatbookCore.swift"
