//! Where things happen: WGS84 points and the statistical areas they fall in.

use crate::validation::{Rule, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A WGS84 point, as a phone's location service reports it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    /// Latitude in degrees, −90 to 90.
    pub lat: f64,
    /// Longitude in degrees, −180 to 180.
    pub lon: f64,
}

impl GeoPoint {
    pub fn new(lat: f64, lon: f64) -> Self {
        Self { lat, lon }
    }

    /// Coordinates must be finite and in range; `field` names the point in the error.
    pub fn validate(&self, field: &str) -> Result<(), ValidationError> {
        if !self.lat.is_finite() || !(-90.0..=90.0).contains(&self.lat) {
            return Err(ValidationError::new(
                format!("{field}.lat"),
                Rule::OutOfRange {
                    min: "-90".into(),
                    max: "90".into(),
                },
            ));
        }
        if !self.lon.is_finite() || !(-180.0..=180.0).contains(&self.lon) {
            return Err(ValidationError::new(
                format!("{field}.lon"),
                Rule::OutOfRange {
                    min: "-180".into(),
                    max: "180".into(),
                },
            ));
        }
        Ok(())
    }

    /// Great-circle distance in metres (haversine; ample for the tens of metres that matter
    /// to a repeat-location check).
    pub fn distance_m(&self, other: &GeoPoint) -> f64 {
        const EARTH_RADIUS_M: f64 = 6_371_008.8;
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.lon - self.lon).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().asin()
    }
}

/// An LSOA's GSS code: `E01` (England) or `W01` (Wales) and six digits, e.g. `E01027461`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LsoaCode(String);

impl LsoaCode {
    pub const FORMAT: &'static str = "an LSOA GSS code: E01 or W01 and six digits";

    pub fn parse(code: &str) -> Result<Self, ValidationError> {
        Self::parse_field("lsoa", code)
    }

    /// Parses what a person typed: any case, stray spaces (`e01027461` is `E01027461`). Stored
    /// and synced codes are parsed strictly ([`LsoaCode::parse`]).
    pub fn parse_typed(field: &str, typed: &str) -> Result<Self, ValidationError> {
        Self::parse_field(field, &typed.trim().to_ascii_uppercase())
    }

    /// Parses, naming `field` in the error.
    pub fn parse_field(field: &str, code: &str) -> Result<Self, ValidationError> {
        let bytes = code.as_bytes();
        let valid = bytes.len() == 9
            && (code.starts_with("E01") || code.starts_with("W01"))
            && bytes[3..].iter().all(u8::is_ascii_digit);
        if valid {
            Ok(Self(code.to_owned()))
        } else {
            Err(ValidationError::new(
                field,
                Rule::Format {
                    expected: Self::FORMAT,
                },
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// In the OpenAPI document: the code's text.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for LsoaCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^(E01|W01)[0-9]{6}$"))
            .description(Some(Self::FORMAT))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for LsoaCode {}

impl TryFrom<String> for LsoaCode {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<LsoaCode> for String {
    fn from(code: LsoaCode) -> Self {
        code.0
    }
}

impl FromStr for LsoaCode {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for LsoaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsoa_codes_accept_england_and_wales_only_with_six_digits() {
        assert!(LsoaCode::parse("E01027461").is_ok());
        assert!(LsoaCode::parse("W01000001").is_ok());
        for bad in [
            "E0102746",
            "E010274610",
            "S01000001",
            "E02000001",
            "E01O27461",
            "",
            "e01027461",
        ] {
            let err = LsoaCode::parse(bad).expect_err(bad);
            assert_eq!(err.field, "lsoa");
            assert!(matches!(err.rule, Rule::Format { .. }));
        }
    }

    #[test]
    fn coordinates_out_of_range_are_refused_with_the_axis_named() {
        assert!(GeoPoint::new(51.5, -0.1).validate("place").is_ok());
        assert_eq!(
            GeoPoint::new(91.0, 0.0)
                .validate("place")
                .map_err(|e| e.field),
            Err("place.lat".to_owned())
        );
        assert_eq!(
            GeoPoint::new(0.0, -180.5)
                .validate("place")
                .map_err(|e| e.field),
            Err("place.lon".to_owned())
        );
        assert!(GeoPoint::new(f64::NAN, 0.0).validate("place").is_err());
    }

    #[test]
    fn distance_of_one_thousandth_degree_latitude_is_about_111_metres() {
        let a = GeoPoint::new(51.5, -0.1);
        let b = GeoPoint::new(51.501, -0.1);
        let d = a.distance_m(&b);
        assert!((d - 111.2).abs() < 0.5, "{d}");
    }
}
