-- The sync server's store, version 7: devices hand their own s.62 log to the server
-- (`POST /v1/sync/audit`). `audit_through` is the highest entry of the device's log the server's
-- chain holds; a device's log is numbered from 1 without gaps, so one number says what is held.
ALTER TABLE devices ADD COLUMN audit_through INTEGER NOT NULL DEFAULT 0;
