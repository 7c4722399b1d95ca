//! The contacts CSV as a spreadsheet user receives it: formula-safe text, officers by name,
//! local times with their offset, coordinates to 5 decimal places, and a BOM for Excel.

use crate::common::{self, Fixture};
use beatbook_core::model::*;
use beatbook_core::store::{ExportOptions, ExportPeriod};
use chrono::{DateTime, Duration, Local, TimeZone, Utc};

fn export(f: &Fixture, actor: &Actor, options: ExportOptions) -> Vec<u8> {
    let from = Utc
        .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .expect("time");
    let period = ExportPeriod {
        from,
        to: from + Duration::days(30),
    };
    let mut out = Vec::new();
    f.store
        .export_contacts_csv_with(actor, period, "LAP meeting", options, &mut out)
        .expect("export");
    out
}

fn rows(bytes: &[u8]) -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_reader(bytes);
    reader.records().collect::<Result<_, _>>().expect("csv")
}

#[test]
fn the_export_is_safe_and_readable_in_a_spreadsheet() {
    let f = Fixture::new();
    let pcso = f.actor(Role::Pcso, "=Sam Pike");
    let occurred_at = Utc
        .with_ymd_and_hms(2026, 11, 27, 11, 0, 0)
        .single()
        .expect("time");
    f.store
        .record_contact(
            &pcso,
            NewContact {
                issues_text: Some("=HYPERLINK(\"http://example.invalid\",\"click\")".into()),
                promised: Some("@SUM(1)".into()),
                ..common::plain_contact(occurred_at, GeoPoint::new(52.4123456789, -1.5123456789))
            },
        )
        .expect("record");

    let plain = export(&f, &pcso, ExportOptions::default());
    assert!(!plain.starts_with(b"\xEF\xBB\xBF"), "no BOM unless asked");
    let records = rows(&plain);
    assert_eq!(records.len(), 1);
    let row = &records[0];
    let mut reader = csv::Reader::from_reader(plain.as_slice());
    let header = reader.headers().expect("header").clone();
    let cell = |name: &str| {
        let at = header.iter().position(|h| h == name).expect(name);
        row.get(at).expect("cell").to_owned()
    };
    assert_eq!(
        cell("issues_text"),
        "'=HYPERLINK(\"http://example.invalid\",\"click\")"
    );
    assert_eq!(cell("promised"), "'@SUM(1)");
    assert_eq!(
        cell("recorded_by"),
        "'=Sam Pike",
        "officers by name, defused"
    );
    assert_eq!(cell("lat"), "52.41235");
    assert_eq!(cell("lon"), "-1.51235", "a negative number stays a number");
    let written = DateTime::parse_from_rfc3339(&cell("occurred_at_local")).expect("rfc3339");
    assert_eq!(written.with_timezone(&Utc), occurred_at, "the same instant");
    assert_eq!(
        *written.offset(),
        *occurred_at.with_timezone(&Local).offset(),
        "written in the device's local time, with its offset"
    );

    let excel = export(&f, &pcso, ExportOptions { excel: true });
    assert_eq!(&excel[..3], b"\xEF\xBB\xBF", "Excel's UTF-8 BOM first");
    assert_eq!(&excel[3..], plain.as_slice(), "then the same CSV");
}
