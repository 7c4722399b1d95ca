//! A record's anchor read from its synced values, as the server holds them and as a device
//! holds a record it could not write to its table yet (`sync_held`). Written once, so that the
//! server's retention index and a device's held copies run from the same time: a contact's
//! `occurred_at`, a note's `created_at`, a patrol's `ended_at` (its `started_at` while open),
//! a closed problem's `stage_changed_at`.

use super::rule::{anchor_of, Anchor};
use super::schedule::RetainedKind;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// The anchor `kind`'s own values give, reading each field's value through `value`; `None`
/// for personal details, which run from their contact's time of contact.
pub fn anchor_from_values<'a>(
    kind: RetainedKind,
    value: impl Fn(&str) -> Option<&'a Value>,
) -> Option<Anchor> {
    let time = |field: &str| {
        value(field).and_then(|v| serde_json::from_value::<DateTime<Utc>>(v.clone()).ok())
    };
    Some(match kind {
        RetainedKind::ContactPersonal => return None,
        RetainedKind::Contact => anchor_of(kind, time("occurred_at"), None),
        RetainedKind::Note => anchor_of(kind, time("created_at"), None),
        RetainedKind::Patrol => anchor_of(kind, time("ended_at"), time("started_at")),
        RetainedKind::Problem => {
            let closed = value("stage").and_then(Value::as_str) == Some("closed");
            anchor_of(
                kind,
                closed.then(|| time("stage_changed_at")).flatten(),
                None,
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map};

    fn values(pairs: &[(&str, Value)]) -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    fn at(text: &str) -> Anchor {
        Anchor::From(text.parse().expect("time"))
    }

    #[test]
    fn each_kind_runs_from_its_own_time() {
        let contact = values(&[("occurred_at", json!("2026-01-02T10:00:00Z"))]);
        assert_eq!(
            anchor_from_values(RetainedKind::Contact, |f| contact.get(f)),
            Some(at("2026-01-02T10:00:00Z"))
        );
        let open = values(&[("started_at", json!("2026-01-03T09:00:00Z"))]);
        assert_eq!(
            anchor_from_values(RetainedKind::Patrol, |f| open.get(f)),
            Some(at("2026-01-03T09:00:00Z")),
            "an open patrol from its start"
        );
        let closed = values(&[
            ("started_at", json!("2026-01-03T09:00:00Z")),
            ("ended_at", json!("2026-01-03T11:00:00Z")),
        ]);
        assert_eq!(
            anchor_from_values(RetainedKind::Patrol, |f| closed.get(f)),
            Some(at("2026-01-03T11:00:00Z"))
        );
        let open_problem = values(&[
            ("stage", json!("analysis")),
            ("stage_changed_at", json!("2026-01-04T09:00:00Z")),
        ]);
        assert_eq!(
            anchor_from_values(RetainedKind::Problem, |f| open_problem.get(f)),
            Some(Anchor::NotYet)
        );
        let note = values(&[("text", json!("no time"))]);
        assert_eq!(
            anchor_from_values(RetainedKind::Note, |f| note.get(f)),
            Some(Anchor::NotYet),
            "a value missing or not a time anchors nothing"
        );
        assert_eq!(
            anchor_from_values(RetainedKind::ContactPersonal, |f| contact.get(f)),
            None
        );
    }
}
