//! Places and areas as people give them, checked against the areas this device has loaded.
//!
//! A typo in a LAP code ("LAP-MV") or an LSOA code would file a patrol or a problem under an
//! area no report ever shows, and swapped coordinates put a contact in the sea off Somalia
//! instead of on Elm Row. So, once a force's areas are loaded: an area code must be one of
//! them (any case; an unknown one is refused naming the closest known ones), a new place at
//! 0,0 is refused (it means the location was never set), and a place outside every loaded area
//! whose latitude and longitude, swapped, fall inside one is refused as swapped. Before any
//! areas are loaded nothing can be checked, and codes are taken as given.

use super::Store;
use crate::error::Result;
use crate::geo::AreaTag;
use crate::model::{AreaRef, GeoPoint, LsoaCode};
use crate::validation::{Rule, ValidationError};
use rusqlite::OptionalExtension;

/// How many close matches an unknown code's error names.
const CLOSEST: usize = 3;

impl Store {
    /// `area` in its canonical form, or refused when areas are loaded and it is not one.
    pub(crate) fn known_area(&self, field: &str, area: AreaRef) -> Result<AreaRef> {
        let kind = match &area {
            AreaRef::Priority(_) => return Ok(area),
            AreaRef::Lap(_) => "LAP",
            AreaRef::Lsoa(_) => "LSOA",
        };
        let table = if kind == "LAP" { "laps" } else { "lsoas" };
        let known: Vec<(String, String)> = self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!("SELECT code, name FROM {table}"))?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })?;
        if known.is_empty() {
            return Ok(area);
        }
        let typed = area.id_string();
        let found = known
            .iter()
            .find(|(code, _)| code.eq_ignore_ascii_case(typed.trim()));
        match (found, area) {
            (Some((code, _)), AreaRef::Lap(_)) => Ok(AreaRef::Lap(code.clone())),
            (Some((code, _)), AreaRef::Lsoa(_)) => {
                Ok(AreaRef::Lsoa(LsoaCode::parse_field(field, code)?))
            }
            _ => Err(ValidationError::new(
                field,
                Rule::UnknownArea {
                    kind,
                    closest: closest(&typed, &known),
                },
            )
            .into()),
        }
    }

    /// An LSOA code in its canonical form, or refused when areas are loaded and it is not one.
    pub(crate) fn known_lsoa(&self, field: &str, code: LsoaCode) -> Result<LsoaCode> {
        match self.known_area(field, AreaRef::Lsoa(code))? {
            AreaRef::Lsoa(code) => Ok(code),
            other => Ok(LsoaCode::parse_field(field, &other.id_string())?),
        }
    }

    /// The LAP of a contact given by area rather than by place: the LAP the person gave
    /// (checked like any area code), else the LSOA's when the LSOA is loaded. A LAP that is not
    /// the LSOA's is refused: one of the two is wrong.
    pub(crate) fn areas_as_given(
        &self,
        lsoa: Option<&LsoaCode>,
        lap: Option<&str>,
    ) -> Result<Option<String>> {
        let lap = match lap {
            Some(lap) => match self.known_area("lap_code", AreaRef::Lap(lap.to_owned()))? {
                AreaRef::Lap(code) => Some(code),
                other => Some(other.id_string()),
            },
            None => None,
        };
        let Some(lsoa) = lsoa else {
            return Ok(lap);
        };
        let lsoa_lap: Option<String> = self.read(|conn| {
            Ok(conn
                .prepare_cached("SELECT lap_code FROM lsoas WHERE code = ?1")?
                .query_row([lsoa.as_str()], |r| r.get(0))
                .optional()?)
        })?;
        match (lap, lsoa_lap) {
            (Some(lap), Some(lsoa_lap)) if lap != lsoa_lap => Err(ValidationError::new(
                "lap_code",
                Rule::MustBeEmpty {
                    reason: "the LSOA given is in another LAP (leave the LAP out to take the \
                             LSOA's)",
                },
            )
            .into()),
            (Some(lap), _) => Ok(Some(lap)),
            (None, lsoa_lap) => Ok(lsoa_lap),
        }
    }

    /// A new record's place tagged with its LSOA and LAP (`None` outside the loaded areas);
    /// refused at 0,0, or with latitude and longitude swapped.
    pub(crate) fn tag_new_place(&self, field: &str, place: GeoPoint) -> Result<Option<AreaTag>> {
        if place.lat == 0.0 && place.lon == 0.0 {
            return Err(ValidationError::new(
                field,
                Rule::Format {
                    expected: "a real place (0,0 means the location was never set)",
                },
            )
            .into());
        }
        let tag = self.tag_point(place)?;
        if tag.is_none() {
            let swapped = GeoPoint::new(place.lon, place.lat);
            if swapped.validate(field).is_ok() && self.tag_point(swapped)?.is_some() {
                return Err(ValidationError::new(
                    field,
                    Rule::Format {
                        expected: "latitude then longitude (these look swapped: swapped, \
                                   they fall in a loaded area)",
                    },
                )
                .into());
            }
        }
        Ok(tag)
    }
}

/// The known codes closest to `typed`, by code or by name, as "CODE (Name), …".
fn closest(typed: &str, known: &[(String, String)]) -> String {
    let typed = typed.trim().to_lowercase();
    let mut scored: Vec<(usize, &(String, String))> = known
        .iter()
        .map(|entry| {
            let (code, name) = entry;
            let by_code = strsim::levenshtein(&typed, &code.to_lowercase());
            let by_name = strsim::levenshtein(&typed, &name.to_lowercase());
            (by_code.min(by_name), entry)
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1 .0.cmp(&b.1 .0)));
    scored
        .iter()
        .take(CLOSEST)
        .map(|(_, (code, name))| format!("{code} ({name})"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn the_closest_codes_come_first_by_code_or_by_name() {
        let known = vec![
            ("LAP-NV".to_owned(), "Northvale".to_owned()),
            ("LAP-SV".to_owned(), "Southvale".to_owned()),
            ("LAP-EH".to_owned(), "Eastham".to_owned()),
            ("LAP-WX".to_owned(), "Westbrook".to_owned()),
        ];
        assert!(closest("LAP-MV", &known).starts_with("LAP-NV (Northvale)"));
        assert!(closest("northvail", &known).starts_with("LAP-NV (Northvale)"));
        assert_eq!(closest("x", &known).matches('(').count(), 3);
    }
}
