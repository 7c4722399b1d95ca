-- Store version 26: a record's sync state keyed by its id first, then its kind.
--
-- Why: keyed (kind, record_id), the clocks of a new contact, its follow-up and its personal
-- details went to three places in the middle of the B-tree (the right ends of three kinds'
-- ranges), each a leaf of its own and, every few records, a split that rewrites its
-- neighbours: 2.75 of the ~27 pages a contact's commit writes (docs/performance.md §1). Record
-- ids are UUID v7, ordered by the time they were made, so keyed by id first a commit's rows
-- go together at the right end of the tree, where SQLite appends a full page instead of
-- splitting one in half. Every lookup names both columns, so each is still one search.
CREATE TABLE sync_records_by_id (
    record_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    clocks BLOB NOT NULL,
    PRIMARY KEY (record_id, kind)
) STRICT, WITHOUT ROWID;
INSERT INTO sync_records_by_id (record_id, kind, clocks)
    SELECT record_id, kind, clocks FROM sync_records ORDER BY record_id, kind;
DROP TABLE sync_records;
ALTER TABLE sync_records_by_id RENAME TO sync_records;
