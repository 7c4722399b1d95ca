#!/usr/bin/env bash
# The API contract, checked against a live server: schemathesis (PyPI) generates requests from
# the server's own OpenAPI document (GET /v1/openapi.json, made from the code:
# sync-server/src/http/openapi.rs) for every documented operation, sends them with a real device
# token, and fails on any 5xx, any response that breaks the document (status, content type,
# headers, body schema), any request the server accepts that the document says is invalid, an
# operation that ignores its authentication, and any request that takes longer than the limit.
#
# The server is the debug build on a fresh temporary store seeded with the fictional demo force
# (three weeks of activity, so reports have figures); the token is the demo sergeant's (a
# supervisor: every operation, reports included, is open to it).
#
# Every operation but `GET /v1/openapi.json` itself (schemathesis does not test the document it
# reads; sync-server/tests/server/openapi.rs does). The exceptions to the checks, each with its
# reason, are in scripts/schemathesis.toml.
#
# Environment: SCHEMATHESIS_MAX_EXAMPLES (default 60 per operation), SCHEMATHESIS_SEED.
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.32.5
venv=target/schemathesis-venv
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "version $version"; then
  echo "==> installing schemathesis $version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

bash scripts/build-workspace.sh --quiet
server=target/debug/beatbook-server
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The embedded store is encrypted: one key for the seeding and the serving.
"$server" admin new-store-key --out "$work/store.key" >/dev/null
export BEATBOOK_STORE_KEY_FILE="$work/store.key"
"$server" demo --data "$work/data" >"$work/demo.txt"
code=$(awk '/ supervisor / { print $(NF - 2); exit }' "$work/demo.txt")
[ -n "$code" ] || { echo "no supervisor enrolment code in the demo output" >&2; exit 1; }

"$server" --log-level warn serve --metrics-listen none --listen 127.0.0.1:0 --data "$work/data" >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
url=
for _ in $(seq 1 100); do
  url=$(sed -n 's/^beatbook-server listening on //p' "$work/serve.out")
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "the server did not start" >&2; cat "$work/serve.err" >&2; exit 1; }

token=$("$venv/bin/python" - "$url" "$code" <<'PY'
import json, sys, urllib.request
url, code = sys.argv[1], sys.argv[2]
body = json.dumps({"code": code, "device_name": "schemathesis"}).encode()
request = urllib.request.Request(url + "/v1/enrol", data=body, headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=10) as response:
    print(json.load(response)["token"])
PY
)

echo "==> schemathesis $version against $url (every documented operation)"
status=0
"$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run "$url/v1/openapi.json" \
  --url "$url" \
  --header "Authorization: Bearer $token" \
  --checks all \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-60}" \
  ${SCHEMATHESIS_SEED:+--seed "$SCHEMATHESIS_SEED"} \
  --request-timeout 10 \
  --max-response-time 10 \
  --workers 1 \
  --output-sanitize true \
  --report junit --report-dir "target/schemathesis-report" || status=$?
if grep -q "panicked" "$work/serve.err"; then
  echo "the server panicked during the run:" >&2
  grep -A3 "panicked" "$work/serve.err" >&2
  status=1
fi
exit "$status"
