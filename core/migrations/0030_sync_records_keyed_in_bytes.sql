-- Store version 30: the sync state's key in bytes — a record's id packed as the s.62 log packs
-- it, its kind as a number.
--
-- Why: `sync_records` has a row for every record the device has synced, and half of each row
-- was its key: the id's 36 characters and the kind's name (up to 20), again in the interior
-- pages. At 100k contacts that key was about 4 MB of a new device's 105 MB store
-- (docs/performance.md §7 "Sync state keyed in bytes"). Now:
-- - `record_id` is a UUID's 16 bytes when the id is a UUID in its canonical text, any other id
--   as the text it was written with (the rule of `logged_record_id`, shared with both s.62
--   logs); UUID v7 bytes sort as their text does, so a commit's rows still go together at the
--   B-tree's right end (version 26's reason for keying by id first);
-- - `kind` is the kind's number (`store/device_sync/record_key.rs`, frozen there).
--
-- `beatbook_logged_record_id(text)` (migration 0027's, `logged_record_id.rs`) and
-- `beatbook_sync_kind(text)` are functions the store registers (`record_key::register`); a
-- name no kind has gives NULL, which the table refuses, so an unreadable store fails its
-- upgrade and stays as it was.
CREATE TABLE sync_records_keyed (
    record_id ANY NOT NULL CHECK (typeof(record_id) = 'text'
        OR (typeof(record_id) = 'blob' AND length(record_id) = 16)),
    kind INTEGER NOT NULL,
    clocks BLOB NOT NULL,
    PRIMARY KEY (record_id, kind)
) STRICT, WITHOUT ROWID;
-- The rows move one statement each, in key order, and the old table is dropped without zeroing
-- its pages (every row is in the new one): a single INSERT ... SELECT and DROP held memory in
-- proportion to the store (`sql_batches`).
-- @step: store::upgrades::sync_records_keyed
ALTER TABLE sync_records_keyed RENAME TO sync_records;
