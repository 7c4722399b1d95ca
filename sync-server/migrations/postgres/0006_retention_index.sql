-- Version 6: the retention index (the SQLite store's 0009 says why). Filled from the stored
-- records by the Rust step of this migration.
CREATE TABLE retention_index (
    kind              TEXT NOT NULL,
    record_id         TEXT NOT NULL,
    team_id           TEXT,
    held              BOOLEAN NOT NULL,
    anchor_ms         BIGINT,
    retained_until_ms BIGINT,
    parent_kind       TEXT,
    parent_id         TEXT,
    PRIMARY KEY (kind, record_id)
);
CREATE INDEX retention_by_anchor ON retention_index (kind, anchor_ms)
    WHERE held AND retained_until_ms IS NULL;
CREATE INDEX retention_by_until ON retention_index (kind, retained_until_ms)
    WHERE held;
CREATE INDEX retention_by_parent ON retention_index (parent_kind, parent_id)
    WHERE parent_id IS NOT NULL;
