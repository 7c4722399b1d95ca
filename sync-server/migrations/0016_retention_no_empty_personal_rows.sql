-- Version 16: the retention index keeps no row for personal details that are not there.
-- Writing a contact made a row for its personal details to carry the contact's anchor, whether
-- or not the contact had any: most contacts have none (one in ten in the contacts benchmark),
-- so two fifths of the index's rows were for nothing, written with every contact. A personal
-- record now takes its anchor from its contact's row when it is written
-- (`storage::retention_index`, `IndexWrite::Own`), and a contact's new time updates the row of
-- its personal details only where there is one.
--
-- Removed here: personal rows not held, with no decision to retain and no parent, whose
-- personal record the server does not store. A stored one (erased or redacted) keeps its row.
DELETE FROM retention_index
WHERE kind = 'contact_personal'
  AND held = 0
  AND retained_until_ms IS NULL
  AND parent_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM records r
                  WHERE r.kind = 'contact_personal' AND r.record_id = retention_index.record_id);
