//! Record ids as apps make them — UUIDs in canonical text — and as they may arrive otherwise,
//! come back exactly as written through every place a backend keeps them: the feed, a record's
//! subject and members, and the retention index's parents. (The embedded store keeps a
//! canonical UUID as its 16 bytes since its schema 19; PostgreSQL keeps text.)

use super::{filter, put, row};
use crate::storage::{FeedFilter, SyncStorage};
use beatbook_core::ids::{DeviceId, UserId};
use beatbook_core::retention::RetainedKind;
use beatbook_core::sync::protocol::FieldState;
use beatbook_core::sync::{Hlc, RecordKind};
use std::sync::Arc;

pub(crate) fn ids_come_back_as_written_wherever_they_are_kept(storage: &Arc<dyn SyncStorage>) {
    let storage = storage.as_ref();
    let [contact, follow_up, note, conflict] = [(); 4].map(|()| uuid::Uuid::now_v7().to_string());
    let upper = uuid::Uuid::now_v7().to_string().to_uppercase();
    let member = UserId::new();

    put(storage, row(RecordKind::Contact, &contact, false));
    let mut promise = row(RecordKind::FollowUp, &follow_up, false);
    promise.state.fields.insert(
        "contact_id".into(),
        FieldState {
            value: serde_json::json!(contact),
            hlc: Hlc::new(2, DeviceId::new()),
        },
    );
    put(storage, promise);
    let mut shared = row(RecordKind::Note, &note, false);
    shared.meta.members = vec![member];
    put(storage, shared);
    put(storage, row(RecordKind::Note, &upper, false));
    put(storage, row(RecordKind::Note, "plain-1", false));
    let mut about = row(RecordKind::Conflict, &conflict, false);
    about.meta.subject = Some((RecordKind::Contact, contact.clone()));
    put(storage, about);

    let everything = FeedFilter {
        global_kinds: RecordKind::ALL.to_vec(),
        ..filter()
    };
    let page = storage.feed_page(&everything, 0, 100).expect("page");
    let fed: Vec<&str> = page.rows.iter().map(|r| r.record_id.as_str()).collect();
    assert_eq!(
        fed,
        [
            contact.as_str(),
            follow_up.as_str(),
            note.as_str(),
            upper.as_str(),
            "plain-1",
            conflict.as_str()
        ]
    );

    let shared = storage
        .record(RecordKind::Note, &note)
        .expect("read")
        .expect("the shared note");
    assert_eq!(shared.meta.members, [member]);
    assert!(storage
        .record(RecordKind::Note, &upper)
        .expect("read")
        .is_some());
    assert!(
        storage
            .record(RecordKind::Note, &upper.to_lowercase())
            .expect("read")
            .is_none(),
        "an id in capitals is its own id, as it was written"
    );
    let about = storage
        .record(RecordKind::Conflict, &conflict)
        .expect("read")
        .expect("the conflict");
    assert_eq!(
        about.meta.subject,
        Some((RecordKind::Contact, contact.clone()))
    );
    assert_eq!(
        storage
            .retention_children(RetainedKind::Contact, &contact)
            .expect("children"),
        [
            // A conflict about a record goes with it, as its promises do.
            (RecordKind::Conflict, conflict.clone()),
            (RecordKind::FollowUp, follow_up.clone())
        ]
    );
}
