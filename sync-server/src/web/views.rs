//! The pages' HTML (maud: every interpolated value is escaped). The layout, the sign-in and
//! error pages, team today, the follow-up board and the audit view; the report is in
//! [`super::report_view`]. No page has a script or an inline style (the CSP forbids both).

use super::charts::number;
use super::review_queue::{item_key, ReviewQueue};
use super::team::{Revealed, TeamData};
use crate::storage::ServerAudit;
use axum::http::StatusCode;
use beatbook_core::ids::FollowUpId;
use beatbook_core::model::MAX_REVIEW_ITEMS;
use beatbook_core::model::{FollowUp, ProblemStep};
use beatbook_core::reports::FollowUpFigures;
use chrono::{DateTime, Duration, Utc};
use maud::{html, Markup, DOCTYPE};

/// Pages in the navigation: path and name.
const NAV: &[(&str, &str)] = &[
    ("/web/today", "Team today"),
    ("/web/review", "Review"),
    ("/web/approvals", "Approvals"),
    ("/web/retention", "Due for review"),
    ("/web/follow-ups", "Follow-ups"),
    ("/web/report", "Report"),
    ("/web/map", "Map"),
    ("/web/audit", "Audit"),
];

/// A time as the pages show it (UTC, said once in the footer).
pub fn when(t: DateTime<Utc>) -> String {
    t.format("%a %-d %b %H:%M").to_string()
}

/// A span of time, roughly: "3 d 4 h", "2 h 10 min", "5 min".
pub fn span(d: Duration) -> String {
    let minutes = d.num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, (minutes / 60) % 24, minutes % 60);
    if days > 0 {
        format!("{days} d {hours} h")
    } else if hours > 0 {
        format!("{hours} h {mins} min")
    } else {
        format!("{mins} min")
    }
}

/// A code as words: `foot_patrol` → `foot patrol`.
pub fn words(code: &str) -> String {
    code.replace('_', " ")
}

/// A share as a percentage, or a dash.
pub fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "–".to_owned(), |s| format!("{:.0}%", s * 100.0))
}

/// The signed-in frame: navigation, sign-out (a CSRF-protected form), the page.
pub fn layout(title: &str, current: &str, who: &str, csrf: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Beatbook" }
                link rel="stylesheet" href="/web/style.css";
                link rel="icon" href="/web/icon.svg" type="image/svg+xml";
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    span.brand { "Beatbook" }
                    nav aria-label="Pages" {
                        ul {
                            @for (path, name) in NAV {
                                li {
                                    @if *path == current {
                                        a href=(path) aria-current="page" { (name) }
                                    } @else {
                                        a href=(path) { (name) }
                                    }
                                }
                            }
                        }
                    }
                    form.signout method="post" action="/web/sign-out" {
                        span.who { (who) }
                        input type="hidden" name="csrf" value=(csrf);
                        button type="submit" { "Sign out" }
                    }
                }
                main #main { h1 { (title) } (body) }
                footer { p.muted { "Times in UTC. Figures from the records synced to this server." } }
            }
        }
    }
}

/// A page for a refusal or failure.
pub fn error_page(status: StatusCode, message: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (status.as_u16()) " · Beatbook" }
                link rel="stylesheet" href="/web/style.css";
                link rel="icon" href="/web/icon.svg" type="image/svg+xml";
            }
            body {
                main #main {
                    h1 { (status.canonical_reason().unwrap_or("Error")) }
                    p role="alert" { (message) }
                    p { a href="/web/today" { "Back to the team's pages" } }
                }
            }
        }
    }
}

/// The sign-in form; `notice` says why the sergeant is here (expired, refused).
pub fn sign_in(csrf: &str, notice: Option<&str>) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Sign in · Beatbook" }
                link rel="stylesheet" href="/web/style.css";
                link rel="icon" href="/web/icon.svg" type="image/svg+xml";
            }
            body {
                main #main.narrow {
                    h1 { "Beatbook for supervisors" }
                    @if let Some(notice) = notice {
                        p.notice role="alert" { (notice) }
                    }
                    form method="post" action="/web/sign-in" {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="code" { "Sign-in code" }
                        p.hint #code-hint {
                            "Ask your administrator for a one-time code "
                            "(beatbook-server admin sign-in-code). It works once, for 10 minutes."
                        }
                        input #code type="text" name="code" required autocomplete="one-time-code"
                            autocapitalize="characters" spellcheck="false" aria-describedby="code-hint";
                        button type="submit" { "Sign in" }
                    }
                }
            }
        }
    }
}

