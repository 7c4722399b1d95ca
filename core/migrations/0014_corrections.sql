-- Beatbook store, schema version 14: corrections with an audit trail (issue 13 item 5).
--
-- A contact, a patrol or a follow-up corrected after it was recorded keeps the reason for its
-- latest correction (`correction_reason`, synced like any field, so every device and the
-- server know why the values changed). A patrol started by mistake is cancelled, not deleted:
-- `cancelled_at` says when, and a cancelled patrol counts in no report and is nobody's open
-- patrol. Notes stay append-only: a correction is a new note naming the one it `amends`
-- (with its reason), and lists show the newest of the chain; the index finds a note's
-- amendment without a scan. The report index gains `cancelled_at` so a report still reads
-- patrols from the index alone. Once shipped, this file never changes.
ALTER TABLE contacts ADD COLUMN correction_reason TEXT;
ALTER TABLE patrols ADD COLUMN correction_reason TEXT;
ALTER TABLE patrols ADD COLUMN cancelled_at TEXT;
ALTER TABLE follow_ups ADD COLUMN correction_reason TEXT;
ALTER TABLE notes ADD COLUMN amends TEXT;
ALTER TABLE notes ADD COLUMN correction_reason TEXT;
CREATE INDEX notes_amends ON notes (amends) WHERE amends IS NOT NULL;
DROP INDEX patrols_started_report;
CREATE INDEX patrols_started_report ON patrols
    (started_at, ended_at, kind, area_kind, area_id, recorded_by, id,
     json_extract(assessment, '$.purpose_met'), json_extract(assessment, '$.value_rating'),
     cancelled_at);
