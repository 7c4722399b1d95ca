-- Beatbook store, schema version 7: a spatial index for the repeat-location check.
-- Once shipped, this file never changes.
--
-- Recording a contact looks for earlier contacts within 100 m in the 28 days before it. Before
-- this version that read a latitude band (`contacts_lat`): at 100k contacts over one district,
-- thousands of rows per record, so recording slowed as the store grew (11x at 100k). An R*Tree
-- over (latitude, longitude, day) finds the few candidates in a box bounded in place and time;
-- the exact distance and time are then checked on the contact row.
--
-- The tree stores 32-bit floats rounded outward, so a box never misses a contact (about 1 m in
-- place and 3 minutes in time of slack, removed by the exact check). `day` is days since
-- 1970-01-01 UTC. Triggers keep the tree in step with every writer of `contacts` (a local
-- record, a pulled one, an erasure), so no write path can forget it.
CREATE VIRTUAL TABLE contacts_where USING rtree(
    id,
    min_lat, max_lat,
    min_lon, max_lon,
    min_day, max_day
);
INSERT INTO contacts_where (id, min_lat, max_lat, min_lon, max_lon, min_day, max_day)
    SELECT rowid, lat, lat, lon, lon,
           julianday(occurred_at) - 2440587.5, julianday(occurred_at) - 2440587.5
    FROM contacts;
CREATE TRIGGER contacts_where_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_where (id, min_lat, max_lat, min_lon, max_lon, min_day, max_day)
    VALUES (new.rowid, new.lat, new.lat, new.lon, new.lon,
            julianday(new.occurred_at) - 2440587.5, julianday(new.occurred_at) - 2440587.5);
END;
CREATE TRIGGER contacts_where_update AFTER UPDATE OF lat, lon, occurred_at ON contacts BEGIN
    UPDATE contacts_where SET min_lat = new.lat, max_lat = new.lat,
        min_lon = new.lon, max_lon = new.lon,
        min_day = julianday(new.occurred_at) - 2440587.5,
        max_day = julianday(new.occurred_at) - 2440587.5
    WHERE id = new.rowid;
END;
CREATE TRIGGER contacts_where_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contacts_where WHERE id = old.rowid;
END;
-- The latitude band is no longer read.
DROP INDEX contacts_lat;

-- `follow_ups.contact_id` references contacts, so every insert or upsert of a contact (and every
-- erasure, which sets it to NULL) looked for follow-ups pointing at it: without an index on the
-- child key that read every follow-up (found by the write path's query-plan test,
-- src/store/query_plans.rs).
CREATE INDEX follow_ups_contact ON follow_ups (contact_id);
