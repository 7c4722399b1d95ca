//! The retention index: for every record the retention schedule governs, its anchor (the
//! stated time its period runs from: `beatbook_core::retention::anchor_of`), the newest
//! decision to retain it (`retention_review`'s `review_on`), its team and whether the server
//! still holds it (not erased; for personal details, not redacted). Children of governed
//! records (a contact's follow-ups, a problem's steps and stage requests) are indexed by their
//! parent (and conflicts by the record they are about), so that a disposal finds them without
//! reading the team's records and a pull leaves them out with their parent.
//!
//! Why an index: finding what is expired at `now` is then one index range per kind (the
//! anchor side: `anchor_ms <= now - period`; the retained side: `retained_until_ms <= now`),
//! and a pull can leave an expired record out with one primary-key probe per row, instead of
//! re-reading every record's fields. The rows are kept by the storage in the transaction that
//! writes the record ([`writes_for`], pure; each backend runs the SQL), so the index never
//! disagrees with the records.
//!
//! The rule of what is expired is the core's (`retention::status`); [`Cutoffs`] is only its
//! arithmetic turned into the bounds of a range (checked against `status` in the tests), and
//! every candidate the sweep disposes of is judged by `status` itself.

use crate::storage::RecordRow;
use beatbook_core::retention::{anchor_from_values, Anchor, RetainedKind, RetentionSchedule};
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::RecordKind;
use chrono::{DateTime, Duration, Utc};

/// One change to the index, made by writing one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IndexWrite {
    /// The written record's own row.
    Own {
        kind: RecordKind,
        record_id: String,
        team_id: Option<String>,
        held: bool,
        /// `Some`: set the anchor (to a time, or none yet); `None`: keep the stored one, or,
        /// for a new row, take its parent's (a contact's personal record takes its anchor
        /// from the contact).
        anchor_ms: Option<Option<i64>>,
        parent: Option<(RetainedKind, String)>,
    },
    /// The anchor of a companion's row (the contact's time, for its personal details), if the
    /// companion is there. None is made for one that is not: most contacts never have personal
    /// details (a row each for them was two fifths of the index), and a companion that
    /// arrives later takes its parent's anchor then (`Own`'s `anchor_ms: None`).
    Anchor {
        kind: RecordKind,
        record_id: String,
        anchor_ms: Option<i64>,
    },
    /// A decision to retain a record until a date.
    Retain {
        kind: RecordKind,
        record_id: String,
        team_id: Option<String>,
        until_ms: Option<i64>,
    },
}

fn time_of(state: &RecordState, field: &str) -> Option<DateTime<Utc>> {
    state
        .fields
        .get(field)
        .and_then(|f| serde_json::from_value::<DateTime<Utc>>(f.value.clone()).ok())
}

fn text_of(state: &RecordState, field: &str) -> Option<String> {
    state
        .fields
        .get(field)
        .and_then(|f| f.value.as_str())
        .map(str::to_owned)
}

fn ms(anchor: Anchor) -> Option<i64> {
    match anchor {
        Anchor::From(at) => Some(at.timestamp_millis()),
        Anchor::NotYet => None,
    }
}

/// The anchor a record's own fields give (`None` for a personal record: its contact's): the
/// core's rule, which a device applies to the records it holds back too.
pub(crate) fn anchor_from_fields(kind: RetainedKind, state: &RecordState) -> Option<Option<i64>> {
    anchor_from_values(kind, |field| state.fields.get(field).map(|f| &f.value)).map(ms)
}

/// Whether the server still holds the record's data: not erased, and for personal details,
/// some value not yet redacted.
fn held(kind: RecordKind, state: &RecordState) -> bool {
    if state.erased {
        return false;
    }
    if kind.is_personal() {
        return state.fields.values().any(|f| !f.value.is_null());
    }
    true
}

/// The parent a child record belongs to (for disposal with it).
fn parent_of(kind: RecordKind, state: &RecordState) -> Option<(RetainedKind, String)> {
    match kind {
        RecordKind::FollowUp => text_of(state, "contact_id").map(|id| (RetainedKind::Contact, id)),
        RecordKind::ProblemStep | RecordKind::StageRequest => {
            text_of(state, "problem_id").map(|id| (RetainedKind::Problem, id))
        }
        _ => None,
    }
}

