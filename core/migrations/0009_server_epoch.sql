-- Beatbook store, schema version 9: the server's epoch, and re-syncing after the server was
-- restored from a backup (docs/sync-protocol.md, "Server epochs"). Once shipped, this file
-- never changes.

-- The epoch of the server store this device last synced with (a UUID), and whether it is
-- re-syncing with a restored server: pulling everything again from 0, then re-sending its
-- own changes the restored server lacks.
ALTER TABLE sync_state ADD COLUMN server_epoch TEXT;
ALTER TABLE sync_state ADD COLUMN replaying INTEGER NOT NULL DEFAULT 0 CHECK (replaying IN (0, 1));

-- While re-syncing: each pulled record's field clocks as the restored server holds them
-- (`RecordClocks` encoding), and whether the server has it erased. Emptied when the re-sync ends.
CREATE TABLE sync_replay (
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    clocks BLOB NOT NULL,
    erased INTEGER NOT NULL CHECK (erased IN (0, 1)),
    PRIMARY KEY (kind, record_id)
) STRICT, WITHOUT ROWID;
