//! Closed vocabularies as command-line values.
//!
//! Every core vocabulary has stable snake_case codes (`as_str`, `FromStr`, `ALL`); the CLI takes
//! exactly those codes, so what a person types is what the store and the sync protocol hold,
//! and `--help` lists the codes from the core itself rather than a copy that could drift.

use beatbook_core::model::{CrimeCategory, EthnicityCode, LsoaCode};
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use std::str::FromStr;

/// A parser accepting the codes of `all`, listed in `--help`.
pub fn code<T>(all: &'static [T], code: fn(&T) -> &'static str) -> impl TypedValueParser<Value = T>
where
    T: FromStr + Clone + Send + Sync + 'static,
    <T as FromStr>::Err: std::error::Error + Send + Sync + 'static,
{
    PossibleValuesParser::new(all.iter().map(code)).try_map(|s| s.parse::<T>())
}

/// police.uk crime categories, with their names where the slug is not self-explanatory.
pub fn crime_category() -> impl TypedValueParser<Value = CrimeCategory> {
    PossibleValuesParser::new(CrimeCategory::ALL.iter().map(|c| {
        let value = PossibleValue::new(c.as_str());
        match c {
            CrimeCategory::ViolentCrime => value.help("Violence and sexual offences"),
            CrimeCategory::CriminalDamageArson => value.help("Criminal damage and arson"),
            _ => value,
        }
    }))
    .try_map(|s| s.parse::<CrimeCategory>())
}

/// The 18+1 self-defined ethnicity codes, with their meanings.
pub fn ethnicity() -> impl TypedValueParser<Value = EthnicityCode> {
    PossibleValuesParser::new(
        EthnicityCode::ALL
            .iter()
            .map(|c| PossibleValue::new(c.as_str()).help(ethnicity_label(*c))),
    )
    .try_map(|s| s.parse::<EthnicityCode>())
}

fn ethnicity_label(code: EthnicityCode) -> &'static str {
    use EthnicityCode::*;
    match code {
        W1 => "White: English, Welsh, Scottish, Northern Irish or British",
        W2 => "White: Irish",
        W3 => "White: Gypsy or Irish Traveller",
        W9 => "White: any other White background",
        M1 => "Mixed: White and Black Caribbean",
        M2 => "Mixed: White and Black African",
        M3 => "Mixed: White and Asian",
        M9 => "Mixed: any other Mixed background",
        A1 => "Asian: Indian",
        A2 => "Asian: Pakistani",
        A3 => "Asian: Bangladeshi",
        A4 => "Asian: Chinese",
        A9 => "Asian: any other Asian background",
        B1 => "Black: Caribbean",
        B2 => "Black: African",
        B9 => "Black: any other Black background",
        O1 => "Other: Arab",
        O9 => "Other: any other ethnic group",
        NS => "Not stated",
    }
}

/// An LSOA GSS code (E01/W01 and six digits), in any case.
pub fn lsoa(text: &str) -> Result<LsoaCode, String> {
    LsoaCode::parse_typed("lsoa", text).map_err(|_| LsoaCode::FORMAT.to_owned())
}

/// Latitude in degrees.
pub fn latitude(text: &str) -> Result<f64, String> {
    degrees(text, 90.0)
}

/// Longitude in degrees.
pub fn longitude(text: &str) -> Result<f64, String> {
    degrees(text, 180.0)
}

fn degrees(text: &str, max: f64) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (-max..=max).contains(&v) => Ok(v),
        _ => Err(format!(
            "expected decimal degrees between -{max} and {max} (WGS84)"
        )),
    }
}
