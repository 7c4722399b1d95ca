//! The "Due for review" page's HTML: the team's records due for review or past their date,
//! each by kind and a label that names no one (kind, short id, dates: never a personal value),
//! with a form to retain it (a new review date and a reason) and one to dispose of it (a
//! reason). Both forms carry the session's CSRF token.

use crate::retention::DueRecord;
use beatbook_core::retention::{Disposal, RetentionSchedule};
use chrono::{DateTime, Duration, Utc};
use maud::{html, Markup};

/// What the page says above the list: done (a status) or refused (an alert).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Done(String),
    Refused(String),
}

fn day(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y").to_string()
}

/// The list at `now`, with the forms; `notice` what the last decision did or why it was refused.
pub fn due_page(
    due: &[DueRecord],
    schedule: &RetentionSchedule,
    now: DateTime<Utc>,
    csrf: &str,
    notice: Option<&Notice>,
) -> Markup {
    // A suggestion only: half a year past the list's horizon, so a record retained leaves it.
    let suggested = (now + Duration::days(i64::from(schedule.notice_days) + 180))
        .format("%Y-%m-%d")
        .to_string();
    let tomorrow = (now + Duration::days(1)).format("%Y-%m-%d").to_string();
    html! {
        @match notice {
            Some(Notice::Done(text)) => p.notice role="status" #done { (text) },
            Some(Notice::Refused(text)) => p.notice role="alert" #refused { (text) },
            None => {},
        }
        p { "Your team's records whose review date is within " (schedule.notice_days)
            " days, or has passed (the server disposes of those at its next sweep unless you "
            "retain them). Retain a record with a new review date and a reason, or dispose of it "
            "now: a contact's personal details are redacted, any other record is erased with "
            "what hangs off it. Your team's devices get the decision at their next sync, and it "
            "is logged." }
        @if due.is_empty() { p #none-due { "Nothing of your team is due for review." } } @else {
            table #due {
                thead { tr {
                    th scope="col" { "Kind" } th scope="col" { "Record" }
                    th scope="col" { "From" } th scope="col" { "Review date" }
                    th scope="col" { "Retain" } th scope="col" { "Dispose" }
                } }
                tbody { @for d in due {
                    @let key = format!("{}-{}", d.kind, d.record_id);
                    tr.due data-kind=(d.kind.as_str()) data-record=(d.record_id) {
                        td { (super::views::words(d.kind.as_str())) }
                        td { (d.label()) }
                        td { (d.anchor.map(day).unwrap_or_else(|| "–".into())) }
                        td {
                            (day(d.review_on))
                            @if d.expired { " " strong { "(passed)" } }
                            @if d.retained { " " span.muted { "(retained before)" } }
                        }
                        td {
                            form.retain method="post" action="/web/retention/retain" {
                                input type="hidden" name="csrf" value=(csrf);
                                input type="hidden" name="kind" value=(d.kind.as_str());
                                input type="hidden" name="record" value=(d.record_id);
                                label for=(format!("until-{key}")) { "Keep until" }
                                input #(format!("until-{key}")) type="date" name="review_on"
                                    required min=(tomorrow) value=(suggested);
                                label for=(format!("why-keep-{key}")) { "Reason" }
                                input #(format!("why-keep-{key}")) type="text" name="reason"
                                    required maxlength="200";
                                button type="submit" { "Retain" }
                            }
                        }
                        td {
                            form.dispose method="post" action="/web/retention/dispose" {
                                input type="hidden" name="csrf" value=(csrf);
                                input type="hidden" name="kind" value=(d.kind.as_str());
                                input type="hidden" name="record" value=(d.record_id);
                                label for=(format!("why-dispose-{key}")) { "Reason" }
                                input #(format!("why-dispose-{key}")) type="text" name="reason"
                                    required maxlength="500";
                                button type="submit" {
                                    @if d.kind.disposal() == Disposal::Redact { "Redact now" }
                                    @else { "Erase now" }
                                }
                            }
                        }
                    }
                } }
            }
        }
    }
}
