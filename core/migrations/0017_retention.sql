-- Beatbook store, schema version 17: retention, review and disposal (MoPI, issue 12 item 4).
-- Once shipped, this file never changes.
--
-- The device keeps its copy of the force's retention schedule (the reference record
-- `retention_schedule`, one row) and of the supervisors' decisions to retain a record until a
-- new review date (the synced record `retention_review`, one row per reviewed record, its id
-- "kind:record_id"). With them it applies the schedule offline: what is past its date is
-- dropped from this device (core/src/store/retention).
--
-- Finding what is due or expired is an index range per kind, never a scan of the store: each
-- kind's anchor (the stated time its period runs from) has an index, and the decisions are
-- indexed by kind and date. A contact's personal details are found through a partial index on
-- the contacts that still hold some: `personal_held` says whether a `contact_personal` row
-- exists (kept by the two triggers below), so contacts whose details are gone (never given,
-- redacted, dropped) leave the index.
CREATE TABLE retention_schedule (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    review_after_days TEXT NOT NULL, -- JSON object: retained kind -> days
    notice_days INTEGER NOT NULL CHECK (notice_days >= 0)
) STRICT;
CREATE TABLE retention_reviews (
    id TEXT PRIMARY KEY, -- "kind:record_id" (RetentionReview::record_id_for)
    record_kind TEXT NOT NULL
        CHECK (record_kind IN ('contact_personal', 'contact', 'note', 'patrol', 'problem')),
    record_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    review_on TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL
) STRICT;
CREATE INDEX retention_reviews_due ON retention_reviews (record_kind, review_on);

ALTER TABLE contacts ADD COLUMN personal_held INTEGER NOT NULL DEFAULT 0
    CHECK (personal_held IN (0, 1));
UPDATE contacts SET personal_held = 1
WHERE id IN (SELECT contact_id FROM contact_personal);
CREATE TRIGGER contact_personal_held_insert AFTER INSERT ON contact_personal BEGIN
    UPDATE contacts SET personal_held = 1 WHERE id = new.contact_id AND personal_held = 0;
END;
CREATE TRIGGER contact_personal_held_delete AFTER DELETE ON contact_personal BEGIN
    UPDATE contacts SET personal_held = 0 WHERE id = old.contact_id AND personal_held = 1;
END;

CREATE INDEX contacts_personal_anchor ON contacts (occurred_at)
    WHERE personal_held = 1 OR ethnicity IS NOT NULL;
CREATE INDEX notes_created ON notes (created_at);
CREATE INDEX patrols_retention_anchor ON patrols (coalesce(ended_at, started_at));
CREATE INDEX problems_closed ON problems (stage, stage_changed_at);
