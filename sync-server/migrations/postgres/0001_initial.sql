-- The sync server's store on PostgreSQL, version 1. Applied once, in order, by
-- `storage::postgres::migrations` (tracked in `schema_migrations`); a released migration is
-- never edited (add a new file instead).
--
-- The same tables as the embedded SQLite store at its version 4 (sync-server/migrations/), in
-- PostgreSQL's types: times are Unix milliseconds (BIGINT, UTC), ids UUID text, secrets
-- (device tokens, enrolment codes) only their SHA-256 (BYTEA). Records are kept in the same
-- compact form (`field_values` JSON text, `clocks` compact bytes: storage/compact.rs), so the
-- two backends hold byte-identical records.

-- Facts about this server: its HLC node id (shared by every instance on this database).
CREATE TABLE server_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Local Area Partnerships.
CREATE TABLE laps (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    lap_code   TEXT REFERENCES laps (code),
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id           TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('officer', 'pcso', 'cip_volunteer', 'supervisor')),
    team_id      TEXT REFERENCES teams (id),
    created_at   BIGINT NOT NULL
);

-- A push checks who may be named in a team's records: the team's users.
CREATE INDEX users_team ON users (team_id);

-- One-time enrolment codes: only the hash is kept; used_at is set when a device enrols.
CREATE TABLE enrolment_codes (
    code_hash  BYTEA PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    device_id  TEXT
);

CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    token_hash   BYTEA NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT,
    revoked_at   BIGINT
);

-- Every op id ever applied, so that a repeat is answered `duplicate` and has no effect.
-- `seq` is the feed position the op's record change got (NULL when the op changed nothing).
CREATE TABLE applied_ops (
    op_id       UUID PRIMARY KEY,
    device_id   TEXT NOT NULL,
    seq         BIGINT,
    received_at BIGINT NOT NULL
);

-- The current state of every synced record (see the SQLite store's 0001 and 0004 for the
-- columns). `seq` is the feed position of the record's latest change (unique: one counter).
-- `echo_device`: see docs/sync-protocol.md#no-echo.
CREATE TABLE records (
    kind          TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    team_id       TEXT,
    owner_user_id TEXT,
    subject_kind  TEXT,
    subject_id    TEXT,
    field_values  TEXT NOT NULL,
    clocks        BYTEA NOT NULL,
    erased        BOOLEAN NOT NULL DEFAULT FALSE,
    seq           BIGINT NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    echo_device   TEXT,
    PRIMARY KEY (kind, record_id)
);

-- A feed page walks each arm (force-wide records, a team's records) in seq order along this.
CREATE INDEX records_team_seq ON records (team_id, seq);
CREATE INDEX records_subject ON records (subject_kind, subject_id) WHERE subject_kind IS NOT NULL;

-- Who a record is specifically about, for scopes narrower than a team.
CREATE TABLE record_members (
    kind      TEXT NOT NULL,
    record_id TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    PRIMARY KEY (kind, record_id, user_id)
);

CREATE INDEX record_members_user ON record_members (user_id, kind, record_id);

-- The change feed's counter and write lock: every batch of changes starts with
-- `SELECT … FOR UPDATE` on this row, takes its seqs under that lock, and commits before the
-- next batch may read (storage/mod.rs, "Contract").
CREATE TABLE feed (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL
);
INSERT INTO feed (id, last_seq) VALUES (1, 0);

-- The server's own audit log (DPA 2018 s.62): append-only.
CREATE TABLE audit_log (
    seq       BIGSERIAL PRIMARY KEY,
    at_ms     BIGINT NOT NULL,
    user_id   TEXT,
    role      TEXT NOT NULL,
    device_id TEXT,
    action    TEXT NOT NULL CHECK (action IN
        ('collection', 'alteration', 'consultation', 'disclosure', 'combination', 'erasure')),
    subject   TEXT NOT NULL,
    detail    TEXT
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
