-- Version 19: the ids in record rows, their members and the retention index as their 16 bytes.
--
-- Why: `records` keeps a row for every record the force holds, and each named itself, its team,
-- its owner and the device its latest change is not sent back to (`storage::echo`) as 36
-- characters of UUID text — again in its key (`kind, record_id`) and in `records_team_seq`,
-- the index every pull walks: about 180 of a contact row's ~500 bytes. The retention index
-- names each governed record, its team and its parent the same way, in its key and in each of
-- its three indexes. They are now kept as the s.62 logs keep record ids
-- (`beatbook_logged_record_id`: a UUID in its canonical text as its 16 bytes, anything else as
-- written), in every table that names a record, so the feed's and the retention index's joins
-- still compare like with like; written so by `storage::sqlite::records` and `::retention`, and
-- read back as the same text (a typed id reads either form).
--
-- Measured at 100k contacts: docs/performance.md §7 "The server's log by event and number,
-- record rows' ids in bytes".
UPDATE records
SET record_id = CASE WHEN typeof(record_id) = 'text'
                     THEN beatbook_logged_record_id(record_id) ELSE record_id END,
    subject_id = CASE WHEN typeof(subject_id) = 'text'
                      THEN beatbook_logged_record_id(subject_id) ELSE subject_id END,
    team_id = CASE WHEN typeof(team_id) = 'text'
                   THEN beatbook_logged_record_id(team_id) ELSE team_id END,
    owner_user_id = CASE WHEN typeof(owner_user_id) = 'text'
                         THEN beatbook_logged_record_id(owner_user_id) ELSE owner_user_id END,
    echo_device = CASE WHEN typeof(echo_device) = 'text'
                       THEN beatbook_logged_record_id(echo_device) ELSE echo_device END;
UPDATE record_members SET record_id = beatbook_logged_record_id(record_id)
WHERE typeof(record_id) = 'text';
UPDATE retention_index
SET record_id = CASE WHEN typeof(record_id) = 'text'
                     THEN beatbook_logged_record_id(record_id) ELSE record_id END,
    parent_id = CASE WHEN typeof(parent_id) = 'text'
                     THEN beatbook_logged_record_id(parent_id) ELSE parent_id END,
    team_id = CASE WHEN typeof(team_id) = 'text'
                   THEN beatbook_logged_record_id(team_id) ELSE team_id END;
