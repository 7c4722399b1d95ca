//! A record's report reach (`beatbook_core::reports::report_until_day`, the key of the server's
//! index of records by report time) against the rules of what a report of a period reads
//! (`SyncedFacts::for_period`). The first byte picks the kind (contact, patrol, follow-up), the
//! next eight the period (its start as seconds from 2026-01-01 and its length), the rest is the
//! record's values as JSON.
//!
//! Checked: working out a reach never panics, and a record whose facts a period's report keeps
//! always reaches that period's day — the server's index never leaves out what the report
//! reads, whatever the values (times the two parsers might read differently included).

#![no_main]

use beatbook_core::reports::{read_from_day, report_until_day, Period, SyncedFacts};
use beatbook_core::sync::RecordKind;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

const KINDS: [RecordKind; 3] = [
    RecordKind::Contact,
    RecordKind::Patrol,
    RecordKind::FollowUp,
];
/// 2026-01-01T00:00:00Z.
const BASE: i64 = 1_767_225_600;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    if rest.len() < 8 {
        return;
    }
    let (period_bytes, json) = rest.split_at(8);
    let start = i64::from(i32::from_le_bytes([
        period_bytes[0],
        period_bytes[1],
        period_bytes[2],
        period_bytes[3],
    ]));
    let length = i64::from(u32::from_le_bytes([
        period_bytes[4],
        period_bytes[5],
        period_bytes[6],
        period_bytes[7],
    ]));
    let (Some(from), Some(to)) = (
        chrono::DateTime::from_timestamp(BASE + start, 0),
        chrono::DateTime::from_timestamp(BASE + start + length, 0),
    ) else {
        return;
    };
    let Ok(period) = Period::new(from, to) else {
        return;
    };
    let Ok(values) = serde_json::from_slice::<Map<String, Value>>(json) else {
        return;
    };
    let kind = KINDS[usize::from(pick) % KINDS.len()];
    let reach = report_until_day(kind, |field| values.get(field)).expect("a kind reports read");
    let mut facts = SyncedFacts::for_period(period);
    facts.add_object(kind, values);
    let data = facts.finish();
    if !(data.contacts.is_empty() && data.patrols.is_empty() && data.follow_ups.is_empty()) {
        assert!(
            reach >= read_from_day(period.from),
            "a record the period reads has a reach before it: {reach}"
        );
    }
});
