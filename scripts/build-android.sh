#!/usr/bin/env bash
# Builds the Android library for arm64-v8a, armeabi-v7a and x86_64 with cargo-ndk, and
# packages it with the generated Kotlin bindings as an Android library (AAR) through Gradle.
#
# Needs the Android NDK (ANDROID_NDK_HOME, r26 or later), the Android SDK (ANDROID_HOME) and
# Gradle (or a wrapper) with a JDK 17. The NDK and SDK are not available on the Linux machines
# this project builds and tests on, so this script has not been run there: the Kotlin bindings
# it packages are the ones scripts/test-bindings.sh runs on the JVM.
#
#   scripts/build-android.sh    # -> target/android/beatbook-core/build/outputs/aar/*.aar
set -euo pipefail
cd "$(dirname "$0")/.."

: "${ANDROID_NDK_HOME:?set ANDROID_NDK_HOME to the Android NDK (r26 or later)}"
: "${ANDROID_HOME:?set ANDROID_HOME to the Android SDK}"
api=${ANDROID_MIN_SDK:-24}
profile=release-mobile
module=target/android/beatbook-core

command -v cargo-ndk >/dev/null 2>&1 || cargo install --locked cargo-ndk
rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android

rm -rf "$module"
mkdir -p "$module/src/main/jniLibs" "$module/src/main/kotlin"
echo "==> libbeatbook_ffi.so for arm64-v8a, armeabi-v7a, x86_64 (API $api)"
cargo ndk -t arm64-v8a -t armeabi-v7a -t x86_64 -P "$api" -o "$module/src/main/jniLibs" \
  build --locked -p beatbook-ffi --profile "$profile"
llvm_strip=$(find "$ANDROID_NDK_HOME/toolchains/llvm/prebuilt" -name llvm-strip -type f | head -n 1)
for so in "$module"/src/main/jniLibs/*/libbeatbook_ffi.so; do
  "$llvm_strip" --strip-unneeded "$so"
done

# The Kotlin bindings: generated from the host's unstripped library (the interface is the
# same on every target).
bash scripts/bindings.sh
cp -r target/bindings/kotlin/. "$module/src/main/kotlin/"

cat > "$module/settings.gradle.kts" <<'GRADLE'
pluginManagement {
    repositories { google(); mavenCentral(); gradlePluginPortal() }
}
dependencyResolutionManagement {
    repositories { google(); mavenCentral() }
}
rootProject.name = "beatbook-core"
GRADLE
cat > "$module/build.gradle.kts" <<GRADLE
plugins {
    id("com.android.library") version "8.7.3"
    id("org.jetbrains.kotlin.android") version "2.1.0"
}

android {
    namespace = "org.beatbook.core"
    compileSdk = 35
    defaultConfig {
        minSdk = $api
        consumerProguardFiles("consumer-rules.pro")
    }
    sourceSets["main"].kotlin.srcDir("src/main/kotlin")
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
}

dependencies {
    // The generated bindings call the library through JNA (its Android AAR carries libjnidispatch).
    api("net.java.dev.jna:jna:5.17.0@aar")
    api("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.10.2")
}
GRADLE
# JNA finds the bindings' callback and structure classes by reflection: keep them in minified apps.
cat > "$module/consumer-rules.pro" <<'PRO'
-keep class com.sun.jna.** { *; }
-keep class * implements com.sun.jna.** { *; }
-keep class org.beatbook.core.** { *; }
PRO
mkdir -p "$module/src/main"
cat > "$module/src/main/AndroidManifest.xml" <<'XML'
<manifest xmlns:android="http://schemas.android.com/apk/res/android" />
XML

echo "==> AAR"
gradle=${GRADLE:-gradle}
"$gradle" -p "$module" --no-daemon assembleRelease
ls "$module"/build/outputs/aar/
