-- Beatbook store, schema version 15: a volunteer's promise is a referral to the team.
-- Once shipped, this file never changes.
--
-- A volunteer does not keep promises to the public themselves: their promise is recorded with
-- no owner, naming them in `referred_by`, for a supervisor to give to someone from the team's
-- follow-up board. `owner` becomes nullable, which SQLite can only do by rebuilding the table
-- (nothing references `follow_ups`, and it has no triggers). The report's covering index gains
-- `referred_by`: a referral not yet given counts for the volunteer who made it.
CREATE TABLE follow_ups_new (
    id TEXT PRIMARY KEY,
    contact_id TEXT REFERENCES contacts(id) ON DELETE SET NULL,
    promise TEXT NOT NULL,
    owner TEXT,
    created_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'answered', 'cancelled')),
    answered_at TEXT,
    outcome TEXT,
    correction_reason TEXT,
    referred_by TEXT,
    CHECK (owner IS NOT NULL OR referred_by IS NOT NULL)
) STRICT;
INSERT INTO follow_ups_new (id, contact_id, promise, owner, created_at, due_at, status,
        answered_at, outcome, correction_reason)
    SELECT id, contact_id, promise, owner, created_at, due_at, status, answered_at, outcome,
        correction_reason
    FROM follow_ups;
DROP TABLE follow_ups;
ALTER TABLE follow_ups_new RENAME TO follow_ups;
CREATE INDEX follow_ups_owner ON follow_ups (owner, status, due_at);
CREATE INDEX follow_ups_created_report ON follow_ups
    (created_at, status, answered_at, due_at, owner, contact_id, referred_by);
CREATE INDEX follow_ups_contact ON follow_ups (contact_id);
CREATE INDEX follow_ups_referred_by ON follow_ups (referred_by) WHERE referred_by IS NOT NULL;
