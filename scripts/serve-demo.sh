#!/usr/bin/env bash
# The main job: builds the sync server and the terminal client, then runs the server on its
# embedded SQLite store with a fictional demo force and three weeks of its (fictional)
# activity. It prints one enrolment code per demo user and the commands to run in a second
# terminal. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

data="${BEATBOOK_DEMO_DATA:-$PWD/demo-data/server}"
listen="${BEATBOOK_LISTEN:-127.0.0.1:8686}"

echo "==> building beatbook-server and beatbook (release; the first build compiles SQLCipher)"
cargo build --release -p beatbook-server -p beatbook-cli
mkdir -p "$data" && chmod 700 "$data"   # the server refuses a store other users can read
cat <<MSG

In a second terminal, enrol a device with one of the codes printed below and sync:

  export PATH="$PWD/target/release:\$PATH"
  beatbook keygen --out /tmp/pcso.key
  export BEATBOOK_KEY_FILE=/tmp/pcso.key BEATBOOK_STORE=/tmp/pcso.db
  beatbook enrol --server http://$listen --code <CODE>
  beatbook patrol start --kind foot --lap LAP-NV --purpose "Reassurance after burglaries"
  beatbook sync

Enrol a second store with the supervisor's code (Sergeant Kim Demo) to see the team at base:

  export BEATBOOK_KEY_FILE=/tmp/sergeant.key BEATBOOK_STORE=/tmp/sergeant.db
  beatbook keygen --out /tmp/sergeant.key
  beatbook enrol --server http://$listen --code <SERGEANT'S CODE>
  beatbook review              # the team's work not yet reviewed, per member
  beatbook approve             # SARA stage moves waiting, with their evidence
  beatbook followups --team    # every open promise, overdue first; the 72-hour share
  beatbook report              # the performance framework figures

The sergeant's web pages: open http://$listen/web/ in a browser and sign in with the web
sign-in code printed below for Sergeant Kim Demo (one use, 10 minutes; the line also says how
to issue a new one).

Server data: $data (delete it to start the demo afresh)

MSG
exec target/release/beatbook-server serve --listen "$listen" --data "$data" --demo
