#!/usr/bin/env bash
# Runs the generated mobile bindings against a real beatbook-server on loopback: the Python
# scenario (standard library only) and the Kotlin scenario (kotlinc on the JVM, with JNA),
# and checks that the checked-in Swift bindings are current.
#
# Installs what is missing: Debian's libjna-java and a JDK (apt), and the npm package
# kotlin-compiler (kotlinc, with kotlinx-coroutines) into target/tools — nothing global
# beyond the apt packages.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tools=$root/target/tools

# --- tools -----------------------------------------------------------------------------
need_apt=()
[ -f /usr/share/java/jna.jar ] || need_apt+=(libjna-java)
command -v java >/dev/null 2>&1 || need_apt+=(default-jdk-headless)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> installing ${need_apt[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
kotlin_version=2.4.20
kotlinc=$tools/kotlin/node_modules/kotlin-compiler/bin/kotlinc
if [ ! -x "$kotlinc" ]; then
  echo "==> installing kotlin-compiler $kotlin_version (npm) into target/tools"
  mkdir -p "$tools/kotlin"
  npm install --silent --no-audit --no-fund --prefix "$tools/kotlin" "kotlin-compiler@$kotlin_version" >/dev/null
fi
kotlin_lib=$(dirname "$kotlinc")/../lib
jna=/usr/share/java/jna.jar
coroutines=$kotlin_lib/kotlinx-coroutines-core-jvm.jar

# --- library, bindings, server ------------------------------------------------------------
bash scripts/bindings.sh
bash scripts/build-workspace.sh -q # the server (bindings.sh built it already)
out=target/bindings

echo "==> Swift bindings are current"
if ! diff -r bindings/ffi/swift "$out/swift" >/dev/null; then
  diff -r bindings/ffi/swift "$out/swift" | head -20 || true
  echo "bindings/ffi/swift is stale: run scripts/bindings.sh, copy target/bindings/swift/* to bindings/ffi/swift/ and commit" >&2
  exit 1
fi

data=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$data"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The server's store is encrypted: its key, for the server and the scenarios' admin commands.
target/debug/beatbook-server admin new-store-key --out "$data/server.key" >/dev/null
export BEATBOOK_STORE_KEY_FILE="$data/server.key"
BEATBOOK_LOG_LEVEL=warn target/debug/beatbook-server serve --metrics-listen none --listen "127.0.0.1:$port" --data "$data/server" >"$data/server.log" 2>&1 &
server_pid=$!
export BEATBOOK_SERVER_URL="http://127.0.0.1:$port"
export BEATBOOK_SERVER_BIN=$root/target/debug/beatbook-server
export BEATBOOK_SERVER_DATA=$data/server
for _ in $(seq 1 300); do
  curl -fsS "$BEATBOOK_SERVER_URL/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$data/server.log"; echo "beatbook-server exited" >&2; exit 1; }
  sleep 0.1
done
curl -fsS "$BEATBOOK_SERVER_URL/healthz" >/dev/null

# --- Python ------------------------------------------------------------------------------
echo "==> Python scenario"
PYTHONPATH=$out/python python3 -B bindings/ffi/tests/python/test_scenario.py

# --- Kotlin ------------------------------------------------------------------------------
echo "==> Kotlin scenario"
# kotlinc takes about a minute: the classes are kept per content of the sources, so a warm
# run with unchanged bindings and test skips it.
sources=$(find "$out/kotlin" bindings/ffi/tests/kotlin -name '*.kt' | sort)
digest=$(cat $sources | sha256sum | cut -c1-16)
classes=$tools/kotlin-classes/$digest
if [ ! -f "$classes/ScenarioKt.class" ]; then
  rm -rf "$tools/kotlin-classes"
  "$kotlinc" -nowarn -cp "$jna:$coroutines" -d "$classes" $sources 2>&1 | grep -v '^warning:' || true
  [ -f "$classes/ScenarioKt.class" ] || { echo "kotlinc failed" >&2; exit 1; }
fi
java -Djna.library.path="$out/lib" -cp "$classes:$jna:$coroutines:$kotlin_lib/kotlin-stdlib.jar" ScenarioKt
