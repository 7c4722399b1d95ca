-- Version 19: a record row's team, owner and echo device, and a retention index row's team,
-- as their 16 bytes.
--
-- Why: `records` keeps a row for every record the force holds, and each named its team, its
-- owner and the device its latest change is not sent back to (`storage::echo`) as 36
-- characters of UUID text, the team again in `records_team_seq`, the index every pull walks:
-- 140 of a contact row's ~500 bytes, the same few ids on every row; the retention index names
-- each governed record's team too. They are now kept as the s.62 logs keep record ids
-- (`beatbook_logged_record_id`: a UUID in its canonical text as its 16 bytes, anything else as
-- written), written so by `storage::sqlite::records` and `::retention`, and read back as the
-- same ids (a typed id reads either form). The record's own id stays text: the retention
-- index, the members table and the log join on it.
--
-- Measured at 100k contacts: docs/performance.md §7 "The server's log by event and number,
-- record rows' ids in bytes".
UPDATE records
SET team_id = beatbook_logged_record_id(team_id),
    owner_user_id = beatbook_logged_record_id(owner_user_id),
    echo_device = beatbook_logged_record_id(echo_device)
WHERE typeof(team_id) = 'text' OR typeof(owner_user_id) = 'text'
   OR typeof(echo_device) = 'text';
UPDATE retention_index SET team_id = beatbook_logged_record_id(team_id)
WHERE typeof(team_id) = 'text';
