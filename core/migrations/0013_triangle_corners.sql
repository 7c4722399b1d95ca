-- Beatbook store, schema version 13: a problem's analysis triangle syncs as six fields, one per
-- corner (triangle_offender, triangle_victim, triangle_location, triangle_handler,
-- triangle_guardian, triangle_manager), so concurrent edits of different corners both survive.
-- See docs/data-model.md ("Problems") and docs/sync-protocol.md ("Problem triangle").
-- Once shipped, this file never changes.
--
-- The `problems` table keeps the triangle as one JSON column: only the sync state changes.
-- `beatbook_triangle_corner_clocks(clocks)` (registered by the store before migrating) gives
-- the whole triangle's clock to each corner, so a later edit's base is what the server holds
-- after its own migration (the same rule: docs/sync-protocol.md).
UPDATE sync_records SET clocks = beatbook_triangle_corner_clocks(clocks)
WHERE kind = 'problem';
-- Clocks noted from a restored server during a re-sync (version 9) are read the same way.
UPDATE sync_replay SET clocks = beatbook_triangle_corner_clocks(clocks)
WHERE kind = 'problem';

-- A held problem keeps its values here: its triangle splits the same way.
UPDATE sync_held SET fields = json_set(json_remove(fields, '$.triangle'),
    '$.triangle_offender', json_extract(fields, '$.triangle.offender'),
    '$.triangle_victim', json_extract(fields, '$.triangle.victim'),
    '$.triangle_location', json_extract(fields, '$.triangle.location'),
    '$.triangle_handler', json_extract(fields, '$.triangle.handler'),
    '$.triangle_guardian', json_extract(fields, '$.triangle.guardian'),
    '$.triangle_manager', json_extract(fields, '$.triangle.manager'))
WHERE kind = 'problem' AND json_type(fields, '$.triangle') = 'object';

-- An edit still queued sets each corner with the base its whole triangle had (the server maps
-- an older build's `triangle` op the same way; queued ops are rewritten so that re-stamping
-- and the outbox speak only of fields the record has).
UPDATE outbox SET op = json_set(json_remove(op, '$.fields.triangle'),
    '$.fields.triangle_offender', json_object('value', json_extract(op, '$.fields.triangle.value.offender'), 'base', json_extract(op, '$.fields.triangle.base')),
    '$.fields.triangle_victim', json_object('value', json_extract(op, '$.fields.triangle.value.victim'), 'base', json_extract(op, '$.fields.triangle.base')),
    '$.fields.triangle_location', json_object('value', json_extract(op, '$.fields.triangle.value.location'), 'base', json_extract(op, '$.fields.triangle.base')),
    '$.fields.triangle_handler', json_object('value', json_extract(op, '$.fields.triangle.value.handler'), 'base', json_extract(op, '$.fields.triangle.base')),
    '$.fields.triangle_guardian', json_object('value', json_extract(op, '$.fields.triangle.value.guardian'), 'base', json_extract(op, '$.fields.triangle.base')),
    '$.fields.triangle_manager', json_object('value', json_extract(op, '$.fields.triangle.value.manager'), 'base', json_extract(op, '$.fields.triangle.base')))
WHERE kind = 'problem' AND json_valid(op) AND json_type(op, '$.fields.triangle.value') = 'object';
