-- PostgreSQL version 9 (the embedded store's version 20): each record's report reach, and an
-- index of a team's records by it.
-- A report of a period read every live record of a team and kept those its period needs. A
-- record's `report_until_day` is the day (since 1970-01-01) of the latest start of a period whose
-- report reads it (`beatbook_core::reports::report_until_day`; `ALWAYS_READ` for what every
-- report reads, NULL for kinds no report reads and erased records), so a report of a period
-- starting at `from` reads one range of `records_team_report`. Written with the record by
-- `storage::postgres::records`; filled here, a batch of rows at a time, by the Rust step
-- (`storage::postgres::reports::fill_report_reach`).
ALTER TABLE records ADD COLUMN report_until_day BIGINT;
CREATE INDEX records_team_report ON records (team_id, report_until_day)
    WHERE report_until_day IS NOT NULL;
