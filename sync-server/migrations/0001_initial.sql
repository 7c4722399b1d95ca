-- The sync server's store, version 1. Applied once, in order, by `storage::sqlite::migrations`;
-- a released migration is never edited (add a new file instead).
--
-- Times are Unix milliseconds (UTC). Ids are UUID text. Secrets (device tokens, enrolment
-- codes) are stored only as their SHA-256.

-- Facts about this server: its HLC node id (for reference data written by administrators).
CREATE TABLE server_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Local Area Partnerships.
CREATE TABLE laps (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    lap_code   TEXT REFERENCES laps (code),
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id           TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('officer', 'pcso', 'cip_volunteer', 'supervisor')),
    team_id      TEXT REFERENCES teams (id),
    created_at   INTEGER NOT NULL
);

-- One-time enrolment codes: only the hash is kept; used_at is set when a device enrols.
CREATE TABLE enrolment_codes (
    code_hash  BLOB PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    device_id  TEXT
) WITHOUT ROWID;

CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    token_hash   BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER,
    revoked_at   INTEGER
);

-- Every op id ever applied, so that a repeat is answered `duplicate` and has no effect.
-- `seq` is the feed position the op's record change got (NULL when the op changed nothing).
CREATE TABLE applied_ops (
    op_id       TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL,
    seq         INTEGER,
    received_at INTEGER NOT NULL
) WITHOUT ROWID;

-- The current state of every synced record: fields are a JSON object {name: {value, hlc}}.
-- `seq` is the feed position of the record's latest change (unique: one counter).
-- team_id: the creating author's team (NULL for force-wide reference data);
-- owner_user_id: the creating author (NULL for records the server makes);
-- subject_kind/subject_id: for a conflict, the record it is about.
CREATE TABLE records (
    kind          TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    team_id       TEXT,
    owner_user_id TEXT,
    subject_kind  TEXT,
    subject_id    TEXT,
    fields        TEXT NOT NULL,
    erased        INTEGER NOT NULL DEFAULT 0,
    seq           INTEGER NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (kind, record_id)
) WITHOUT ROWID;

CREATE INDEX records_team_seq ON records (team_id, seq);
CREATE INDEX records_subject ON records (subject_kind, subject_id) WHERE subject_kind IS NOT NULL;

-- Who a record is specifically about, for scopes narrower than a team (a volunteer receives
-- patrols they recorded or took part in, and their own notes).
CREATE TABLE record_members (
    kind      TEXT NOT NULL,
    record_id TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    PRIMARY KEY (kind, record_id, user_id)
) WITHOUT ROWID;

CREATE INDEX record_members_user ON record_members (user_id, kind, record_id);

-- The change feed's counter: the last seq handed out.
CREATE TABLE feed (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL
);
INSERT INTO feed (id, last_seq) VALUES (1, 0);
