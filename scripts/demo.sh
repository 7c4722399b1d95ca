#!/usr/bin/env bash
# A newcomer's walk through one patrol shift with the Beatbook terminal client, then the
# supervisor's view at base.
#
# Builds `beatbook` and `beatbook-server` (release), makes a throwaway folder, starts a sync
# server there with the fictional demo force (on a free local port), enrols PCSO Sam Demo's
# new store with it and runs a realistic shift, printing each command before it runs. At base
# the shift is synced; the sergeant enrols, reviews, finds the PCSO's SARA request among the
# approvals and approves it; the PCSO's next sync brings the decision back. Nothing outside
# that folder is touched; it is deleted at the end unless BEATBOOK_DEMO_KEEP=1.
#
#   scripts/demo.sh
#   BEATBOOK_DEMO_KEEP=1 scripts/demo.sh   # keep the folder to try more commands in it
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# ---- helpers ---------------------------------------------------------------------------------

# Prints a command as it would be typed (quoting arguments that need it).
show() {
    local line="\$" arg
    for arg in "$@"; do
        if [[ "$arg" =~ ^[A-Za-z0-9_./:=@,+-]+$ ]]; then
            line+=" $arg"
        else
            line+=" \"${arg//\"/\\\"}\""
        fi
    done
    printf '\n%s\n' "$line"
}

# Prints a command, then runs it.
run() {
    show "$@"
    "$@"
}

# Like run, and also keeps the record's short reference (like 7KQ4-ZM2P, accepted wherever an
# id is) from the command's first line in $last_id.
last_id=""
run_keep_id() {
    local output
    show "$@"
    output="$("$@")"
    printf '%s\n' "$output"
    local reference='[0-9A-Z]{4}-[0-9A-Z]{4}'
    if [[ "${output%%$'\n'*}" =~ ($reference) ]]; then
        last_id="${BASH_REMATCH[1]}"
    else
        echo "demo: expected a record's reference on that output's first line" >&2
        exit 1
    fi
}

# A comment for the reader; one argument per line.
say() {
    printf '\n'
    printf '# %s\n' "$@"
}

# ---- build -----------------------------------------------------------------------------------

say "Build the terminal client (the first build compiles SQLCipher and takes a few minutes)."
run cargo build --release -p beatbook-cli -p beatbook-server
bin="${CARGO_TARGET_DIR:-$root/target}/release/beatbook"
server_bin="${CARGO_TARGET_DIR:-$root/target}/release/beatbook-server"

# `beatbook` below is the binary just built, so each command reads as you would type it.
beatbook() { "$bin" "$@"; }

work="$(mktemp -d "${TMPDIR:-/tmp}/beatbook-demo.XXXXXX")"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [[ "${BEATBOOK_DEMO_KEEP:-0}" == "1" ]]; then
        echo
        echo "# The demo folder is kept: $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
cd "$work"
export BEATBOOK_STORE="$work/beatbook.db"
unset BEATBOOK_KEY BEATBOOK_KEY_FILE

# ---- the force's sync server -----------------------------------------------------------------

say "The force's sync server, with the fictional demo force and three weeks of its activity" \
    "(scripts/serve-demo.sh runs the same server in the foreground). It prints an enrolment" \
    "code for each demo user."
show beatbook-server admin new-store-key --out "$work/server.key"
"$server_bin" admin new-store-key --out "$work/server.key" >/dev/null
show beatbook-server serve --metrics-listen none --listen 127.0.0.1:0 --data "$work/server" --store-key-file "$work/server.key" --demo
"$server_bin" serve --metrics-listen none --listen 127.0.0.1:0 --data "$work/server" \
    --store-key-file "$work/server.key" --demo \
    >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
    grep -q "listening on" "$work/server.out" 2>/dev/null && break
    sleep 0.1
done
url="$(grep -o 'listening on http://[0-9.:]*' "$work/server.out" | cut -d' ' -f3)"
if [[ -z "$url" ]]; then
    echo "demo: the server did not start; its log:" >&2
    cat "$work/server.log" >&2
    exit 1
fi
cat "$work/server.out"
# One-time codes: the word before "user" on each code line ("NAME ROLE CODE user ID").
code_of() { awk -v who="$1" 'NF >= 4 && index($0, who) == 3 { print $(NF-2) }' "$work/server.out"; }
pcso_code="$(code_of "PCSO Sam Demo")"
sergeant_code="$(code_of "Sergeant Kim Demo")"

# ---- once: set up ----------------------------------------------------------------------------

say "Once: make the store key. On a phone it lives in the Keystore/Keychain; here, in a file" \
    "readable only by you. The key never goes on the command line."
run beatbook keygen --out "$work/officer.key"
export BEATBOOK_KEY_FILE="$work/officer.key"
show export BEATBOOK_KEY_FILE="$work/officer.key"

say "Once: enrol your new store with the server as PCSO Sam Demo (Northvale team). Enrolling" \
    "syncs at once: the team's records and the (fictional) area boundaries arrive."
run beatbook enrol --server "$url" --code "$pcso_code"
run beatbook areas list

# ---- the shift -------------------------------------------------------------------------------

say "Start of shift: anything promised to the public that is due?"
run beatbook followups

say "Every patrol has a purpose, set before it starts."
run beatbook patrol start --kind foot --lap LAP-NV \
    --purpose "Reassurance and prevention after garage burglaries off Elm Road"

