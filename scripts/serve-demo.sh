#!/usr/bin/env bash
# The main job: builds the sync server and the terminal client, then runs the server on its
# embedded SQLite store with a fictional demo force. It prints one enrolment code per demo
# user and the `beatbook enrol` command to run in a second terminal. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

data="${BEATBOOK_DEMO_DATA:-$PWD/demo-data/server}"
listen="${BEATBOOK_LISTEN:-127.0.0.1:8686}"

echo "==> building beatbook-server and beatbook (release; the first build compiles SQLCipher)"
cargo build --release -p beatbook-server -p beatbook-cli
mkdir -p "$data"
cat <<MSG

In a second terminal, enrol a device with one of the codes printed below and sync:

  export PATH="$PWD/target/release:\$PATH"
  beatbook keygen --out /tmp/pcso.key
  export BEATBOOK_KEY_FILE=/tmp/pcso.key BEATBOOK_STORE=/tmp/pcso.db
  beatbook enrol --server http://$listen --code <CODE>
  beatbook patrol start --kind foot --lap LAP-NV --purpose "Reassurance after burglaries"
  beatbook sync

Server data: $data (delete it to start the demo afresh)

MSG
exec target/release/beatbook-server serve --listen "$listen" --data "$data" --demo
