//! A store gives back the space its answered outbox used: the ops carry their records' values,
//! and once the server has them, their pages are returned to the file system.

use crate::common;

use beatbook_core::model::{GeoPoint, PersonalDetails, Role};
use common::fake_server::FakeServer;
use common::{key, plain_contact, Fixture};

fn pragma(f: &Fixture, name: &str) -> i64 {
    let conn = crate::common::keyed_connection(f.dir.path().join("beatbook.db"), &key());
    conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
        .expect(name)
}

#[test]
fn pages_freed_by_answered_ops_go_back_to_the_file_system() {
    let f = Fixture::new();
    let sam = f.actor(Role::Pcso, "Sam");
    assert_eq!(
        pragma(&f, "auto_vacuum"),
        2,
        "a new store vacuums incrementally"
    );
    for i in 0..600 {
        let mut contact = plain_contact(f.now(), GeoPoint::new(52.40 + f64::from(i) * 1e-4, -1.52));
        contact.issues_text = Some(format!("Bikes on the path by the rec, evening {i}"));
        contact.promised = Some("Ask the council about lighting and call back".into());
        contact.consent_to_recontact = true;
        contact.personal = Some(PersonalDetails {
            name: Some(format!("Resident {i}")),
            ..Default::default()
        });
        f.store.record_contact(&sam, contact).expect("contact");
    }
    let pages_before = pragma(&f, "page_count");
    FakeServer::default().sync(&f.store);
    assert_eq!(f.store.pending_count().expect("pending"), 0);
    let free = pragma(&f, "freelist_count");
    assert!(free <= 256, "{free} pages left free");
    assert!(
        pragma(&f, "page_count") < pages_before,
        "the file shrank once its ops were answered"
    );
}
