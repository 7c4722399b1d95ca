-- Beatbook store, schema version 8: sync state without duplicated values.
-- See docs/data-model.md ("Sync state", schema version 8). Once shipped, this file never changes.
--
-- Until now every synced field was stored twice: in its record's table and in `sync_fields`
-- with its value as JSON and its clock as text (~2 KB a note). From here a record's sync state
-- is one row: the clock of each of its fields in a compact binary form (see
-- core/src/sync/record_clocks.rs); the values live once, in the record's own table.
--
-- `beatbook_record_clocks(field, hlc)` is an aggregate the store registers before migrating:
-- it encodes one record's field clocks.
CREATE TABLE sync_records (
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    clocks BLOB NOT NULL,
    PRIMARY KEY (kind, record_id)
) STRICT, WITHOUT ROWID;

INSERT INTO sync_records (kind, record_id, clocks)
SELECT kind, record_id, beatbook_record_clocks(field, hlc)
FROM sync_fields
GROUP BY kind, record_id;

-- A held record is not in its table (or not as merged), so it keeps its values here.
ALTER TABLE sync_held ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
UPDATE sync_held SET fields = (
    SELECT json_group_object(f.field, json(f.value))
    FROM sync_fields f
    WHERE f.kind = sync_held.kind AND f.record_id = sync_held.record_id
);

-- The newest stamp the server has vouched for (pulled, or one of this device's ops it
-- accepted): re-stamping after a clock refusal never goes below it. Until now it was found by
-- searching every field's clock; the stamps of ops still queued are not vouched for.
ALTER TABLE sync_state ADD COLUMN seen_hlc TEXT;
UPDATE sync_state SET seen_hlc = (
    SELECT max(hlc) FROM sync_fields
    WHERE hlc NOT IN (SELECT json_extract(op, '$.hlc') FROM outbox WHERE json_valid(op))
);

DROP TABLE sync_fields;
