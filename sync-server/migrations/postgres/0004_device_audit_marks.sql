-- Version 4: devices hand their own s.62 log to the server (the SQLite store's 0007 says why).
ALTER TABLE devices ADD COLUMN audit_through BIGINT NOT NULL DEFAULT 0;
