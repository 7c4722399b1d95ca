-- Beatbook store, schema version 6: a covering index for the patrols a report reads.
--
-- A report reads every patrol of its period: kind, target, recorder, times and the two scored
-- answers of its value assessment. From the table that is a wide row per patrol (purpose,
-- observations, the assessment's text) and two JSON parses; this index holds exactly those
-- values in start-time order, the scores computed once when the patrol is written.
-- patrols_started (started_at) is replaced: same leading column, so everything that used it
-- uses this one, and recording a patrol still writes one time index. (`assessment` is JSON the
-- store itself serialises, or NULL; json_extract of NULL is NULL.)
DROP INDEX patrols_started;
CREATE INDEX patrols_started_report ON patrols
    (started_at, ended_at, kind, area_kind, area_id, recorded_by, id,
     json_extract(assessment, '$.purpose_met'), json_extract(assessment, '$.value_rating'));
