//! What reports read, and the server's audit log.

use super::{put, row};
use crate::storage::{ServerAudit, SyncStorage};
use beatbook_core::ids::{DeviceId, TeamId, UserId};
use beatbook_core::store::AuditAction;
use beatbook_core::sync::RecordKind;
use std::sync::Arc;

pub(crate) fn report_records_are_live_records_of_the_kinds_and_team(
    storage: &Arc<dyn SyncStorage>,
) {
    let storage = storage.as_ref();
    let (team, other) = (TeamId::new(), TeamId::new());
    let with_team = |kind, id: &str, t: TeamId| {
        let mut r = row(kind, id, false);
        r.meta.team_id = Some(t);
        r
    };
    put(storage, with_team(RecordKind::Contact, "mine", team));
    put(storage, with_team(RecordKind::Contact, "theirs", other));
    put(storage, with_team(RecordKind::Patrol, "patrol", team));
    put(storage, row(RecordKind::PriorityArea, "area", false));
    let mut gone = with_team(RecordKind::Contact, "gone", team);
    put(storage, gone.clone());
    gone.state = row(RecordKind::Contact, "gone", true).state;
    put(storage, gone);

    let kinds = [RecordKind::Contact, RecordKind::PriorityArea];
    let mut got: Vec<RecordKind> = storage
        .report_records(Some(team), &kinds)
        .expect("records")
        .into_iter()
        .map(|(kind, state)| {
            assert!(!state.erased);
            assert!(state.fields.contains_key("text"));
            kind
        })
        .collect();
    got.sort_by_key(|k| k.as_str());
    assert_eq!(got, vec![RecordKind::Contact, RecordKind::PriorityArea]);
    let everyone = storage.report_records(None, &kinds).expect("records");
    assert_eq!(everyone.len(), 3, "both teams' contacts and the area");
}

pub(crate) fn the_audit_log_reads_newest_first(storage: &Arc<dyn SyncStorage>) {
    assert!(storage.audit_log(10).expect("log").is_empty());
    let entry = |at_ms, detail: &str| ServerAudit {
        at_ms,
        user_id: Some(UserId::new()),
        role: "supervisor".into(),
        device_id: Some(DeviceId::new()),
        action: AuditAction::Disclosure,
        subject: "report".into(),
        detail: Some(detail.into()),
    };
    let first = entry(1, "March");
    let second = ServerAudit {
        user_id: None,
        device_id: None,
        role: "admin".into(),
        ..entry(2, "April")
    };
    storage.append_audit(&first).expect("append");
    storage.append_audit(&second).expect("append");
    assert_eq!(
        storage.audit_log(10).expect("log"),
        vec![second.clone(), first]
    );
    assert_eq!(storage.audit_log(1).expect("log"), vec![second]);
}
