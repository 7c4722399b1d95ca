-- The sync server's store, version 9: the retention index (`storage::retention_index`). One row
-- per record the retention schedule governs (contact, contact_personal, note, patrol, problem):
-- its anchor (the stated time its period runs from), the newest decision to retain it, and
-- whether the server still holds it (not erased; personal details not redacted); and one row
-- per child of a governed record (follow_up, problem_step, stage_request) naming its parent.
-- Kept in the transaction that writes the record. Filled from the stored records by the Rust
-- step of this migration.
CREATE TABLE retention_index (
    kind              TEXT NOT NULL,
    record_id         TEXT NOT NULL,
    team_id           TEXT,
    held              INTEGER NOT NULL,
    anchor_ms         INTEGER,
    retained_until_ms INTEGER,
    parent_kind       TEXT,
    parent_id         TEXT,
    PRIMARY KEY (kind, record_id)
) WITHOUT ROWID;
-- What is expired (or due) never retained: a range of anchors per kind.
CREATE INDEX retention_by_anchor ON retention_index (kind, anchor_ms)
    WHERE held = 1 AND retained_until_ms IS NULL;
-- What is expired (or due) after a decision to retain: a range of dates per kind.
CREATE INDEX retention_by_until ON retention_index (kind, retained_until_ms)
    WHERE held = 1;
-- A governed record's children, for disposal with it.
CREATE INDEX retention_by_parent ON retention_index (parent_kind, parent_id)
    WHERE parent_id IS NOT NULL;
