//! The performance report page: a period chosen in a form, the headline figures with the trend
//! against the period of the same length just before, charts drawn on the server, the split per
//! officer and per area. Printed (or saved as PDF) for the Local Area Partnership meeting with
//! the print style sheet, which drops the navigation and the form.

use super::charts::{bars, number, Bar};
use super::team::MemberFigures;
use super::views::{percent, trend, words};
use beatbook_core::reports::Report;
use chrono::NaiveDate;
use maud::{html, Markup};

/// The period as the form shows it: first and last day, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

fn kind_bars(now: &Report, previous: &Report) -> Vec<Bar> {
    now.patrol_hours
        .by_kind
        .iter()
        .map(|k| Bar {
            label: words(k.kind.as_str()),
            value: k.hours,
            previous: Some(
                previous
                    .patrol_hours
                    .by_kind
                    .iter()
                    .find(|p| p.kind == k.kind)
                    .map_or(0.0, |p| p.hours),
            ),
        })
        .collect()
}

fn method_bars(now: &Report, previous: &Report) -> Vec<Bar> {
    now.engagement
        .by_method
        .iter()
        .map(|g| Bar {
            label: g.label.clone(),
            value: g.contacts as f64,
            previous: Some(
                previous
                    .engagement
                    .by_method
                    .iter()
                    .find(|p| p.key == g.key)
                    .map_or(0.0, |p| p.contacts as f64),
            ),
        })
        .collect()
}

fn member_bars(
    now: &[MemberFigures],
    previous: &[MemberFigures],
    value: impl Fn(&MemberFigures) -> f64,
) -> Vec<Bar> {
    now.iter()
        .map(|m| Bar {
            label: m.name.clone(),
            value: value(m),
            previous: previous.iter().find(|p| p.user == m.user).map(&value),
        })
        .collect()
}

/// The whole report page body.
#[allow(clippy::too_many_arguments)]
pub fn report(
    csrf: &str,
    days: Days,
    previous_days: Days,
    now: &Report,
    previous: &Report,
    members: &[MemberFigures],
    previous_members: &[MemberFigures],
) -> Markup {
    let headline: Vec<(&str, f64, f64, String, String)> = vec![
        row(
            "Patrols",
            now.patrol_hours.patrols as f64,
            previous.patrol_hours.patrols as f64,
        ),
        row(
            "Patrol hours",
            now.patrol_hours.hours,
            previous.patrol_hours.hours,
        ),
        row(
            "Person-hours on patrol",
            now.patrol_hours.person_hours,
            previous.patrol_hours.person_hours,
        ),
        row(
            "Contacts",
            now.engagement.contacts as f64,
            previous.engagement.contacts as f64,
        ),
        row(
            "People engaged",
            now.engagement.people as f64,
            previous.engagement.people as f64,
        ),
        row(
            "Follow-ups promised",
            now.follow_ups.promised as f64,
            previous.follow_ups.promised as f64,
        ),
        row(
            "Overdue follow-ups at the end",
            now.follow_ups.overdue_at_end as f64,
            previous.follow_ups.overdue_at_end as f64,
        ),
        row(
            "Problems opened",
            now.problems.opened as f64,
            previous.problems.opened as f64,
        ),
        row(
            "Problems closed",
            now.problems.closed as f64,
            previous.problems.closed as f64,
        ),
    ];
    html! {
        form.period method="get" action="/web/report" {
            label for="from" { "First day" }
            input #from type="date" name="from" value=(days.first) required;
            label for="to" { "Last day" }
            input #to type="date" name="to" value=(days.last) required;
            button type="submit" { "Show" }
            span.hint { "To print or save as PDF for the LAP meeting, use your browser's Print." }
        }
        form.export method="post" action="/web/report.csv" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="from" value=(days.first);
            input type="hidden" name="to" value=(days.last);
            label for="export-why" { "Why the figures leave Beatbook (logged as a disclosure)" }
            input #export-why type="text" name="justification" required minlength="10" maxlength="500";
            button type="submit" { "Download CSV" }
        }
        p.period-said #period {
            "From " (days.first.format("%-d %B %Y")) " to " (days.last.format("%-d %B %Y"))
            ", against " (previous_days.first.format("%-d %B")) " to "
            (previous_days.last.format("%-d %B %Y")) "."
        }
        section aria-labelledby="headline-h" {
            h2 #headline-h { "Headline figures" }
            table #headline {
                thead { tr { th scope="col" { "Figure" } th scope="col" { "This period" }
                    th scope="col" { "Previous period" } th scope="col" { "Trend" } } }
                tbody {
                    @for (name, value, before, value_text, before_text) in &headline { tr {
                        th scope="row" { (name) } td { (value_text) } td { (before_text) }
                        td { (trend(*value, *before)) }
                    } }
                    tr {
                        th scope="row" { "Answered within 72 hours" }
                        td { (percent(now.follow_ups.share_within_72h)) }
                        td { (percent(previous.follow_ups.share_within_72h)) }
                        td { (match (now.follow_ups.share_within_72h, previous.follow_ups.share_within_72h) {
                            (Some(a), Some(b)) => trend((a * 100.0).round(), (b * 100.0).round()),
                            _ => html! { "–" },
                        }) }
                    }
                }
            }
        }
        section.charts aria-labelledby="charts-h" {
            h2 #charts-h { "Patrol and engagement" }
            (bars("Patrol hours by kind of patrol", "h", &kind_bars(now, previous)))
            (bars("Contacts by method", "", &method_bars(now, previous)))
        }
        section.charts aria-labelledby="officers-h" {
            h2 #officers-h { "Per officer" }
            (bars("Patrol hours per officer (patrols they recorded or joined)", "h",
                &member_bars(members, previous_members, |m| m.patrol_hours)))
            (bars("Contacts recorded per officer", "",
                &member_bars(members, previous_members, |m| m.contacts as f64)))
            table #per-officer {
                thead { tr { th scope="col" { "Officer" } th scope="col" { "Patrols" }
                    th scope="col" { "Patrol hours" } th scope="col" { "Contacts" }
                    th scope="col" { "People" } th scope="col" { "Promises" }
                    th scope="col" { "Within 72 h" } } }
                tbody { @for m in members { tr {
                    th scope="row" { (m.name) } td { (m.patrols) } td { (number(m.patrol_hours)) }
                    td { (m.contacts) } td { (m.people) } td { (m.promised) }
                    td { (percent(m.share_within_72h)) }
                } } }
            }
        }
        section aria-labelledby="areas-h" {
            h2 #areas-h { "Per area" }
            (bars("Patrol hours by area", "h", &now.patrol_hours.by_area.iter().map(|a| Bar {
                label: a.name.clone(), value: a.hours, previous: None }).collect::<Vec<_>>()))
            (bars("Contacts by neighbourhood (LSOA)", "", &now.engagement.by_lsoa.iter().map(|g| Bar {
                label: g.label.clone(), value: g.contacts as f64, previous: None }).collect::<Vec<_>>()))
        }
        section aria-labelledby="sara-h" {
            h2 #sara-h { "SARA problems at the end of the period" }
            table {
                thead { tr { th scope="col" { "Stage" } th scope="col" { "Problems" } } }
                tbody { @for s in &now.problems.by_stage_at_end { tr {
                    th scope="row" { (s.stage.as_str()) } td { (s.problems) }
                } } }
            }
        }
    }
}

fn row(name: &str, value: f64, before: f64) -> (&str, f64, f64, String, String) {
    (name, value, before, number(value), number(before))
}
