//! The server's s.62 log: entries read back as written, a push's entries chained in its own
//! transaction (none for a refused op or a failed batch), filters, and one unbroken chain
//! however many appenders race.

use super::{target, write_note};
use crate::storage::audit_chain::{self, GENESIS};
use crate::storage::{
    AuditFilter, CurrentRecord, Decision, PendingWrite, ServerAudit, SyncStorage, WriteOutcome,
};
use beatbook_core::audit::AuditAction;
use beatbook_core::ids::{DeviceId, UserId};
use beatbook_core::sync::protocol::RejectCode;
use beatbook_core::sync::RecordKind;
use std::sync::Arc;
use uuid::Uuid;

fn entry(at_ms: i64, action: AuditAction, record: &str) -> ServerAudit {
    ServerAudit {
        user_id: Some(UserId::new()),
        role: "supervisor".into(),
        device_id: Some(DeviceId::new()),
        record_id: Some(record.into()),
        justification: Some("LAP meeting".into()),
        recipient: Some("device:x".into()),
        detail: Some("fields: details".into()),
        ..ServerAudit::new(at_ms, action, "contact_personal")
    }
}

/// A note write that logs `log`.
fn logged_note(id: &str, log: ServerAudit) -> Decision {
    match write_note(id) {
        Decision::Write {
            record,
            extra,
            reference_rows,
            scrub_conflicts,
            ..
        } => Decision::Write {
            record,
            extra,
            reference_rows,
            scrub_conflicts,
            audit: vec![log],
        },
        other => other,
    }
}

fn intact(storage: &dyn SyncStorage) -> audit_chain::Verified {
    audit_chain::verify(storage, None)
        .expect("read")
        .expect("the chain is intact")
}

pub(crate) fn the_audit_log_reads_newest_first(storage: &Arc<dyn SyncStorage>) {
    assert!(storage.audit_log(10).expect("log").is_empty());
    assert_eq!(intact(storage.as_ref()).head, None);
    let first = entry(1, AuditAction::Disclosure, "r1");
    let second = ServerAudit {
        user_id: None,
        device_id: None,
        role: "admin".into(),
        justification: None,
        ..entry(2, AuditAction::Consultation, "r2")
    };
    storage.append_audit(&first).expect("append");
    storage.append_audit(&second).expect("append");
    assert_eq!(
        storage.audit_log(10).expect("log"),
        vec![second.clone(), first]
    );
    assert_eq!(storage.audit_log(1).expect("log"), vec![second]);
    let chain = storage.audit_chain_page(0, 10).expect("chain");
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[0].prev_hash, GENESIS);
    assert_eq!(chain[1].prev_hash, chain[0].hash);
    assert_eq!(intact(storage.as_ref()).head, Some((2, chain[1].hash)));
}

pub(crate) fn a_batch_logs_its_accepted_writes_in_its_transaction(storage: &Arc<dyn SyncStorage>) {
    let mut first = |_: &CurrentRecord| logged_note("n1", entry(5, AuditAction::Collection, "n1"));
    let mut refused = |_: &CurrentRecord| Decision::Reject {
        code: RejectCode::Forbidden,
        message: "no".into(),
    };
    let mut second = |_: &CurrentRecord| logged_note("n2", entry(5, AuditAction::Alteration, "n2"));
    let mut batch = [
        PendingWrite {
            ahead: None,
            target: target(Some(Uuid::now_v7()), RecordKind::Note, "n1"),
            decide: &mut first,
        },
        PendingWrite {
            ahead: None,
            target: target(Some(Uuid::now_v7()), RecordKind::Note, "n3"),
            decide: &mut refused,
        },
        PendingWrite {
            ahead: None,
            target: target(Some(Uuid::now_v7()), RecordKind::Note, "n2"),
            decide: &mut second,
        },
    ];
    let outcomes = storage.write_records(&mut batch).expect("batch");
    assert!(matches!(outcomes[1], WriteOutcome::Rejected { .. }));
    let chain = storage.audit_chain_page(0, 10).expect("chain");
    let records: Vec<_> = chain
        .iter()
        .map(|c| (c.seq, c.entry.record_id.as_deref().unwrap_or_default()))
        .collect();
    assert_eq!(records, [(1, "n1"), (2, "n2")]);

    // A batch that fails leaves no entry of its earlier, logged, ops.
    let mut logged = |_: &CurrentRecord| logged_note("n4", entry(6, AuditAction::Collection, "n4"));
    let mut wrong_record = |_: &CurrentRecord| write_note("elsewhere");
    let mut failing = [
        PendingWrite {
            ahead: None,
            target: target(Some(Uuid::now_v7()), RecordKind::Note, "n4"),
            decide: &mut logged,
        },
        PendingWrite {
            ahead: None,
            target: target(Some(Uuid::now_v7()), RecordKind::Note, "n5"),
            decide: &mut wrong_record,
        },
    ];
    assert!(storage.write_records(&mut failing).is_err());
    assert_eq!(intact(storage.as_ref()).entries, 2);
}

pub(crate) fn the_log_filters_by_user_record_operation_and_period(storage: &Arc<dyn SyncStorage>) {
    let a = entry(1_000, AuditAction::Collection, "c1");
    let b = entry(2_000, AuditAction::Disclosure, "c1");
    let c = entry(3_000, AuditAction::Disclosure, "c2");
    storage
        .append_audits(&[a.clone(), b.clone(), c.clone()])
        .expect("append");
    let find = |filter: AuditFilter| -> Vec<ServerAudit> {
        storage
            .audit_search(&filter, 10)
            .expect("search")
            .into_iter()
            .map(|c| c.entry)
            .collect()
    };
    assert_eq!(
        find(AuditFilter {
            user_id: b.user_id,
            ..AuditFilter::default()
        }),
        vec![b.clone()]
    );
    assert_eq!(
        find(AuditFilter {
            record_id: Some("c1".into()),
            ..AuditFilter::default()
        }),
        vec![b.clone(), a.clone()]
    );
    assert_eq!(
        find(AuditFilter {
            action: Some(AuditAction::Disclosure),
            from_ms: Some(2_500),
            ..AuditFilter::default()
        }),
        vec![c]
    );
    assert_eq!(
        find(AuditFilter {
            from_ms: Some(1_000),
            to_ms: Some(2_000),
            ..AuditFilter::default()
        }),
        vec![a]
    );
}

pub(crate) fn racing_appenders_keep_one_unbroken_chain(storage: &Arc<dyn SyncStorage>) {
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let storage = storage.clone();
            std::thread::spawn(move || {
                for i in 0..10 {
                    let id = format!("t{t}-{i}");
                    if i % 2 == 0 {
                        storage
                            .append_audits(&[
                                entry(i, AuditAction::Disclosure, &id),
                                entry(i, AuditAction::Disclosure, &id),
                            ])
                            .expect("append");
                    } else {
                        let mut decide = |_: &CurrentRecord| {
                            logged_note(&id, entry(i, AuditAction::Collection, &id))
                        };
                        storage
                            .write_record(&target(None, RecordKind::Note, &id), &mut decide)
                            .expect("write");
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    // 4 threads × (5 appends of two + 5 writes of one).
    assert_eq!(intact(storage.as_ref()).entries, 60);
}
