//! A device's own s.62 log handed in: chained once (a retried batch adds only what is new), a
//! batch past a gap adds nothing, the mark survives and is per device, a revoked device's
//! entries are taken, and the chain still verifies.

use super::people::{team, user};
use crate::storage::audit_chain;
use crate::storage::device_audits::DeviceAudit;
use crate::storage::{
    AuditFilter, NewDevice, ReferenceRow, ServerAudit, StorageError, SyncStorage,
};
use beatbook_core::audit::AuditAction;
use beatbook_core::ids::DeviceId;
use beatbook_core::model::Role;
use std::sync::Arc;

fn enrolled_device(storage: &dyn SyncStorage, code: u8) -> DeviceId {
    let north = team("Northvale NPT", None);
    let sam = user("PCSO Sam", Role::Pcso, Some(north.id));
    storage
        .upsert_reference_rows(
            &[ReferenceRow::Team(north), ReferenceRow::User(sam.clone())],
            1,
        )
        .expect("reference");
    storage
        .add_enrolment_code([code; 32], sam.id, 10, 1_000)
        .expect("code");
    let device = NewDevice {
        id: DeviceId::new(),
        name: format!("phone {code}"),
        token_hash: [code.wrapping_add(100); 32],
    };
    storage
        .enrol([code; 32], &device, 100)
        .expect("enrol")
        .expect("enrolled");
    device.id
}

fn batch(device: DeviceId, seqs: std::ops::RangeInclusive<i64>) -> Vec<DeviceAudit> {
    seqs.map(|device_seq| DeviceAudit {
        device_seq,
        entry: ServerAudit {
            device_id: Some(device),
            record_id: Some(format!("record-{device_seq}")),
            detail: Some(format!("device log entry {device_seq}")),
            ..ServerAudit::new(
                1_000 + device_seq,
                AuditAction::Consultation,
                "contact_personal",
            )
        },
    })
    .collect()
}

fn held(storage: &dyn SyncStorage, device: DeviceId) -> Vec<String> {
    let mut records: Vec<String> = storage
        .audit_search(&AuditFilter::default(), 1_000)
        .expect("search")
        .into_iter()
        .filter(|c| c.entry.device_id == Some(device))
        .filter_map(|c| c.entry.record_id)
        .collect();
    records.reverse();
    records
}

pub(crate) fn a_devices_log_is_chained_once_and_never_past_a_gap(storage: &Arc<dyn SyncStorage>) {
    let phone = enrolled_device(storage.as_ref(), 1);
    let other = enrolled_device(storage.as_ref(), 2);

    assert_eq!(
        storage
            .receive_device_audits(phone, &batch(phone, 1..=3))
            .expect("first"),
        3
    );
    // The answer was lost; the device sends again with one more.
    assert_eq!(
        storage
            .receive_device_audits(phone, &batch(phone, 1..=4))
            .expect("retry"),
        4
    );
    assert_eq!(
        held(storage.as_ref(), phone),
        ["record-1", "record-2", "record-3", "record-4"]
    );
    // Past a gap: nothing taken, the mark says where to resume.
    assert_eq!(
        storage
            .receive_device_audits(phone, &batch(phone, 7..=8))
            .expect("gap"),
        4
    );
    assert_eq!(held(storage.as_ref(), phone).len(), 4);
    // Marks are per device.
    assert_eq!(
        storage
            .receive_device_audits(other, &batch(other, 1..=1))
            .expect("other"),
        1
    );
    // A revoked device's log is still taken.
    assert!(storage.revoke_device(phone, 2_000).expect("revoke"));
    assert_eq!(
        storage
            .receive_device_audits(phone, &batch(phone, 5..=6))
            .expect("revoked"),
        6
    );
    assert_eq!(held(storage.as_ref(), phone).len(), 6);
    assert!(matches!(
        storage.receive_device_audits(DeviceId::new(), &batch(phone, 1..=1)),
        Err(StorageError::NotFound(_))
    ));
    audit_chain::verify(storage.as_ref(), None)
        .expect("read")
        .expect("the chain is intact");
}
