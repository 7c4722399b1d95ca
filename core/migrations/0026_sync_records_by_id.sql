-- Store version 26: a record's sync state keyed by its id first, then its kind, its clocks in
-- version 2 of their form.
--
-- Why: keyed (kind, record_id), the clocks of a new contact, its follow-up and its personal
-- details went to three places in the middle of the B-tree (the right ends of three kinds'
-- ranges), each a leaf of its own and, every few records, a split that rewrites its
-- neighbours: 2.75 of the ~27 pages a contact's commit writes (docs/performance.md §1). Record
-- ids are UUID v7, ordered by the time they were made, so keyed by id first a commit's rows
-- go together at the right end of the tree, where SQLite appends a full page instead of
-- splitting one in half. Every lookup names both columns, so each is still one search.
--
-- The clocks move to version 2 of their form (core/src/sync/record_clocks/v2.rs: the fields as
-- one bitmap, a clock index per field only when a record has more than one clock; ~30 bytes
-- less for a contact). `beatbook_clocks_v2(clocks)` is a function the store registers before
-- migrating; a build before this version cannot read the new form, and refuses the store by
-- its version before it would try.
CREATE TABLE sync_records_by_id (
    record_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    clocks BLOB NOT NULL,
    PRIMARY KEY (record_id, kind)
) STRICT, WITHOUT ROWID;
INSERT INTO sync_records_by_id (record_id, kind, clocks)
    SELECT record_id, kind, beatbook_clocks_v2(clocks) FROM sync_records ORDER BY record_id, kind;
DROP TABLE sync_records;
ALTER TABLE sync_records_by_id RENAME TO sync_records;
UPDATE sync_replay SET clocks = beatbook_clocks_v2(clocks);
