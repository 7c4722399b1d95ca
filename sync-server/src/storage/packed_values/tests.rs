use super::*;
use proptest::prelude::*;
use sha2::{Digest, Sha256};

const CONTACT: &str = r#"{"audience":"resident","consent_to_recontact":false,"correction_reason":null,"created_at":"2026-12-04T05:14:00.147826Z","follow_up_id":"01a23f79-3e53-756a-8f54-80075e46a723","id":"01a23f79-3e53-756a-8f54-8008b5ca40f7","issues":["anti-social-behaviour"],"issues_text":"Speeding cars near the shops on Elm Road, evenings mostly","lap_code":null,"lsoa_code":"E01027461","method":"phone","occurred_at":"2025-12-04T05:35:16.930618Z","patrol_id":null,"people_count":2,"place":{"lat":52.436290885,"lon":-1.583833785},"problem_id":null,"promised":"Ask the council about the streetlight and call back","recorded_by":"01a23f79-3dae-72a5-ae3c-ff15c2e88d09","redacted_at":null,"repeat_caller":false,"repeat_location":false,"updated_at":"2026-12-04T05:14:00.147826Z","vulnerable":false}"#;

fn round_trip(json: &str) -> String {
    let packed = pack(json).unwrap_or_else(|e| panic!("pack: {e}"));
    assert_eq!(packed.first(), Some(&DICTIONARY_V1));
    unpack(&packed)
        .unwrap_or_else(|e| panic!("unpack: {e}"))
        .into_owned()
}

#[test]
fn values_come_back_as_they_were_packed() {
    for json in [CONTACT, "{}", r#"{"text":"Café — “quoted” ✓"}"#] {
        assert_eq!(round_trip(json), json);
    }
    let long = format!(r#"{{"text":"{}"}}"#, "observations ".repeat(20_000));
    assert_eq!(round_trip(&long), long);
}

#[test]
fn a_contact_packs_to_well_under_half_its_json() {
    let packed = pack(CONTACT).unwrap_or_default();
    assert!(
        packed.len() * 5 < CONTACT.len() * 2,
        "{} bytes packed from {}",
        packed.len(),
        CONTACT.len()
    );
}

#[test]
fn plain_json_written_before_the_packed_form_is_read_as_it_is() {
    let read = unpack(CONTACT.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(read, Cow::Borrowed(_)));
    assert_eq!(read, CONTACT);
}

#[test]
fn damaged_or_unknown_stored_values_are_a_corrupt_store_not_a_panic() {
    let packed = pack(CONTACT).unwrap_or_default();
    let truncated = &packed[..packed.len() / 2];
    let mut flipped = packed.clone();
    if let Some(byte) = flipped.get_mut(5) {
        *byte ^= 0xff;
    }
    let mut unknown = packed.clone();
    unknown[0] = 2;
    for stored in [
        &b""[..],
        truncated,
        &unknown,
        &[DICTIONARY_V1][..],
        b"[1,2]",
    ] {
        assert!(
            matches!(unpack(stored), Err(StorageError::Corrupt(_))),
            "{stored:?}"
        );
    }
    // A flipped byte either fails to inflate or inflates to other bytes: never the record.
    assert_ne!(unpack(&flipped).ok().as_deref(), Some(CONTACT));
}

#[test]
fn a_stream_that_would_inflate_past_a_records_limit_is_refused() {
    let huge = format!(r#"{{"text":"{}"}}"#, "a".repeat(MAX_VALUES_BYTES + 10));
    let packed = pack(&huge).unwrap_or_default();
    assert!(packed.len() < 100_000, "deflated to {}", packed.len());
    assert!(matches!(unpack(&packed), Err(StorageError::Corrupt(_))));
}

#[test]
fn dictionary_v1_is_never_edited() {
    // Stored rows inflate only with exactly these bytes: a new dictionary is a new first byte.
    let digest = Sha256::digest(DICTIONARY);
    assert_eq!(
        crate::storage::audit_chain::hex(&digest),
        "7e0e473d4a04cfdff5281fc84d8285ff8e6e06ca16f3d8817914da2814239e21"
    );
}

proptest! {
    #[test]
    fn any_values_object_survives_packing(
        values in proptest::collection::btree_map("[a-z_]{1,20}", ".{0,80}", 0..30)
    ) {
        let json = serde_json::to_string(&values).unwrap_or_default();
        prop_assert_eq!(round_trip(&json), json);
    }
}

#[test]
fn a_packed_row_cut_short_or_followed_by_other_bytes_inflates_as_far_as_it_goes() {
    let packed = pack(CONTACT).unwrap_or_default();
    let mut followed = packed[1..].to_vec();
    followed.extend_from_slice(&[0xAB; 100]);
    assert_eq!(inflate_prefix(&followed, 1 << 20), CONTACT.as_bytes());
    let cut = &packed[1..packed.len() / 2];
    let start = inflate_prefix(cut, 1 << 20);
    assert!(!start.is_empty() && CONTACT.as_bytes().starts_with(&start));
    assert_eq!(inflate_prefix(&packed[1..], 10), &CONTACT.as_bytes()[..10]);
    assert!(inflate_prefix(&[0xFF; 64], 1 << 20).len() < 64);
}
