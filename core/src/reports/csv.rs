//! A report as CSV for spreadsheets: one figure per row, in long form
//! (`figure,group,key,label,measure,value`), so that every figure fits one shape and a pivot
//! table rebuilds any layout. The first rows give the period and area.

use super::engagement::EngagementGroup;
use super::Report;
use std::fmt::Write;

/// The report as CSV text (RFC 4180 quoting).
pub fn to_csv(report: &Report) -> String {
    let mut out = String::from("figure,group,key,label,measure,value\n");
    let mut row =
        |figure: &str, group: &str, key: &str, label: &str, measure: &str, value: String| {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{}",
                quote(figure),
                quote(group),
                quote(key),
                quote(label),
                quote(measure),
                quote(&value)
            );
        };
    let q = &report.query;
    row("report", "", "", "", "from", q.period.from.to_rfc3339());
    row("report", "", "", "", "to", q.period.to.to_rfc3339());
    row("report", "", "", "", "as_of", q.as_of.to_rfc3339());
    let area = serde_json::to_value(&q.area)
        .map(|v| v.to_string())
        .unwrap_or_default();
    row("report", "", "", "", "area", area);

    let ph = &report.patrol_hours;
    row(
        "patrol_hours",
        "total",
        "",
        "",
        "patrols",
        ph.patrols.to_string(),
    );
    row("patrol_hours", "total", "", "", "hours", hours(ph.hours));
    row(
        "patrol_hours",
        "total",
        "",
        "",
        "person_hours",
        hours(ph.person_hours),
    );
    row(
        "patrol_hours",
        "total",
        "",
        "",
        "open_patrols",
        ph.open_patrols.to_string(),
    );
    for k in &ph.by_kind {
        let key = k.kind.as_str();
        row(
            "patrol_hours",
            "kind",
            key,
            key,
            "patrols",
            k.patrols.to_string(),
        );
        row("patrol_hours", "kind", key, key, "hours", hours(k.hours));
        row(
            "patrol_hours",
            "kind",
            key,
            key,
            "person_hours",
            hours(k.person_hours),
        );
    }
    for a in &ph.by_area {
        let key = format!("{}:{}", a.area.kind(), a.area.id_string());
        row(
            "patrol_hours",
            "area",
            &key,
            &a.name,
            "patrols",
            a.patrols.to_string(),
        );
        row(
            "patrol_hours",
            "area",
            &key,
            &a.name,
            "hours",
            hours(a.hours),
        );
        row(
            "patrol_hours",
            "area",
            &key,
            &a.name,
            "person_hours",
            hours(a.person_hours),
        );
    }

    let e = &report.engagement;
    row(
        "engagement",
        "total",
        "",
        "",
        "contacts",
        e.contacts.to_string(),
    );
    row(
        "engagement",
        "total",
        "",
        "",
        "people",
        e.people.to_string(),
    );
    let groups: [(&str, &[EngagementGroup]); 3] = [
        ("method", &e.by_method),
        ("audience", &e.by_audience),
        ("lsoa", &e.by_lsoa),
    ];
    for (group, rows) in groups {
        for g in rows {
            row(
                "engagement",
                group,
                &g.key,
                &g.label,
                "contacts",
                g.contacts.to_string(),
            );
            row(
                "engagement",
                group,
                &g.key,
                &g.label,
                "people",
                g.people.to_string(),
            );
        }
    }

    let f = &report.follow_ups;
    for (measure, value) in [
        ("promised", f.promised),
        ("answered_within_72h", f.answered_within_72h),
        ("answered_later", f.answered_later),
        ("cancelled", f.cancelled),
        ("open_past_72h", f.open_past_72h),
        ("pending", f.pending),
        ("overdue_at_end", f.overdue_at_end),
    ] {
        row("follow_ups", "total", "", "", measure, value.to_string());
    }
    row(
        "follow_ups",
        "total",
        "",
        "",
        "share_within_72h",
        opt(f.share_within_72h),
    );

    let p = &report.problems;
    row("problems", "total", "", "", "opened", p.opened.to_string());
    row("problems", "total", "", "", "closed", p.closed.to_string());
    row(
        "problems",
        "total",
        "",
        "",
        "closed_with_assessment",
        p.closed_with_assessment.to_string(),
    );
    for s in &p.by_stage_at_end {
        let key = s.stage.as_str();
        row(
            "problems",
            "stage_at_end",
            key,
            key,
            "problems",
            s.problems.to_string(),
        );
    }
    for s in &p.time_in_stage {
        let key = s.stage.as_str();
        row(
            "problems",
            "time_in_stage",
            key,
            key,
            "days_in_period",
            hours(s.days_in_period),
        );
        row(
            "problems",
            "time_in_stage",
            key,
            key,
            "stays_ended",
            s.stays_ended.to_string(),
        );
        row(
            "problems",
            "time_in_stage",
            key,
            key,
            "mean_days_of_ended",
            opt(s.mean_days_of_ended),
        );
    }

    for v in &report.volunteer_hours {
        let key = format!("{}:{}", v.month, v.user_id);
        row(
            "volunteer_hours",
            "person_month",
            &key,
            &v.display_name,
            "patrols",
            v.patrols.to_string(),
        );
        row(
            "volunteer_hours",
            "person_month",
            &key,
            &v.display_name,
            "hours",
            hours(v.hours),
        );
    }

    for v in &report.value_assessments {
        let key = v.kind.as_str();
        row(
            "value_assessments",
            "kind",
            key,
            key,
            "assessed",
            v.assessed.to_string(),
        );
        row(
            "value_assessments",
            "kind",
            key,
            key,
            "purpose_met",
            v.purpose_met.to_string(),
        );
        row(
            "value_assessments",
            "kind",
            key,
            key,
            "purpose_partly_met",
            v.purpose_partly_met.to_string(),
        );
        row(
            "value_assessments",
            "kind",
            key,
            key,
            "purpose_not_met",
            v.purpose_not_met.to_string(),
        );
        for (i, n) in v.ratings.iter().enumerate() {
            row(
                "value_assessments",
                "kind",
                key,
                key,
                &format!("rated_{}", i + 1),
                n.to_string(),
            );
        }
        row(
            "value_assessments",
            "kind",
            key,
            key,
            "mean_rating",
            opt(v.mean_rating),
        );
    }

    let pa = &report.priority_areas;
    for t in &pa.by_phase {
        let key = t.phase.map_or("none", |p| p.as_str());
        row(
            "priority_areas",
            "phase",
            key,
            key,
            "areas",
            t.areas.to_string(),
        );
        activity(&mut row, "phase", key, key, &t.activity);
    }
    for a in &pa.areas {
        let key = a.id.to_string();
        activity(&mut row, "area", &key, &a.name, &a.activity);
    }
    out
}

fn activity(
    row: &mut impl FnMut(&str, &str, &str, &str, &str, String),
    group: &str,
    key: &str,
    label: &str,
    a: &super::PhaseActivity,
) {
    row(
        "priority_areas",
        group,
        key,
        label,
        "patrols",
        a.patrols.to_string(),
    );
    row(
        "priority_areas",
        group,
        key,
        label,
        "patrol_hours",
        hours(a.patrol_hours),
    );
    row(
        "priority_areas",
        group,
        key,
        label,
        "contacts",
        a.contacts.to_string(),
    );
    row(
        "priority_areas",
        group,
        key,
        label,
        "people",
        a.people.to_string(),
    );
    row(
        "priority_areas",
        group,
        key,
        label,
        "open_problems",
        a.open_problems.to_string(),
    );
}

fn hours(h: f64) -> String {
    format!("{h:.2}")
}

fn opt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.3}")).unwrap_or_default()
}

/// Quotes a field when it needs it, after defusing anything a spreadsheet would run as a
/// formula ([`crate::spreadsheet`]).
fn quote(field: &str) -> String {
    let field = crate::spreadsheet::spreadsheet_safe(field);
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.into_owned()
    }
}
