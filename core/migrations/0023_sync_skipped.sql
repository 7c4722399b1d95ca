-- Store version 23: pulled records of kinds this build does not know, remembered.
--
-- A newer server may send a kind that did not exist when this app was built. The client sets
-- such a change aside and applies the rest of its page (sync/unknown_kinds.rs): refusing the
-- page would stop the device pulling for good. Each set-aside record is kept here — its kind's
-- name, its id and its place in the feed, never its values — so that sync status counts them
-- and a later build that knows the kind pulls again from the first of them.
CREATE TABLE sync_skipped (
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (kind, record_id)
) STRICT, WITHOUT ROWID;
