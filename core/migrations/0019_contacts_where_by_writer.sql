-- Store version 19: a contact's box on the spatial index (`contacts_where`, version 7) is
-- written by the contacts' one writer (store/contacts.rs, `place_contact`) and removed where a
-- contact row is deleted, no longer by triggers.
--
-- Why: SQLite runs any statement that fires a trigger inside a statement savepoint. Within a
-- pulled page's transaction that copied every page the contact's row touched to the statement
-- journal, and made FTS5 write out the search terms pending in memory as a segment of their
-- own — per contact (docs/performance.md §7). The index's rows are unchanged.
DROP TRIGGER contacts_where_insert;
DROP TRIGGER contacts_where_update;
DROP TRIGGER contacts_where_delete;
