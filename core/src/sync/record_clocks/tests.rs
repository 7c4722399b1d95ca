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
fn each_vocabulary_field_is_found_by_its_number_and_nothing_else_is() {
    for (number, name) in FIELD_NAMES.iter().enumerate() {
        assert_eq!(field_number(name), Some(number), "{name}");
    }
    for stranger in ["", "zzz_newer_field", "ID", "id ", "a"] {
        assert_eq!(field_number(stranger), None, "{stranger:?}");
    }
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
    assert_eq!(RecordClocks::decode(&bytes), Ok(clocks.clone()));
    // Version 2: the fields as a bitmap, a clock index each (two clocks).
    let dense = clocks.encode_v2();
    assert!(
        dense.len() + 16 <= bytes.len(),
        "{} against {}",
        dense.len(),
        bytes.len()
    );
    assert_eq!(RecordClocks::decode(&dense), Ok(clocks.clone()));
    // Under one clock, no index at all: the clocks, a bitmap and a count.
    let one: RecordClocks = clocks
        .fields
        .keys()
        .map(|name| (name.clone(), created))
        .collect();
    let dense = one.encode_v2();
    assert!(
        dense.len() + 30 <= one.encode().len(),
        "{} against {}",
        dense.len(),
        one.encode().len()
    );
    assert_eq!(RecordClocks::decode(&dense), Ok(one));
}

/// `clocks` in version 2, then changed by `edit`.
fn v2_with(clocks: &RecordClocks, edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut bytes = clocks.encode_v2();
    edit(&mut bytes);
    bytes
}

#[test]
fn damaged_version_2_bytes_are_refused_not_misread() {
    // One clock, field "id" (number 0): [2, 1, wall 5, counter 0, node×16, bitmap len 1, 0b1, 0].
    let one: RecordClocks = [("id".to_owned(), clock(5, 0, 1))].into_iter().collect();
    let bytes = one.encode_v2();
    assert_eq!(bytes.len(), 1 + 1 + 2 + 16 + 2 + 1);
    assert_eq!(RecordClocks::decode(&bytes), Ok(one.clone()));
    let bitmap_at = bytes.len() - 3;
    assert_eq!(&bytes[bitmap_at..], &[1, 0b1, 0]);
    // A trailing zero byte in the bitmap: a second spelling.
    let padded = v2_with(&one, |b| {
        b.splice(bitmap_at..bitmap_at + 2, [2, 0b1, 0]);
    });
    assert!(RecordClocks::decode(&padded).is_err());
    // A field number past the vocabulary.
    let past = FIELD_NAMES.len();
    let unknown = v2_with(&one, |b| {
        let mut map = vec![0u8; past / 8 + 1];
        map[past / 8] = 1 << (past % 8);
        let mut tail = vec![map.len() as u8];
        tail.extend(map);
        tail.push(0);
        b.splice(bitmap_at.., tail);
    });
    assert!(RecordClocks::decode(&unknown).is_err());
    // A vocabulary name spelled out instead of numbered.
    let spelled = v2_with(&one, |b| {
        b.splice(bitmap_at.., [0, 1, 2, b'i', b'd']);
    });
    assert!(RecordClocks::decode(&spelled).is_err());
    // A clock no field has: no fields at all under one clock.
    let unused = v2_with(&one, |b| {
        b.splice(bitmap_at.., [0, 0]);
    });
    assert!(RecordClocks::decode(&unused).is_err());
    // Cut short, or with a byte after the end.
    assert!(RecordClocks::decode(&bytes[..bytes.len() - 1]).is_err());
    let trailing = v2_with(&one, |b| b.push(0));
    assert!(RecordClocks::decode(&trailing).is_err());
    // Two clocks: each field names its clock, and one pointing past them is refused.
    let two: RecordClocks = [
        ("id".to_owned(), clock(5, 0, 1)),
        ("text".to_owned(), clock(6, 0, 1)),
    ]
    .into_iter()
    .collect();
    let bytes = two.encode_v2();
    assert_eq!(RecordClocks::decode(&bytes), Ok(two.clone()));
    let out_of_range = v2_with(&two, |b| {
        let last_index = b.len() - 2;
        b[last_index] = 2;
    });
    assert!(RecordClocks::decode(&out_of_range).is_err());
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
    version[0] = 3;
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
    fn every_record_round_trips_in_version_2(
        fields in prop::collection::btree_map(any_name(), any_clock(), 0..30),
    ) {
        let clocks = RecordClocks { fields };
        let dense = clocks.encode_v2();
        prop_assert!(dense.len() <= clocks.encode().len() + FIELD_NAMES.len() / 8 + 2);
        prop_assert_eq!(RecordClocks::decode(&dense), Ok(clocks));
    }

    #[test]
    fn any_bytes_decode_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(clocks) = RecordClocks::decode(&bytes) {
            prop_assert_eq!(reencoded(&clocks, &bytes), bytes);
        }
    }

    #[test]
    fn version_2_bytes_decode_or_fail_cleanly(
        fields in prop::collection::btree_map(any_name(), any_clock(), 0..6),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut bytes = RecordClocks { fields }.encode_v2();
        let at = at.index(bytes.len());
        bytes[at] = byte;
        if let Ok(clocks) = RecordClocks::decode(&bytes) {
            prop_assert_eq!(reencoded(&clocks, &bytes), bytes);
        }
    }
}

/// `clocks` encoded again in the version `bytes` were written in.
fn reencoded(clocks: &RecordClocks, bytes: &[u8]) -> Vec<u8> {
    if bytes.first() == Some(&2) {
        clocks.encode_v2()
    } else {
        clocks.encode()
    }
}

#[test]
fn the_version_2_layout_is_as_documented() {
    // Two clocks; "id" (field 0) under the first, "created_at" (field 1) and a name outside
    // the vocabulary under the second (the fuzz corpus's seed `clocks-v2-two-clocks-spelled`).
    let mut bytes = vec![2, 2, 5, 0];
    bytes.extend([1; 16]);
    bytes.extend([6, 0]);
    bytes.extend([2; 16]);
    bytes.extend([1, 0b11, 0, 1, 1, 6]);
    bytes.extend(b"zz_new");
    bytes.push(1);
    let expected: RecordClocks = [
        ("id".to_owned(), clock(5, 0, 1)),
        ("created_at".to_owned(), clock(6, 0, 2)),
        ("zz_new".to_owned(), clock(6, 0, 2)),
    ]
    .into_iter()
    .collect();
    assert_eq!(RecordClocks::decode(&bytes), Ok(expected.clone()));
    assert_eq!(expected.encode_v2(), bytes);
}

proptest! {
    /// Clocks encoded from borrowed fields are the bytes of the same clocks encoded whole.
    #[test]
    fn clocks_encoded_from_borrowed_fields_match_the_whole_record(
        fields in proptest::collection::btree_map(
            prop_oneof![
                (0..FIELD_NAMES.len()).prop_map(|i| FIELD_NAMES[i].to_owned()),
                "[a-z_]{1,12}",
            ],
            (0u64..5, 0u32..3, 0u8..3).prop_map(|(wall, counter, byte)| clock(wall, counter, byte)),
            0..30,
        )
    ) {
        let whole = RecordClocks { fields: fields.clone() };
        let borrowed = RecordClocks::encode_v2_of(fields.iter().map(|(n, c)| (n.as_str(), *c)));
        prop_assert_eq!(&borrowed, &whole.encode_v2());
        prop_assert_eq!(RecordClocks::decode(&borrowed).ok(), Some(whole));
    }
}
