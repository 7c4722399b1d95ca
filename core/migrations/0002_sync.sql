-- Beatbook store, schema version 2: device-side sync state.
-- See docs/sync-protocol.md. Once shipped, this file never changes.

-- The device's enrolment: which server, and its secret (the store itself is encrypted).
ALTER TABLE device_profile ADD COLUMN server_url TEXT;
ALTER TABLE device_profile ADD COLUMN token TEXT;

-- Every synced field's current value and hybrid-clock stamp: the merge's view of a record.
CREATE TABLE sync_fields (
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL, -- JSON
    hlc TEXT NOT NULL,
    PRIMARY KEY (kind, record_id, field)
) STRICT, WITHOUT ROWID;

-- Changes recorded here and not yet answered by the server, oldest first. (No AUTOINCREMENT
-- and no index on the record: each costs an extra page write on every recorded change, and
-- the outbox is small and rarely searched by record.)
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    op_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    op TEXT NOT NULL -- JSON
) STRICT;

-- Ops the server refused, kept so that nothing is dropped silently.
CREATE TABLE sync_rejections (
    op_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    rejected_at TEXT NOT NULL
) STRICT;

-- Records erased elsewhere (tombstones from the server): later copies are ignored.
CREATE TABLE sync_erased (
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (kind, record_id)
) STRICT, WITHOUT ROWID;

-- The conflict log, as received from the server.
CREATE TABLE conflicts (
    id TEXT PRIMARY KEY,
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field TEXT NOT NULL,
    body TEXT NOT NULL, -- JSON: the Conflict record
    resolved INTEGER NOT NULL CHECK (resolved IN (0, 1)),
    detected_at TEXT NOT NULL
) STRICT;
CREATE INDEX conflicts_open ON conflicts (resolved, detected_at);

-- One row: where sync is.
CREATE TABLE sync_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    cursor INTEGER NOT NULL,
    last_hlc TEXT,
    clock_offset_ms INTEGER NOT NULL,
    last_attempt_at TEXT,
    last_success_at TEXT,
    last_error TEXT
) STRICT;
INSERT INTO sync_state (id, cursor, clock_offset_ms) VALUES (1, 0, 0);
