//! A broken rule said in the words of the command line: the option that fixes it, not the
//! record's serde field.
//!
//! The core names the field as the record spells it (`people_count`, `place.lat`, `actor`) so
//! that every face can say it its own way; here `people_count` becomes `--people` and a rule
//! about who is acting ("only a supervisor can do this") needs no field at all.

use beatbook_core::validation::{Rule, ValidationError};

/// The person's words for `field`: the option that sets it, or plain words.
fn subject(field: &str) -> Option<String> {
    let words = match field {
        // Who is acting: the rule says it all.
        "actor" => return None,
        "purpose" => "--purpose",
        "operation_name" => "--operation",
        "promised" | "promise" => "--promised",
        "follow_up_due" => "--due-hours",
        "owner" => "the owner (--owner, or --to when reassigning)",
        "started_at" | "occurred_at" | "observed_at" | "recorded_at" | "at" => "the time (--at)",
        "ended_at" => "the end time (--at)",
        "answered_at" => "the answer's time (--at)",
        "place" => "the place (--lat and --lon)",
        "lsoa_code" => "--lsoa",
        "lap_code" => "--lap",
        "place.lat" | "lat" => "--lat",
        "place.lon" | "lon" => "--lon",
        "people_count" => "--people",
        "personal" => "personal details (--name, --phone, --email, --address)",
        "personal.email" => "--email",
        "personal.phone" => "--phone",
        "personal.name" => "--name",
        "personal.address" => "--address",
        "justification" => "--justification",
        "reason" => "--reason",
        "title" => "--title",
        "display_name" | "name" => "--name",
        "assessment" => "the value assessment (--purpose-met, --rating, --summary)",
        "assessment.summary" => "--summary",
        "assessment.value_rating" => "--rating",
        "to" => "--to",
        "kind" => "--kind",
        "area" => "the area (--lap or --lsoa)",
        "problem_id" => "the problem (--problem)",
        "patrol_id" => "the patrol (--patrol)",
        "query" => "the search words",
        "text" => "the text",
        "outcome" => "the outcome",
        other => return Some(other.replace(['_', '.'], " ")),
    };
    Some(words.to_owned())
}

/// The validation error as one sentence for the terminal.
pub fn sentence(v: &ValidationError) -> String {
    let rule = v.rule.to_string();
    // These rules are whole sentences already; the hint names the options.
    let says_it_all = matches!(
        v.rule,
        Rule::ConsentRequired
            | Rule::AssessmentRequired
            | Rule::SupervisorOnly
            | Rule::StageSkipped { .. }
    );
    if says_it_all {
        return rule;
    }
    match subject(&v.field) {
        None => rule,
        // "--purpose is required", "the end time (--at) ends before it starts".
        Some(subject)
            if ["is ", "must ", "ends ", "needs ", "refers "]
                .iter()
                .any(|verb| rule.starts_with(verb)) =>
        {
            format!("{subject} {rule}")
        }
        Some(subject) => format!("{subject}: {rule}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_become_the_options_that_fix_them() {
        let say = |field: &str, rule: Rule| sentence(&ValidationError::new(field, rule));
        assert_eq!(say("purpose", Rule::Required), "--purpose is required");
        assert_eq!(
            say("actor", Rule::SupervisorOnly),
            "only a supervisor can do this"
        );
        assert_eq!(
            say("ended_at", Rule::EndBeforeStart),
            "the end time (--at) ends before it starts"
        );
        assert_eq!(
            say("assessment", Rule::AssessmentRequired),
            "a patrol cannot close without its value assessment"
        );
        assert_eq!(
            say(
                "place",
                Rule::PlaceRequired {
                    method: "door_knock"
                }
            ),
            "the place (--lat and --lon) is required for a door_knock contact (only phone, \
             online and letter contacts may go without one)"
        );
        assert_eq!(
            say("some_new_field", Rule::Required),
            "some new field is required"
        );
        for said in [
            say("people_count", Rule::Required),
            say("place.lat", Rule::Required),
        ] {
            assert!(said.starts_with("--"), "{said}");
            assert!(!said.contains('_'), "{said}");
        }
    }
}
