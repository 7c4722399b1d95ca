-- Beatbook store, schema version 5: covering indexes for reports (core/src/reports).
--
-- A report reads every contact and follow-up of its period. Through a plain time index each
-- row costs a random page read — and, in an encrypted store, a page decryption — of the table;
-- a year of a 40-person team is ~100,000 contacts. These indexes hold every column a report
-- reads, in time order, so a report reads them alone, sequentially, in about half the pages of
-- the tables (docs/performance.md, Reports).
--
-- contacts_occurred (occurred_at) is replaced, not joined: the covering index starts with the
-- same column, so everything that used it uses this one, and recording a contact still writes
-- one time index.
DROP INDEX contacts_occurred;
CREATE INDEX contacts_occurred_report ON contacts
    (occurred_at, lsoa_code, lap_code, method, audience, people_count, recorded_by, id);
CREATE INDEX follow_ups_created_report ON follow_ups
    (created_at, status, answered_at, due_at, owner, contact_id);
