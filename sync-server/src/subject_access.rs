//! Subject access (DPA 2018 s.45): every record on the server that holds or names a person,
//! found by what the person gave — a name, a phone number, an email, an address, any words —
//! and exported for the data protection officer, with the search and the export logged.
//!
//! The search reads every team's records through the same feed the devices pull (so it sees
//! what the devices hold, on either backend) and looks in every text value of a record:
//! personal details, what was raised and promised at a contact, notes, patrol observations, a
//! problem's title, summary and analysis triangle (offender, victim, …), its steps. Matching is
//! tolerant of case and spacing ("jane  SMITH" finds "Jane Smith"), every word of a term must
//! appear, and a phone number matches on its digits alone ("07700 900123" finds
//! "07700900123"). It reads the whole store: a rare, deliberate task, not an interactive one.
//!
//! Logged before anything is shown or written: the search as a consultation (with its
//! justification; never the search terms, which are themselves personal data), and each record
//! exported as a disclosure with its recipient. A search whose log entry cannot be written does
//! not run.

use crate::storage::{FeedFilter, ServerAudit, StorageResult, SyncStorage};
use beatbook_core::audit::AuditAction;
use beatbook_core::ids::{TeamId, UserId};
use beatbook_core::spreadsheet::spreadsheet_safe;
use beatbook_core::sync::RecordKind;
use serde::Serialize;
use serde_json::{Map, Value};

/// The kinds a person can be named in.
const KINDS: &[RecordKind] = &[
    RecordKind::ContactPersonal,
    RecordKind::Contact,
    RecordKind::FollowUp,
    RecordKind::Note,
    RecordKind::Patrol,
    RecordKind::Problem,
    RecordKind::ProblemStep,
    RecordKind::StageRequest,
    RecordKind::Conflict,
];
/// Records read per feed page.
const PAGE: u32 = 500;
/// Digits a term needs to be compared as a phone number.
const PHONE_DIGITS: usize = 6;

/// One record that holds or names the person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Found {
    pub kind: RecordKind,
    pub record_id: String,
    pub team_id: TeamId,
    /// The fields where a term was found (dotted for nested values: `triangle.victim`).
    pub matched_fields: Vec<String>,
    /// The record as the server holds it.
    pub fields: Map<String, Value>,
}

/// What was asked and why.
#[derive(Debug, Clone)]
pub struct Request {
    pub terms: Vec<String>,
    pub justification: String,
    pub at_ms: i64,
}

/// Searches every team's records; the search is logged first.
pub fn search(storage: &dyn SyncStorage, request: &Request) -> StorageResult<Vec<Found>> {
    let terms: Vec<Term> = request.terms.iter().filter_map(|t| Term::new(t)).collect();
    storage.append_audit(&ServerAudit {
        justification: Some(request.justification.clone()),
        detail: Some(format!(
            "subject access search: {} terms over {} record kinds",
            terms.len(),
            KINDS.len()
        )),
        ..ServerAudit::new(request.at_ms, AuditAction::Consultation, "subject_access")
    })?;
    let mut found = Vec::new();
    for team in storage.teams()? {
        let filter = FeedFilter {
            team_id: Some(team.id),
            team_kinds: KINDS.to_vec(),
            member_kinds: Vec::new(),
            member: UserId(uuid::Uuid::nil()),
            global_kinds: Vec::new(),
            echoes_of: None,
            retention: None,
        };
        let mut after = 0;
        loop {
            let page = storage.feed_page(&filter, after, PAGE)?;
            for row in &page.rows {
                after = after.max(row.seq);
                if row.state.erased {
                    continue;
                }
                let values = row.state.fields.iter().map(|(name, s)| (name, &s.value));
                let matched = matched_fields(values, &terms);
                if !matched.is_empty() {
                    // Copied only for a record that names the person.
                    let fields: Map<String, Value> = row
                        .state
                        .fields
                        .iter()
                        .map(|(name, state)| (name.clone(), state.value.clone()))
                        .collect();
                    found.push(Found {
                        kind: row.kind,
                        record_id: row.record_id.clone(),
                        team_id: team.id,
                        matched_fields: matched,
                        fields,
                    });
                }
            }
            if !page.has_more || page.rows.is_empty() {
                break;
            }
        }
    }
    Ok(found)
}

/// Logs each record's disclosure to `recipient`, all in one append, before the export is
/// written.
pub fn log_disclosure(
    storage: &dyn SyncStorage,
    found: &[Found],
    recipient: &str,
    justification: &str,
    at_ms: i64,
) -> StorageResult<()> {
    let entries: Vec<ServerAudit> = found
        .iter()
        .map(|f| ServerAudit {
            record_id: Some(f.record_id.clone()),
            recipient: Some(recipient.to_owned()),
            justification: Some(justification.to_owned()),
            detail: Some(format!(
                "subject access export; fields {}",
                f.matched_fields.join(", ")
            )),
            ..ServerAudit::new(at_ms, AuditAction::Disclosure, f.kind.as_str())
        })
        .collect();
    storage.append_audits(&entries)
}

