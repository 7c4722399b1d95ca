//! A report's records as both stores read them: each row's kind, values (the JSON text of its
//! fields' values) and clocks, taken whole ([`whole`]) or as values only, one at a time
//! ([`values_only`], which a report's facts need: `beatbook_core::reports::SyncedFacts`). Each
//! store supplies the reading (one statement, one snapshot); the rows are turned into records
//! here, once.

use super::compact::join;
use super::{ReportRecord, StorageError, StorageResult};
use beatbook_core::reports::report_until_day;
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::RecordKind;
use serde_json::{Map, Value};

/// What a store's reading runs on each live record: its kind, values (JSON text) and clocks.
pub(crate) type RowVisit<'v> = dyn FnMut(RecordKind, &str, &[u8]) -> StorageResult<()> + 'v;

/// The records `read` gives, each whole (values and clocks).
pub(crate) fn whole(
    read: impl FnOnce(&mut RowVisit<'_>) -> StorageResult<()>,
) -> StorageResult<Vec<ReportRecord>> {
    let mut out = Vec::new();
    read(&mut |kind, values, clocks| {
        let fields = join(values, clocks)?;
        out.push((
            kind,
            RecordState {
                fields,
                erased: false,
            },
        ));
        Ok(())
    })?;
    Ok(out)
}

/// Each record `read` gives, by its values, handed to `visit` as it is read (its clocks are
/// not decoded).
pub(crate) fn values_only(
    read: impl FnOnce(&mut RowVisit<'_>) -> StorageResult<()>,
    visit: &mut dyn FnMut(RecordKind, Map<String, Value>),
) -> StorageResult<()> {
    read(&mut |kind, values, _| {
        let values: Map<String, Value> = serde_json::from_str(values)
            .map_err(|_| StorageError::Corrupt("a record's values are not a JSON object".into()))?;
        visit(kind, values);
        Ok(())
    })
}

/// A record's report reach (`beatbook_core::reports::report_until_day`), as both stores write it
/// beside the record: `None` for an erased record and for kinds no report reads.
pub(crate) fn reach_of(kind: RecordKind, state: &RecordState) -> Option<i64> {
    if state.erased {
        return None;
    }
    report_until_day(kind, |field| state.fields.get(field).map(|f| &f.value))
}

/// The same from a stored row (its kind as stored and its values' JSON text), for the upgrades
/// that fill the column in stores made before it. A kind this build does not know has none.
pub(crate) fn reach_of_stored(kind: &str, values: &str) -> StorageResult<Option<i64>> {
    let Ok(kind) = kind.parse::<RecordKind>() else {
        return Ok(None);
    };
    let values: Map<String, Value> = serde_json::from_str(values)
        .map_err(|_| StorageError::Corrupt("a record's values are not a JSON object".into()))?;
    Ok(report_until_day(kind, |field| values.get(field)))
}

/// Refuses more ids than [`NAMED_RECORDS_MAX`](super::NAMED_RECORDS_MAX) for one
/// `each_named_record` call (PostgreSQL sends them as one statement's array).
pub(crate) fn check_named(ids: &[String]) -> StorageResult<()> {
    if ids.len() > super::NAMED_RECORDS_MAX {
        return Err(StorageError::Invalid(format!(
            "at most {} records may be named at once",
            super::NAMED_RECORDS_MAX
        )));
    }
    Ok(())
}
