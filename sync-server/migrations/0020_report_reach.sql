-- Version 20: each record's report reach, and an index of a team's records by it.
--
-- Why: a report of a period read every live record of the store (a scan of `records`, every
-- team's) and kept those its period needs: a week's report over a 100k-contact store took a
-- second, over ten times that twenty, and every supervisor's page paid it again. A record's
-- `report_until_day` is the day (since 1970-01-01) of the latest start of a period whose report
-- reads it (`beatbook_core::reports::report_until_day`: a contact's time, the end of a patrol,
-- the later of a closed follow-up's making and answer; `ALWAYS_READ`, a day no time reaches, for
-- what every report reads — problems, reference records, an open follow-up or a patrol not
-- ended — and NULL for kinds no report reads and erased records). A report of a period
-- starting at `from` reads one range of `records_team_report` (its team's records, and the
-- force-wide ones, from `from`'s day on). Days, not times: two bytes in each row and index
-- entry, not six.
-- Written with the record by `storage::sqlite::records`.
ALTER TABLE records ADD COLUMN report_until_day INTEGER;
-- Made before the column is filled, so that each row enters the index as it is written rather
-- than in one sort of the whole table at the end.
CREATE INDEX records_team_report ON records (team_id, report_until_day)
    WHERE report_until_day IS NOT NULL;
-- Filled a batch of rows per statement by the Rust step
-- (`storage::sqlite::upgrades::report_reach`).
-- @step