say "Notes while out. They link to the open patrol and are tagged with their LSOA."
run beatbook note add "Side gate to the Elm Road garages forced again; padlock gone" \
    --category observation --lat 52.4450 --lon -1.5100
run beatbook note add "Street light out in the rear lane behind the garages" \
    --category environmental --lat 52.4452 --lon -1.5098

say "A door knock. The resident agrees to be called back, so contact details are taken," \
    "with consent. A promise makes a follow-up, due in 72 hours."
run_keep_id beatbook contact add --lat 52.4450 --lon -1.5100 --method door_knock \
    --audience resident --issue burglary --issue anti-social-behaviour \
    --raised "Worried about the garages; youths gathering in the lane at night" \
    --promised "Ask the council to repair the lane lighting and call back" \
    --consent --name "Ada Example" --phone "07700 900123"
first_contact="$last_id"

say "Next door, 20 metres away: flagged as a repeat location."
run beatbook contact add --lat 52.44518 --lon -1.5100 --method door_knock \
    --audience resident --people 2 --issue anti-social-behaviour \
    --raised "Same group in the lane, most Fridays"

say "The garages are a problem worth solving: open it (SARA: Scanning)."
run_keep_id beatbook problem open --title "Garage burglaries, Elm Road" --category burglary \
    --lsoa E01990002 --summary "Five break-ins since May, all through the rear lane gates"
problem="$last_id"

say "Analysis: the Problem Analysis Triangle, and what was found."
run beatbook problem analyse "$problem" \
    --location "Unlit rear lane with broken gates" \
    --victim "Garage tenants on Elm Road" \
    --manager "Northvale Council housing (owns the garages)" \
    --repeat den
run beatbook problem step "$problem" \
    "Break-ins cluster on Friday nights; the gates have been unlit since the light failed in April"

say "Ask the supervisor to move it on to Analysis (they approve from their own Beatbook)."
request_args=(problem request "$problem" --to analysis
    --reason "Pattern found; the council is the place manager")
show beatbook "${request_args[@]}"
requested="$(beatbook "${request_args[@]}")"
printf '%s\n' "$requested"
request="$(grep -oE 'request [0-9A-Z]{4}-[0-9A-Z]{4}' <<<"$requested" | cut -d' ' -f2)"
run beatbook problem show "$problem"

say "What is owed, and finding things again, offline."
run beatbook followups
run beatbook search "garages"

say "Ending the patrol needs its value assessment; without it, it is refused:"
run beatbook patrol end || echo "(refused as expected, exit code $?)"
run beatbook patrol end --purpose-met yes --rating 4 \
    --summary "Spoke to 3 residents; lighting fault reported; problem opened" \
    --observations "Quiet otherwise; no youths in the lane at 15:00"

say "The day so far."
run beatbook today

# ---- after the shift -------------------------------------------------------------------------

say "Calling the resident back: seeing their details is logged, with why."
run beatbook contact personal "$first_contact" \
    --justification "Calling back about the lane lighting as promised"

say "Export today's contacts (no personal details). Data leaving the device is a disclosure," \
    "logged with its justification."
today="$(date +%F)"
run beatbook export contacts --from "$today" --to "$today" \
    --justification "Northvale LAP weekly engagement report" --out "$work/contacts.csv"
run cat "$work/contacts.csv"

say "The audit log: every collection, change, look and disclosure, with who, when and why."
run beatbook audit

say "Back at base, with signal: send the shift to the server."
run beatbook sync
pcso_store="$BEATBOOK_STORE"
pcso_key="$BEATBOOK_KEY_FILE"

# ---- at base: the supervisor -----------------------------------------------------------------

say "The sergeant's own store and key, enrolled with the server; enrolling syncs at once."
export BEATBOOK_STORE="$work/sergeant.db"
run beatbook keygen --out "$work/sergeant.key"
export BEATBOOK_KEY_FILE="$work/sergeant.key"
show export BEATBOOK_STORE="$work/sergeant.db" BEATBOOK_KEY_FILE="$work/sergeant.key"
run beatbook enrol --server "$url" --code "$sergeant_code"

say "What the team recorded or changed this week that you have not reviewed, per member."
week_ago="$(date -d '-7 days' +%F 2>/dev/null || date -v-7d +%F)"
run beatbook review --since "$week_ago"
say "Been through it: mark it reviewed (a review record that syncs; logged as a consultation)."
run beatbook review --since "$week_ago" --mark

say "SARA stage moves waiting for you, each with the evidence recorded for its stage." \
    "PCSO Sam Demo's request from this shift (the Elm Road garages) is among them."
run beatbook approve
say "Approve Sam's request; the problem moves to Analysis when Sam next syncs."
run beatbook approve "$request"

say "Every open promise across the team, overdue first, and the share answered within 72 hours."
run beatbook followups --team

say "The performance framework figures for the team, from this device, offline."
run beatbook report

say "Send your reviews and decisions back to the server."
run beatbook sync

say "Back on Sam's device: the next sync brings the sergeant's decision."
export BEATBOOK_STORE="$pcso_store" BEATBOOK_KEY_FILE="$pcso_key"
show export BEATBOOK_STORE="$pcso_store" BEATBOOK_KEY_FILE="$pcso_key"
run beatbook sync
run beatbook problem show "$problem"

say "Done. Every command has --help; start with: beatbook --help"
