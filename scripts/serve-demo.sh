#!/usr/bin/env bash
# The main job: builds the sync server and the terminal client, then runs the server on its
# embedded SQLite store with a fictional demo force and three weeks of its (fictional)
# activity. The server prints one enrolment code per demo user (fresh ones on every restart),
# the commands to run in a second terminal with the address it really listens on, and a web
# sign-in code for the sergeant. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

data="${BEATBOOK_DEMO_DATA:-$PWD/demo-data/server}"
listen="${BEATBOOK_LISTEN:-127.0.0.1:8686}"

echo "==> building beatbook-server and beatbook (release; the first build compiles SQLCipher)"
cargo build --release -p beatbook-server -p beatbook-cli
bin_dir="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release"
mkdir -p "$data" && chmod 700 "$data"   # the server refuses a store other users can read
# The store is encrypted at rest; its key is kept beside the data folder, not in it (made once).
key="${BEATBOOK_DEMO_KEY:-$data.key}"
[ -f "$key" ] || "$bin_dir/beatbook-server" admin new-store-key --out "$key" >/dev/null
cat <<MSG

The terminal client is $bin_dir/beatbook. In a second terminal, first:

  export PATH="$bin_dir:\$PATH"

then follow the steps the server prints below.
Server data: $data (delete it to start the demo afresh; a restart prints new codes)
Server store key: $key

MSG
exec "$bin_dir/beatbook-server" serve --listen "$listen" --data "$data" --store-key-file "$key" --demo