/// Who keeps a promise; for a volunteer's referral not yet given to anyone, who referred it.
fn owner_label(data: &TeamData, f: &FollowUp) -> String {
    match (f.owner, f.referred_by) {
        (Some(owner), _) => data.name_of(owner),
        (None, Some(by)) => format!("Unassigned: referred by {}", data.name_of(by)),
        (None, None) => "Unassigned".into(),
    }
}

fn follow_up_table(data: &TeamData, rows: &[&FollowUp], now: DateTime<Utc>) -> Markup {
    html! {
        table {
            thead { tr { th scope="col" { "Owner" } th scope="col" { "Promised" }
                th scope="col" { "Due" } th scope="col" { "State" } } }
            tbody {
                @for f in rows {
                    tr.overdue[f.is_overdue(now)] {
                        td { (owner_label(data, f)) }
                        td { (when(f.created_at)) }
                        td { (when(f.due_at)) }
                        td {
                            @if f.is_overdue(now) {
                                strong { "Overdue by " (span(now - f.due_at)) }
                            } @else {
                                "Due in " (span(f.due_at - now))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Team today: who is out, what is overdue, what waits for the sergeant.
pub fn today(data: &TeamData, now: DateTime<Utc>, week: &FollowUpFigures) -> Markup {
    let mut out: Vec<_> = data
        .facts
        .patrols
        .iter()
        .filter(|p| p.ended_at.is_none())
        .collect();
    out.sort_by_key(|p| p.started_at);
    let overdue = data.overdue(now);
    let waiting = data.waiting_requests();
    html! {
        ul.tiles {
            li { span.big #patrols-out { (out.len()) } " patrols out now" }
            li.warn[!overdue.is_empty()] { span.big #overdue-count { (overdue.len()) } " follow-ups overdue" }
            li { span.big { (waiting.len()) } " SARA stage moves waiting" }
            li { span.big { (percent(week.share_within_72h)) } " answered within 72 h (last 7 days)" }
        }
        section aria-labelledby="out-h" {
            h2 #out-h { "Patrols out now" }
            @if out.is_empty() { p { "No patrol is open." } } @else {
                table {
                    thead { tr { th scope="col" { "Recorded by" } th scope="col" { "Kind" }
                        th scope="col" { "Area" } th scope="col" { "Out for" } } }
                    tbody { @for p in &out { tr {
                        td { (data.name_of(p.recorded_by))
                            @if p.participants.len() > 1 { " and " (p.participants.len() - 1) " more" } }
                        td { (words(p.kind.as_str())) }
                        td { (data.area_name(&p.area)) }
                        td { (span(now - p.started_at)) " (since " (when(p.started_at)) ")" }
                    } } }
                }
            }
        }
        section aria-labelledby="overdue-h" {
            h2 #overdue-h { "Overdue follow-ups" }
            @if overdue.is_empty() { p { "None: every open promise is within its time." } } @else {
                (follow_up_table(data, &overdue, now))
                p { a href="/web/follow-ups" { "The follow-up board" } }
            }
        }
        section aria-labelledby="sara-h" {
            h2 #sara-h { "SARA stage moves waiting" }
            @if waiting.is_empty() { p { "Nothing waits for your approval." } } @else {
                table {
                    thead { tr { th scope="col" { "Problem" } th scope="col" { "Move" }
                        th scope="col" { "Asked by" } th scope="col" { "Waiting" } } }
                    tbody { @for r in &waiting { tr {
                        td { (data.problem_title(r.problem_id)) }
                        td { (r.from_stage.as_str()) " → " (r.to_stage.as_str()) }
                        td { (data.name_of(r.requested_by)) }
                        td { (span(now - r.requested_at)) }
                    } } }
                }
                p { a href="/web/approvals" { "Decide them, with their evidence" } }
            }
        }
    }
}

/// The review queue, per member, each with a form marking exactly the items shown.
pub fn review(data: &TeamData, queue: &ReviewQueue, csrf: &str, done: Option<&str>) -> Markup {
    let mut members: Vec<(String, beatbook_core::ids::UserId)> = queue
        .members
        .keys()
        .map(|member| (data.name_of(*member), *member))
        .collect();
    members.sort();
    html! {
        @if let Some(done) = done { p.notice role="status" #done data-done="marked" { (done) } }
        p { "Your team's contacts, patrols and problem steps you have not reviewed in their "
            "current version. Personal details are not shown here." }
        @if queue.is_empty() { p #queue-empty { "Nothing to review." } }
        @for (name, member) in &members {
            @let kept = &queue.members[member];
            @let items = &kept.items[..kept.items.len().min(MAX_REVIEW_ITEMS)];
            @let total = kept.waiting;
            section.member aria-labelledby=(format!("m-{member}")) {
                h2 #(format!("m-{member}")) { (name) " (" (total) ")" }
                table {
                    thead { tr { th scope="col" { "When" } th scope="col" { "What" } th scope="col" { "" } } }
                    tbody { @for q in items { tr {
                        td { (when(q.at)) } td { (q.what) }
                        td { @if q.changed { "changed" } @else { "new" } }
                    } } }
                }
                @if total > items.len() { p.muted { "Showing the oldest " (items.len()) " of " (total) "." } }
                form.mark method="post" action="/web/review" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="member" value=(member);
                    input type="hidden" name="items"
                        value=(items.iter().map(|q| item_key(&q.item)).collect::<Vec<_>>().join(" "));
                    button type="submit" { "Mark these " (items.len()) " reviewed" }
                }
            }
        }
    }
}

/// SARA stage moves waiting, each with its evidence and the two decisions.
pub fn approvals(
    data: &TeamData,
    steps: &[ProblemStep],
    now: DateTime<Utc>,
    csrf: &str,
    done: Option<(&str, &str)>,
) -> Markup {
    let waiting = data.waiting_requests();
    html! {
        @if let Some((key, done)) = done { p.notice role="status" #done data-done=(key) { (done) } }
        @if waiting.is_empty() { p #none-waiting { "Nothing waits for your decision." } }
        @for r in &waiting {
            @let problem = data.problems.iter().find(|p| p.id == r.problem_id);
            section.request aria-labelledby=(format!("r-{}", r.id)) {
                h2 #(format!("r-{}", r.id)) { (data.problem_title(r.problem_id)) ": "
                    (r.from_stage.as_str()) " → " (r.to_stage.as_str()) }
                dl {
                    dt { "Asked by" } dd { (data.name_of(r.requested_by)) ", " (span(now - r.requested_at)) " ago" }
                    @if let Some(p) = problem {
                        dt { "Area" } dd { (data.area_name(&p.area)) }
                        dt { "Owner" } dd { (data.name_of(p.owner)) }
                    }
                    dt { "Why" } dd { (r.reason.as_deref().unwrap_or("(no reason given)")) }
                }
                @let evidence: Vec<&ProblemStep> = steps.iter().filter(|s| s.problem_id == r.problem_id).collect();
                h3 { "Evidence: the problem's steps (" (evidence.len()) ")" }
                @if evidence.is_empty() { p.muted { "No steps recorded." } } @else {
                    ol { @for s in &evidence {
                        li { strong { (s.stage.as_str()) } ", " (data.name_of(s.author)) ", "
                            (when(s.recorded_at)) ": " (s.text) }
                    } }
                }
                form.decide method="post" action="/web/approvals" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="request" value=(r.id);
                    input type="hidden" name="decision" value="approve";
                    button type="submit" { "Approve the move to " (r.to_stage.as_str()) }
                }
                form.decide method="post" action="/web/approvals" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="request" value=(r.id);
                    input type="hidden" name="decision" value="send_back";
                    label for=(format!("reason-{}", r.id)) { "Reason for sending it back" }
                    textarea #(format!("reason-{}", r.id)) name="reason" required maxlength="2000" rows="2" {}
                    button type="submit" { "Send back" }
                }
            }
        }
    }
}

/// The follow-up board: the 72-hour share, then every open promise, due first.
pub fn follow_ups(
    data: &TeamData,
    now: DateTime<Utc>,
    figures: &FollowUpFigures,
    csrf: &str,
) -> Markup {
    let open = data.open_follow_ups();
    html! {
        section aria-labelledby="share-h" {
            h2 #share-h { "The 72-hour promise, last 28 days" }
            p.big #share-72h { (percent(figures.share_within_72h)) }
            p { "answered within 72 hours of the promise (" (figures.answered_within_72h)
                " of " (figures.promised - figures.cancelled - figures.pending)
                " judged; " (figures.pending) " too recent to judge, "
                (figures.cancelled) " cancelled)." }
            table {
                thead { tr { th scope="col" { "Promised" } th scope="col" { "Within 72 h" }
                    th scope="col" { "Later" } th scope="col" { "Open past 72 h" } th scope="col" { "Overdue now" } } }
                tbody { tr {
                    td { (figures.promised) } td { (figures.answered_within_72h) }
                    td { (figures.answered_later) } td { (figures.open_past_72h) }
                    td { (figures.overdue_at_end) }
                } }
            }
        }
        section aria-labelledby="open-h" {
            h2 #open-h { "Open promises (" (open.len()) ")" }
            p.muted { "What was promised, and to whom, is personal data: it is shown only on request, "
                "with your reason, and the request is logged." }
            @if open.is_empty() { p { "No open promises." } } @else {
                (follow_up_table(data, &open, now))
                h3 { "Show personal details" }
                form.reveal method="post" action="/web/follow-ups/personal" {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="follow_up" { "Follow-up" }
                    select #follow_up name="follow_up" required {
                        @for f in &open {
                            option value=(f.id) { (owner_label(data, f)) ", due " (when(f.due_at)) }
                        }
                    }
                    label for="justification" { "Why you need to see them (logged)" }
                    textarea #justification name="justification" required minlength="10" maxlength="500" rows="2" {}
                    button type="submit" { "Show personal details" }
                }
            }
        }
    }
}

/// The revealed personal side of one follow-up (after the consultation was logged).
pub fn revealed(id: FollowUpId, revealed: &Revealed) -> Markup {
    html! {
        p.notice role="status" { "This consultation has been logged in the server's audit log." }
        dl #revealed {
            dt { "Follow-up" } dd { (id) }
            dt { "Promise" } dd { (revealed.promise) }
            dt { "Outcome" } dd { (revealed.outcome.as_deref().unwrap_or("–")) }
            @for (name, value) in &revealed.details { dt { (name) } dd { (value) } }
        }
        @if revealed.details.is_empty() { p { "The contact holds no personal details." } }
        p { a href="/web/follow-ups" { "Back to the follow-up board" } }
    }
}

/// The team's audit view: who consulted or disclosed what through the server, and why.
pub fn audit(data: &TeamData, entries: &[ServerAudit]) -> Markup {
    html! {
        p { "Consultations and disclosures of personal data or figures through this server by "
            "members of your team, newest first." }
        @if entries.is_empty() { p { "Nothing logged." } } @else {
            table #audit {
                thead { tr { th scope="col" { "When" } th scope="col" { "Who" }
                    th scope="col" { "What" } th scope="col" { "About" } th scope="col" { "Why" }
                    th scope="col" { "Detail" } } }
                tbody { @for e in entries { tr {
                    td { (DateTime::<Utc>::from_timestamp_millis(e.at_ms).map(when).unwrap_or_default()) }
                    td { (e.user_id.map(|u| data.name_of(u)).unwrap_or_else(|| "administrator".into())) }
                    td { (e.action.as_str()) }
                    td { (e.subject) }
                    td { (e.justification.as_deref().unwrap_or("")) }
                    td { (e.detail.as_deref().unwrap_or("")) }
                } } }
            }
        }
    }
}

/// A figure with its change against the previous period, as words a screen reader says too.
pub fn trend(now: f64, previous: f64) -> Markup {
    let change = now - previous;
    html! {
        @if change.abs() < 1e-9 { span.same { "no change" } }
        @else if change > 0.0 { span.up { "▲ up " (number(change)) } }
        @else { span.down { "▼ down " (number(-change)) } }
    }
}
