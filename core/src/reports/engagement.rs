//! Engagements: contacts made in the period, by method, by audience and by LSOA, with how many
//! people each reached (a contact's `people_count`: a beat meeting of 30 is one contact
//! reaching 30). A contact counts in the period it occurred in.

use super::data::ContactFact;
use super::scope::Scope;
use super::ReportQuery;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One group: its code, a label to show, how many contacts and people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngagementGroup {
    /// The method or audience code, or the LSOA code (`unknown`: outside the loaded areas).
    pub key: String,
    pub label: String,
    pub contacts: u64,
    pub people: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engagement {
    pub contacts: u64,
    pub people: u64,
    /// Groups with contacts, most contacts first (then by key).
    pub by_method: Vec<EngagementGroup>,
    pub by_audience: Vec<EngagementGroup>,
    pub by_lsoa: Vec<EngagementGroup>,
}

/// The LSOA key of contacts outside every loaded boundary.
pub const UNKNOWN_LSOA: &str = "unknown";

pub(crate) fn compute(
    contacts: &[&ContactFact],
    scope: &Scope<'_>,
    query: &ReportQuery,
) -> Engagement {
    let mut method = Groups::default();
    let mut audience = Groups::default();
    let mut lsoa = Groups::default();
    let mut total = (0, 0);
    for c in contacts
        .iter()
        .filter(|c| query.period.contains(c.occurred_at))
    {
        let people = u64::from(c.people_count);
        total.0 += 1;
        total.1 += people;
        method.add(
            c.method.as_str(),
            || c.method.as_str().replace('_', " "),
            people,
        );
        audience.add(
            c.audience.as_str(),
            || c.audience.as_str().replace('_', " "),
            people,
        );
        match &c.lsoa_code {
            Some(code) => lsoa.add(
                code.as_str(),
                || {
                    scope
                        .lsoa_name(code.as_str())
                        .unwrap_or(code.as_str())
                        .to_owned()
                },
                people,
            ),
            None => lsoa.add(
                UNKNOWN_LSOA,
                || "outside the loaded areas".to_owned(),
                people,
            ),
        }
    }
    Engagement {
        contacts: total.0,
        people: total.1,
        by_method: method.sorted(),
        by_audience: audience.sorted(),
        by_lsoa: lsoa.sorted(),
    }
}

#[derive(Default)]
struct Groups(BTreeMap<String, EngagementGroup>);

impl Groups {
    fn add(&mut self, key: &str, label: impl FnOnce() -> String, people: u64) {
        // Look up before inserting: most calls find their group, and need no owned key.
        if !self.0.contains_key(key) {
            let group = EngagementGroup {
                key: key.to_owned(),
                label: label(),
                contacts: 0,
                people: 0,
            };
            self.0.insert(key.to_owned(), group);
        }
        let Some(group) = self.0.get_mut(key) else {
            return;
        };
        group.contacts += 1;
        group.people += people;
    }

    fn sorted(self) -> Vec<EngagementGroup> {
        let mut groups: Vec<_> = self.0.into_values().collect();
        groups.sort_by(|a, b| b.contacts.cmp(&a.contacts).then_with(|| a.key.cmp(&b.key)));
        groups
    }
}