/// The index changes writing `row` makes (none for kinds retention does not touch). An erased
/// record keeps its row, not held, with its parent (its fields are gone).
pub(crate) fn writes_for(row: &RecordRow) -> Vec<IndexWrite> {
    let team_id = row.meta.team_id.map(|t| t.to_string());
    let state = &row.state;
    if row.kind == RecordKind::RetentionReview {
        let kind = text_of(state, "record_kind").and_then(|k| k.parse::<RetainedKind>().ok());
        let id = text_of(state, "record_id");
        return match (kind, id) {
            (Some(kind), Some(record_id)) if !state.erased => vec![IndexWrite::Retain {
                kind: kind.record_kind(),
                record_id,
                team_id,
                until_ms: time_of(state, "review_on").map(|t| t.timestamp_millis()),
            }],
            _ => Vec::new(),
        };
    }
    if let Some(kind) = RetainedKind::of_record_kind(row.kind) {
        let anchor_ms = if state.erased {
            None
        } else {
            anchor_from_fields(kind, state)
        };
        // A contact's personal record is also its child: it goes when its contact goes.
        let parent = (kind == RetainedKind::ContactPersonal)
            .then(|| (RetainedKind::Contact, row.record_id.clone()));
        let mut writes = vec![IndexWrite::Own {
            kind: row.kind,
            record_id: row.record_id.clone(),
            team_id: team_id.clone(),
            held: held(row.kind, state),
            anchor_ms,
            parent,
        }];
        if kind == RetainedKind::Contact && !state.erased {
            writes.push(IndexWrite::Anchor {
                kind: RecordKind::ContactPersonal,
                record_id: row.record_id.clone(),
                anchor_ms: anchor_ms.flatten(),
            });
        }
        return writes;
    }
    if row.kind == RecordKind::Conflict {
        // A conflict holds copies of its record's values: it is that record's child (erased
        // with it by the storage's cascade, and never served once the record is expired).
        let parent = row.meta.subject.as_ref().and_then(|(kind, id)| {
            RetainedKind::of_record_kind(*kind).map(|retained| (retained, id.clone()))
        });
        return match parent {
            Some(parent) => vec![IndexWrite::Own {
                kind: row.kind,
                record_id: row.record_id.clone(),
                team_id,
                held: !state.erased,
                anchor_ms: Some(None),
                parent: Some(parent),
            }],
            None => Vec::new(),
        };
    }
    if matches!(
        row.kind,
        RecordKind::FollowUp | RecordKind::ProblemStep | RecordKind::StageRequest
    ) {
        if state.erased {
            // Its fields are gone, its parent with them: only `held` changes.
            return vec![IndexWrite::Own {
                kind: row.kind,
                record_id: row.record_id.clone(),
                team_id,
                held: false,
                anchor_ms: None,
                parent: None,
            }];
        }
        return vec![IndexWrite::Own {
            kind: row.kind,
            record_id: row.record_id.clone(),
            team_id,
            held: true,
            anchor_ms: Some(None),
            parent: parent_of(row.kind, state),
        }];
    }
    Vec::new()
}

/// One governed record as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionEntry {
    pub kind: RetainedKind,
    pub record_id: String,
    pub team_id: Option<beatbook_core::ids::TeamId>,
    pub anchor_ms: Option<i64>,
    pub retained_until_ms: Option<i64>,
}

impl RetentionEntry {
    pub fn anchor(&self) -> Anchor {
        self.anchor_ms
            .and_then(DateTime::from_timestamp_millis)
            .map_or(Anchor::NotYet, Anchor::From)
    }

    pub fn retained_until(&self) -> Option<DateTime<Utc>> {
        self.retained_until_ms
            .and_then(DateTime::from_timestamp_millis)
    }
}

/// A range of the index: the held records of `kind` whose review date is at or before
/// `through` — those never retained whose anchor is at or before `anchor_through_ms` (`None`:
/// the kind has no period), and those retained until at or before `until_through_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionRange {
    pub kind: RetainedKind,
    pub anchor_through_ms: Option<i64>,
    pub until_through_ms: i64,
    pub team: Option<beatbook_core::ids::TeamId>,
    pub limit: u32,
}

impl RetentionRange {
    /// The records whose review date is at or before `through` under `schedule`.
    pub fn through(
        schedule: &RetentionSchedule,
        kind: RetainedKind,
        through: DateTime<Utc>,
        limit: u32,
    ) -> Self {
        RetentionRange {
            kind,
            anchor_through_ms: schedule
                .period_days(kind)
                .map(|days| (through - Duration::days(i64::from(days))).timestamp_millis()),
            until_through_ms: through.timestamp_millis(),
            team: None,
            limit,
        }
    }
}

/// Where a pull stops serving governed records: each kind's range at the server's `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cutoffs {
    pub now_ms: i64,
    /// Per scheduled kind: the latest anchor already expired.
    pub anchors: Vec<(RecordKind, i64)>,
}

impl Cutoffs {
    pub fn at(schedule: &RetentionSchedule, now: DateTime<Utc>) -> Self {
        Cutoffs {
            now_ms: now.timestamp_millis(),
            anchors: RetainedKind::ALL
                .iter()
                .filter_map(|kind| {
                    RetentionRange::through(schedule, *kind, now, 0)
                        .anchor_through_ms
                        .map(|ms| (kind.record_kind(), ms))
                })
                .collect(),
        }
    }

