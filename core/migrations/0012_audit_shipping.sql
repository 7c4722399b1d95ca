-- Beatbook store, schema version 12: the device's s.62 log reaches the server. The highest
-- audit_log seq the server has acknowledged holding (docs/sync-protocol.md, "The device's
-- log"); entries above it are sent on the next sync and kept until acknowledged.
-- Once shipped, this file never changes.
ALTER TABLE sync_state ADD COLUMN audit_acknowledged_through INTEGER NOT NULL DEFAULT 0;
