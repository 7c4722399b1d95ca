-- Pulled records that could not be written to their table yet (version 4).
--
-- A record's fields can arrive before the fields that create it (a partial record, e.g. an edit
-- whose creation is in a later page or outside this device's scope), or be unreadable by this
-- build (a newer app's value). Its field values are kept in sync_fields either way; this table
-- says which records are held and why, so that sync status can report them instead of the
-- record silently not appearing. A row goes when the record is written or erased.
-- reason: 'incomplete' (required fields missing) or 'unreadable' (a field this build rejects).
CREATE TABLE sync_held (
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('incomplete', 'unreadable')),
    held_at TEXT NOT NULL,
    PRIMARY KEY (kind, record_id)
) STRICT, WITHOUT ROWID;