    /// The latest expired anchor of `kind`, if the schedule gives it a period.
    pub fn anchor_cutoff(&self, kind: RetainedKind) -> Option<i64> {
        let kind = kind.record_kind();
        self.anchors
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, ms)| *ms)
    }

    /// The values [`Cutoffs::not_expired_sql`]'s placeholders take, in order: now, then each
    /// retained kind's anchor cutoff (`RetainedKind::ALL` order; none for an unscheduled kind).
    pub fn values(&self) -> Vec<Option<i64>> {
        std::iter::once(Some(self.now_ms))
            .chain(RetainedKind::ALL.iter().map(|k| self.anchor_cutoff(*k)))
            .collect()
    }

    /// How many placeholders [`Cutoffs::not_expired_sql`] takes.
    pub const PLACEHOLDERS: usize = 1 + RetainedKind::ALL.len();

    /// The SQL condition that the index row `alias` is held and past its review date.
    fn expired_sql(alias: &str, held_true: &str, ph: &[String]) -> String {
        let anchors = RetainedKind::ALL
            .iter()
            .zip(&ph[1..])
            .map(|(kind, cutoff)| {
                format!(
                    "({alias}.kind = '{}' AND {alias}.anchor_ms <= {cutoff})",
                    kind.record_kind().as_str()
                )
            })
            .collect::<Vec<_>>()
            .join(" OR ");
        let now = &ph[0];
        format!(
            "({alias}.held = {held_true} AND ({alias}.retained_until_ms <= {now}
               OR ({alias}.retained_until_ms IS NULL AND ({anchors}))))"
        )
    }

    /// The SQL condition (on the feed's row alias `r`) that the row is neither an expired
    /// governed record nor a child or grandchild of one (a follow-up of an expired contact, a
    /// step of an expired problem, a contact's personal record, a conflict about any of them;
    /// the sweep erases them together). `held_true`: the backend's literal for a held row;
    /// `placeholders`: the backend's [`Cutoffs::PLACEHOLDERS`] parameters, bound to
    /// [`Cutoffs::values`] — so the statement's text is the same for every pull and stays in
    /// the statement cache. At most three primary-key probes per row, whatever the store's size.
    pub(crate) fn not_expired_sql(held_true: &str, placeholders: &[String]) -> String {
        format!(
            "NOT EXISTS (SELECT 1 FROM retention_index x
               LEFT JOIN retention_index p ON p.kind = x.parent_kind AND p.record_id = x.parent_id
               LEFT JOIN retention_index g ON g.kind = p.parent_kind AND g.record_id = p.parent_id
               WHERE x.kind = r.kind AND x.record_id = r.record_id
                 AND ({} OR (x.held = {held_true} AND ({} OR {}))))",
            Self::expired_sql("x", held_true, placeholders),
            Self::expired_sql("p", held_true, placeholders),
            Self::expired_sql("g", held_true, placeholders),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_core::retention::status;
    use chrono::TimeZone;
    use std::collections::BTreeMap;

    #[test]
    fn the_ranges_bounds_agree_with_the_cores_rule_at_the_second() {
        let schedule = RetentionSchedule {
            review_after_days: BTreeMap::from([(RetainedKind::Contact, 10)]),
            notice_days: 0,
        };
        let anchor = Utc
            .with_ymd_and_hms(2026, 3, 1, 9, 0, 0)
            .single()
            .expect("a time");
        for offset_ms in [-1_000, -1, 0, 1, 1_000] {
            let now = anchor + Duration::days(10) + Duration::milliseconds(offset_ms);
            let range = RetentionRange::through(&schedule, RetainedKind::Contact, now, 1);
            let in_range = range
                .anchor_through_ms
                .is_some_and(|cut| anchor.timestamp_millis() <= cut);
            let expired = status(
                &schedule,
                RetainedKind::Contact,
                Anchor::From(anchor),
                None,
                now,
            )
            .is_expired();
            assert_eq!(in_range, expired, "offset {offset_ms} ms");
        }
        assert_eq!(
            RetentionRange::through(&schedule, RetainedKind::Note, anchor, 1).anchor_through_ms,
            None
        );
    }

    #[test]
    fn an_open_problem_has_no_anchor_and_a_closed_one_its_closing_time() {
        let mut state = RecordState::default();
        let hlc = beatbook_core::sync::Hlc::new(1, beatbook_core::ids::DeviceId::new());
        let mut set = |name: &str, value: serde_json::Value| {
            state.fields.insert(
                name.into(),
                beatbook_core::sync::protocol::FieldState { value, hlc },
            );
        };
        set("stage", serde_json::json!("response"));
        set(
            "stage_changed_at",
            serde_json::json!("2026-01-02T00:00:00Z"),
        );
        assert_eq!(
            anchor_from_fields(RetainedKind::Problem, &state),
            Some(None)
        );
        state.fields.get_mut("stage").expect("stage").value = serde_json::json!("closed");
        assert_eq!(
            anchor_from_fields(RetainedKind::Problem, &state),
            Some(Some(1_767_312_000_000))
        );
    }
}