/// The records as CSV: one row per text or number value (`kind,record_id,field,value`), every
/// cell defused against formula injection.
pub fn to_csv(found: &[Found]) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["kind", "record_id", "team_id", "field", "value"])?;
    for f in found {
        for (field, value) in flatten_fields(&f.fields) {
            out.write_record([
                f.kind.as_str(),
                &f.record_id,
                &f.team_id.to_string(),
                &field,
                &spreadsheet_safe(&value),
            ])?;
        }
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A search term, normalised once.
#[derive(Debug, Clone)]
struct Term {
    /// Lower case words.
    words: Vec<String>,
    /// The digits, when the term reads as a phone number.
    digits: Option<String>,
}

impl Term {
    fn new(typed: &str) -> Option<Term> {
        let words: Vec<String> = typed.split_whitespace().map(str::to_lowercase).collect();
        if words.is_empty() {
            return None;
        }
        let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
        let phone_like = typed
            .chars()
            .all(|c| c.is_ascii_digit() || " +()-.".contains(c));
        Some(Term {
            words,
            digits: (phone_like && digits.len() >= PHONE_DIGITS).then_some(digits),
        })
    }

    fn found_in(&self, text: &str) -> bool {
        if let Some(digits) = &self.digits {
            let text_digits: String = text.chars().filter(char::is_ascii_digit).collect();
            if text_digits.contains(digits.as_str()) {
                return true;
            }
        }
        let text = squeeze(text);
        self.words.iter().all(|w| text.contains(w.as_str()))
    }
}

/// Lower case, words separated by single spaces.
fn squeeze(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The fields (dotted paths) of `fields` where any term is found.
fn matched_fields<'a>(
    fields: impl IntoIterator<Item = (&'a String, &'a Value)>,
    terms: &[Term],
) -> Vec<String> {
    let mut matched: Vec<String> = flatten_fields(fields)
        .into_iter()
        .filter(|(_, text)| terms.iter().any(|t| t.found_in(text)))
        .map(|(path, _)| path)
        .collect();
    matched.dedup();
    matched
}

/// Every string and number in a record's fields, with its dotted path.
fn flatten_fields<'a>(
    fields: impl IntoIterator<Item = (&'a String, &'a Value)>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, value) in fields {
        flatten(name, value, &mut out);
    }
    out
}

/// Every string and number in `value`, with its dotted path (array items share their field's
/// path).
fn flatten(path: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => out.push((path.to_owned(), s.clone())),
        Value::Number(n) => out.push((path.to_owned(), n.to_string())),
        Value::Array(items) => items.iter().for_each(|v| flatten(path, v, out)),
        Value::Object(map) => {
            for (name, v) in map {
                let inner = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                flatten(&inner, v, out);
            }
        }
        Value::Bool(_) | Value::Null => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().cloned().expect("an object")
    }

    fn terms(typed: &[&str]) -> Vec<Term> {
        typed.iter().filter_map(|t| Term::new(t)).collect()
    }

    #[test]
    fn names_match_whatever_the_case_and_spacing_and_phones_on_digits() {
        let personal = fields(json!({
            "name": "Jane Smith", "phone": "07700900123", "email": null, "address": "4 Elm Row"
        }));
        assert_eq!(
            matched_fields(&personal, &terms(&["  jane   SMITH "])),
            vec!["name"]
        );
        assert_eq!(
            matched_fields(&personal, &terms(&["07700 900 123"])),
            vec!["phone"]
        );
        assert_eq!(
            matched_fields(&personal, &terms(&["smith jane"])),
            vec!["name"],
            "every word, in any order"
        );
        assert!(matched_fields(&personal, &terms(&["john smith"])).is_empty());
        assert!(matched_fields(&personal, &terms(&["   "])).is_empty());
    }

    #[test]
    fn nested_free_text_such_as_a_problems_triangle_is_searched() {
        let problem = fields(json!({
            "title": "Garage burglaries",
            "triangle": { "offender": "Two youths", "victim": "Mrs J. Smith at No. 4" },
            "responses": [{ "description": "Visit Jane Smith", "partner": null }]
        }));
        let matched = matched_fields(&problem, &terms(&["smith"]));
        assert_eq!(matched, vec!["responses.description", "triangle.victim"]);
    }

    #[test]
    fn the_csv_has_a_row_per_value_and_defuses_formulas() {
        let found = vec![Found {
            kind: RecordKind::Note,
            record_id: "n1".into(),
            team_id: TeamId(uuid::Uuid::nil()),
            matched_fields: vec!["text".into()],
            fields: fields(json!({ "text": "=HYPERLINK(\"x\") Jane Smith", "author": "u1" })),
        }];
        let csv = to_csv(&found).expect("csv");
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "kind,record_id,team_id,field,value");
        assert_eq!(lines.len(), 3, "{csv}");
        assert!(csv.contains("'=HYPERLINK"), "{csv}");
    }
}
