//! Engagements: contacts made in the period, by method, by audience and by LSOA, with how many
//! people each reached (a contact's `people_count`: a beat meeting of 30 is one contact
//! reaching 30). A contact counts in the period it occurred in.

use super::data::ContactFact;
use super::scope::Scope;
use super::ReportQuery;
use crate::model::{Audience, ContactMethod};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// One group: its code, a label to show, how many contacts and people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EngagementGroup {
    /// The method or audience code, or the LSOA code (`unknown`: outside the loaded areas, or
    /// a contact without a place given no LSOA).
    pub key: String,
    pub label: String,
    pub contacts: u64,
    pub people: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    // Counted by vocabulary position and LSOA text first (no allocation per contact), then
    // turned into labelled groups.
    let mut method = vec![(0u64, 0u64); ContactMethod::ALL.len()];
    let mut audience = vec![(0u64, 0u64); Audience::ALL.len()];
    let mut lsoa: HashMap<Option<&str>, (u64, u64)> = HashMap::new();
    let mut total = (0, 0);
    for c in contacts
        .iter()
        .filter(|c| query.period.contains(c.occurred_at))
    {
        let people = u64::from(c.people_count);
        total.0 += 1;
        total.1 += people;
        for slot in [
            &mut method[position(ContactMethod::ALL, c.method)],
            &mut audience[position(Audience::ALL, c.audience)],
            lsoa.entry(c.lsoa_code.as_ref().map(|l| l.as_str()))
                .or_default(),
        ] {
            slot.0 += 1;
            slot.1 += people;
        }
    }
    let coded = |all: &[&'static str], counts: Vec<(u64, u64)>| {
        let mut groups = Groups::default();
        for (code, (n, people)) in all.iter().zip(counts) {
            if n > 0 {
                groups.put(code, code.replace('_', " "), n, people);
            }
        }
        groups.sorted()
    };
    let methods: Vec<&'static str> = ContactMethod::ALL.iter().map(|m| m.as_str()).collect();
    let audiences: Vec<&'static str> = Audience::ALL.iter().map(|a| a.as_str()).collect();
    let mut lsoas = Groups::default();
    for (code, (n, people)) in lsoa {
        match code {
            Some(code) => lsoas.put(
                code,
                scope.lsoa_name(code).unwrap_or(code).to_owned(),
                n,
                people,
            ),
            None => lsoas.put(
                UNKNOWN_LSOA,
                "no LSOA (outside the loaded areas or none given)".to_owned(),
                n,
                people,
            ),
        }
    }
    Engagement {
        contacts: total.0,
        people: total.1,
        by_method: coded(&methods, method),
        by_audience: coded(&audiences, audience),
        by_lsoa: lsoas.sorted(),
    }
}

fn position<T: PartialEq>(all: &[T], value: T) -> usize {
    all.iter().position(|v| *v == value).unwrap_or(0)
}

#[derive(Default)]
struct Groups(BTreeMap<String, EngagementGroup>);

impl Groups {
    fn put(&mut self, key: &str, label: String, contacts: u64, people: u64) {
        self.0.insert(
            key.to_owned(),
            EngagementGroup {
                key: key.to_owned(),
                label,
                contacts,
                people,
            },
        );
    }

    fn sorted(self) -> Vec<EngagementGroup> {
        let mut groups: Vec<_> = self.0.into_values().collect();
        groups.sort_by(|a, b| b.contacts.cmp(&a.contacts).then_with(|| a.key.cmp(&b.key)));
        groups
    }
}
