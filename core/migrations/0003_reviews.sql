-- Beatbook store, schema version 3: supervisors' reviews of their team's work.
-- See docs/supervisors.md. Once shipped, this file never changes.

-- A supervisor's mark that they reviewed some of one member's records (append-only; synced
-- as kind `review`).
CREATE TABLE reviews (
    id TEXT PRIMARY KEY,
    reviewer TEXT NOT NULL,
    member TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    items TEXT NOT NULL -- JSON array of {kind, id, version}
) STRICT;

CREATE TRIGGER reviews_append_only BEFORE UPDATE ON reviews
BEGIN
    SELECT RAISE(ABORT, 'reviews are append-only');
END;

-- The items of every review, one row each, so that the review queue is an anti-join.
-- `version` is the record's updated_at (a step's recorded_at) in stored time form.
CREATE TABLE reviewed_items (
    reviewer TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    version TEXT NOT NULL,
    review_id TEXT NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
    PRIMARY KEY (reviewer, record_kind, record_id, version)
) STRICT, WITHOUT ROWID;
CREATE INDEX reviewed_items_review ON reviewed_items (review_id);
