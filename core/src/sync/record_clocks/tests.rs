use super::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

fn node(byte: u8) -> DeviceId {
    DeviceId(Uuid::from_bytes([byte; 16]))
}

fn clock(wall_ms: u64, counter: u32, byte: u8) -> Hlc {
    Hlc {
        wall_ms,
        counter,
        node: node(byte),
    }
}

#[test]
fn the_vocabulary_names_each_field_once() {
    let unique: BTreeSet<_> = FIELD_NAMES.iter().collect();
    assert_eq!(unique.len(), FIELD_NAMES.len());
}

#[test]
fn a_contact_created_then_edited_once_takes_under_100_bytes() {
    let created = clock(1_790_000_000_000, 0, 7);
    let edited = clock(1_790_000_100_000, 3, 7);
    let names = [
        "id",
        "occurred_at",
        "place",
        "lsoa_code",
        "lap_code",
        "method",
        "audience",
        "people_count",
        "issues",
        "issues_text",
        "promised",
        "follow_up_id",
        "consent_to_recontact",
        "repeat_caller",
        "vulnerable",
        "repeat_location",
        "problem_id",
        "patrol_id",
        "recorded_by",
        "redacted_at",
        "created_at",
        "updated_at",
    ];
    let clocks: RecordClocks = names
        .iter()
        .map(|name| {
            let at = if *name == "promised" || *name == "updated_at" {
                edited
            } else {
                created
            };
            ((*name).to_owned(), at)
        })
        .collect();
    let bytes = clocks.encode();
    assert!(bytes.len() < 100, "{} bytes", bytes.len());
    assert_eq!(RecordClocks::decode(&bytes), Ok(clocks));
}

#[test]
fn a_name_outside_the_vocabulary_round_trips() {
    let clocks: RecordClocks = [
        ("id".to_owned(), clock(1, 0, 1)),
        ("a_newer_builds_field".to_owned(), clock(2, 1, 2)),
    ]
    .into_iter()
    .collect();
    assert_eq!(RecordClocks::decode(&clocks.encode()), Ok(clocks));
}

#[test]
fn damaged_bytes_are_refused_not_misread() {
    let clocks: RecordClocks = [("id".to_owned(), clock(5, 0, 1))].into_iter().collect();
    let bytes = clocks.encode();
    assert!(RecordClocks::decode(&[]).is_err());
    assert!(RecordClocks::decode(&bytes[..bytes.len() - 1]).is_err());
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(RecordClocks::decode(&trailing).is_err());
    let mut version = bytes.clone();
    version[0] = 2;
    assert!(RecordClocks::decode(&version).is_err());
    // The one field's name key and clock index, replaced by field number 127 (not in use).
    let mut unknown_number = bytes[..bytes.len() - 2].to_vec();
    unknown_number.extend_from_slice(&[0xfe, 0x01, 0x00]);
    assert!(RecordClocks::decode(&unknown_number).is_err());
}

#[test]
fn a_second_spelling_of_the_same_clocks_is_refused() {
    // Found by the fuzz target: "kind" spelled out instead of numbered decoded, and
    // re-encoded differently.
    let crash: &[u8] = &[
        0x01, 0x01, 0x0c, 0x00, 0x00, 0x00, 0xe7, 0x00, 0x00, 0x00, 0x1f, 0x02, 0x00, 0x8b, 0x6b,
        0x69, 0x6e, 0x64, 0x00, 0x1c, 0x00,
    ];
    if let Ok(clocks) = RecordClocks::decode(crash) {
        assert_eq!(clocks.encode(), crash);
    }
    let spelled: &[u8] = &[
        0x01, 0x01, 0x05, 0x00, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0x01, 0x09, b'k',
        b'i', b'n', b'd', 0x00,
    ];
    assert!(
        RecordClocks::decode(spelled).is_err(),
        "a numbered name spelled out"
    );
    let one: RecordClocks = [("text".to_owned(), clock(5, 0, 1))].into_iter().collect();
    let bytes = one.encode();
    // A non-shortest integer: the wall clock 5 as 0x85 0x00.
    let mut long = bytes[..2].to_vec();
    long.extend_from_slice(&[0x85, 0x00]);
    long.extend_from_slice(&bytes[3..]);
    assert!(RecordClocks::decode(&long).is_err());
    // A clock that no field uses.
    let two: RecordClocks = [
        ("text".to_owned(), clock(5, 0, 1)),
        ("id".to_owned(), clock(6, 0, 1)),
    ]
    .into_iter()
    .collect();
    let mut unused = two.encode();
    // Fields in order: "id" (clock 1), then "text" (clock 0); point "id" at clock 0 too.
    let id_clock = unused.len() - 3;
    assert_eq!(unused[id_clock], 1);
    unused[id_clock] = 0;
    assert!(RecordClocks::decode(&unused).is_err());
}

fn any_clock() -> impl Strategy<Value = Hlc> {
    (any::<u64>(), any::<u32>(), any::<u8>()).prop_map(|(w, c, n)| clock(w, c, n))
}

fn any_name() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..FIELD_NAMES.len()).prop_map(|i| FIELD_NAMES[i].to_owned()),
        "[a-z_é]{0,20}",
    ]
}

proptest! {
    #[test]
    fn every_record_round_trips(fields in prop::collection::btree_map(any_name(), any_clock(), 0..30)) {
        let clocks = RecordClocks { fields };
        prop_assert_eq!(RecordClocks::decode(&clocks.encode()), Ok(clocks));
    }

    #[test]
    fn any_bytes_decode_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(clocks) = RecordClocks::decode(&bytes) {
            prop_assert_eq!(clocks.encode(), bytes);
        }
    }
}
