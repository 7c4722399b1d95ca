//! Why a boundary file was refused.
//!
//! Boundary files are reference data prepared by an analyst, not typed by an officer, so a bad
//! one must fail loudly at load time with a message that points at the exact feature, polygon
//! and ring to fix, rather than silently tagging points with the wrong area (or none). Feature,
//! polygon and ring numbers are 0-based positions in the file's arrays (`features[3]`, its
//! `coordinates[0]`, that polygon's `[1]`), so they can be looked up directly with a JSON tool.
//! The values quoted are from the reference file, never from personal data.

use crate::model::place::LsoaCode;
use crate::validation::ValidationError;

/// A boundary file that cannot be used for area tagging.
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    /// The text is not JSON at all.
    #[error("boundary file is not valid JSON: {0}")]
    Json(#[source] serde_json::Error),

    /// Valid JSON, but not a GeoJSON FeatureCollection with a `features` array.
    #[error(
        "boundary file must be a GeoJSON FeatureCollection with a `features` array, found {found}"
    )]
    NotFeatureCollection {
        /// What was found instead, e.g. ``a `Feature` `` or `a JSON array`.
        found: String,
    },

    /// An entry of `features` that is not a well-formed GeoJSON Feature.
    #[error("feature {feature}: not a valid GeoJSON Feature: {reason}")]
    InvalidFeature { feature: usize, reason: String },

    /// A required property is absent, `null` or blank.
    #[error("feature {feature}: missing property `{property}` (absent, null or blank)")]
    MissingProperty {
        feature: usize,
        property: &'static str,
    },

    /// A property that must be text holds a number, object, etc.
    #[error("feature {feature}: property `{property}` must be a string")]
    PropertyNotText {
        feature: usize,
        property: &'static str,
    },

    /// `lsoa_code` is not an LSOA GSS code.
    #[error("feature {feature}: bad LSOA code {value:?}: {source}")]
    InvalidLsoaCode {
        feature: usize,
        value: String,
        #[source]
        source: ValidationError,
    },

    /// Two features claim the same LSOA; which one wins would be arbitrary.
    #[error("feature {feature}: LSOA {code} is already defined by feature {first}")]
    DuplicateLsoaCode {
        feature: usize,
        code: LsoaCode,
        first: usize,
    },

    /// The feature has `"geometry": null`.
    #[error("feature {feature}: has no geometry")]
    MissingGeometry { feature: usize },

    /// Only areas can contain points: Polygon and MultiPolygon.
    #[error(
        "feature {feature}: unsupported geometry type {found}; expected Polygon or MultiPolygon"
    )]
    UnsupportedGeometry { feature: usize, found: &'static str },

    /// A Polygon with no rings, or a MultiPolygon with no polygons.
    #[error("feature {feature}: geometry has no rings")]
    EmptyGeometry { feature: usize },

    /// A position with fewer than two numbers.
    #[error("feature {feature}, polygon {polygon}, ring {ring}: a position needs [lon, lat], found {len} number(s)")]
    PositionTooShort {
        feature: usize,
        polygon: usize,
        ring: usize,
        len: usize,
    },

    /// A position outside WGS84 longitude/latitude. The usual cause is a file still in British
    /// National Grid eastings/northings (EPSG:27700), as boundary downloads often are.
    #[error("feature {feature}, polygon {polygon}, ring {ring}: position [{lon}, {lat}] is not WGS84 [lon, lat] degrees (is the file still in British National Grid? reproject it to EPSG:4326)")]
    CoordinateOutOfRange {
        feature: usize,
        polygon: usize,
        ring: usize,
        lon: f64,
        lat: f64,
    },

    /// A linear ring needs at least four positions (a triangle plus the closing repeat).
    #[error("feature {feature}, polygon {polygon}, ring {ring}: invalid ring: {points} position(s), a ring needs at least 4")]
    RingTooShort {
        feature: usize,
        polygon: usize,
        ring: usize,
        points: usize,
    },

    /// A linear ring's last position must repeat its first.
    #[error("feature {feature}, polygon {polygon}, ring {ring}: invalid ring: not closed (last position differs from the first)")]
    RingNotClosed {
        feature: usize,
        polygon: usize,
        ring: usize,
    },
}
