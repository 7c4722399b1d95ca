-- The sync server's store, version 4: a record's values and clocks apart, the clocks compact,
-- in a table whose rows fit their pages.
--
-- `fields` held every field as {"value": …, "hlc": "<62-character clock>"}: about 4 KB a
-- contact on disk, most of it clock text repeated per field. Now `field_values` is the plain
-- JSON object of the record's values ({name: value}) and `clocks` the field clocks in the
-- compact form devices store (core/src/sync/record_clocks.rs: each distinct clock once, field
-- names by number).
--
-- The table is also no longer WITHOUT ROWID: such a table keeps at most ~1 KB of a row on its
-- B-tree page and the rest on an overflow page of its own, so a 1.1 KB contact took two 4 KB
-- pages. A rowid table keeps rows up to ~4 KB in place; (kind, record_id) stays unique.
--
-- Existing rows are copied across by the Rust step `compact_records::convert`, run in this
-- migration's transaction, which then replaces `records` with `records_compact`.
CREATE TABLE records_compact (
    kind          TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    team_id       TEXT,
    owner_user_id TEXT,
    subject_kind  TEXT,
    subject_id    TEXT,
    field_values  TEXT NOT NULL,
    clocks        BLOB NOT NULL,
    erased        INTEGER NOT NULL DEFAULT 0,
    seq           INTEGER NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    echo_device   TEXT,
    UNIQUE (kind, record_id)
);
