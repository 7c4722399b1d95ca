//! Reading a boundary file: GeoJSON text to validated [`AreaBoundary`] values.
//!
//! Why so strict: a wrong boundary file tags every later record wrongly, on every device,
//! without anyone noticing. So each feature is checked on its own (its position in the file is
//! named in any error): the properties the app relies on, a real LSOA code, area geometry
//! only, WGS84 coordinates, and rings that are closed and have at least four positions. The
//! `geojson` crate does the GeoJSON typing; the JSON is first read as a plain value so that a
//! malformed feature can be reported by number rather than by character offset.

use super::boundary::AreaBoundary;
use super::error::GeoError;
use super::shape::Shape;
use crate::model::place::LsoaCode;
use geo_types::{Coord, LineString, Polygon};
use geojson::{Feature, GeometryValue, JsonObject, JsonValue, Position};
use std::collections::BTreeMap;

/// Every feature of the FeatureCollection in `text`, in file order.
pub(super) fn parse_boundaries(text: &str) -> Result<Vec<AreaBoundary>, GeoError> {
    let root: JsonValue = serde_json::from_str(text).map_err(GeoError::Json)?;
    let features = feature_array(root)?;
    let mut seen: BTreeMap<LsoaCode, usize> = BTreeMap::new();
    let mut boundaries = Vec::with_capacity(features.len());
    for (index, value) in features.into_iter().enumerate() {
        let boundary = parse_feature(index, value)?;
        if let Some(&first) = seen.get(&boundary.lsoa_code) {
            return Err(GeoError::DuplicateLsoaCode {
                feature: index,
                code: boundary.lsoa_code,
                first,
            });
        }
        seen.insert(boundary.lsoa_code.clone(), index);
        boundaries.push(boundary);
    }
    Ok(boundaries)
}

fn feature_array(root: JsonValue) -> Result<Vec<JsonValue>, GeoError> {
    let not_collection = |found: String| GeoError::NotFeatureCollection { found };
    let mut object = match root {
        JsonValue::Object(object) => object,
        JsonValue::Array(_) => return Err(not_collection("a JSON array".into())),
        JsonValue::String(_) => return Err(not_collection("a JSON string".into())),
        JsonValue::Number(_) => return Err(not_collection("a JSON number".into())),
        JsonValue::Bool(_) => return Err(not_collection("a JSON boolean".into())),
        JsonValue::Null => return Err(not_collection("null".into())),
    };
    match object.get("type") {
        Some(JsonValue::String(kind)) if kind == "FeatureCollection" => {}
        Some(JsonValue::String(kind)) => return Err(not_collection(format!("a `{kind}`"))),
        _ => return Err(not_collection("an object without a `type`".into())),
    }
    match object.remove("features") {
        Some(JsonValue::Array(features)) => Ok(features),
        _ => Err(not_collection(
            "a FeatureCollection without a `features` array".into(),
        )),
    }
}

fn parse_feature(index: usize, value: JsonValue) -> Result<AreaBoundary, GeoError> {
    let feature: Feature =
        serde_json::from_value(value).map_err(|error| GeoError::InvalidFeature {
            feature: index,
            reason: error.to_string(),
        })?;
    let properties = feature.properties.unwrap_or_default();

    let code = required_text(&properties, index, "lsoa_code")?;
    let lsoa_code =
        LsoaCode::parse_field("lsoa_code", &code).map_err(|source| GeoError::InvalidLsoaCode {
            feature: index,
            value: code.clone(),
            source,
        })?;
    let lsoa_name = required_text(&properties, index, "lsoa_name")?;
    let lap_code = required_text(&properties, index, "lap_code")?;
    let lap_name = required_text(&properties, index, "lap_name")?;
    let neighbourhood = optional_text(&properties, index, "neighbourhood")?;

    let geometry = feature
        .geometry
        .ok_or(GeoError::MissingGeometry { feature: index })?;
    let polygons = match geometry.value {
        GeometryValue::Polygon { coordinates } => vec![coordinates],
        GeometryValue::MultiPolygon { coordinates } => coordinates,
        other => {
            return Err(GeoError::UnsupportedGeometry {
                feature: index,
                found: other.type_name(),
            })
        }
    };
    let polygons = polygons
        .into_iter()
        .enumerate()
        .map(|(polygon, rings)| to_polygon(index, polygon, rings))
        .collect::<Result<Vec<_>, _>>()?;
    let shape = Shape::new(polygons).ok_or(GeoError::EmptyGeometry { feature: index })?;

    Ok(AreaBoundary {
        lsoa_code,
        lsoa_name,
        lap_code,
        lap_name,
        neighbourhood,
        shape,
    })
}

/// A string property, trimmed; absent, `null` and blank are all `None`.
fn optional_text(
    properties: &JsonObject,
    feature: usize,
    property: &'static str,
) -> Result<Option<String>, GeoError> {
    match properties.get(property) {
        None | Some(JsonValue::Null) => Ok(None),
        Some(JsonValue::String(text)) => {
            let text = text.trim();
            Ok((!text.is_empty()).then(|| text.to_owned()))
        }
        Some(_) => Err(GeoError::PropertyNotText { feature, property }),
    }
}

fn required_text(
    properties: &JsonObject,
    feature: usize,
    property: &'static str,
) -> Result<String, GeoError> {
    optional_text(properties, feature, property)?
        .ok_or(GeoError::MissingProperty { feature, property })
}

fn to_polygon(
    feature: usize,
    polygon: usize,
    rings: Vec<Vec<Position>>,
) -> Result<Polygon<f64>, GeoError> {
    let mut rings = rings
        .iter()
        .enumerate()
        .map(|(ring, positions)| to_ring(feature, polygon, ring, positions));
    let exterior = rings.next().ok_or(GeoError::EmptyGeometry { feature })??;
    let holes = rings.collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, holes))
}

fn to_ring(
    feature: usize,
    polygon: usize,
    ring: usize,
    positions: &[Position],
) -> Result<LineString<f64>, GeoError> {
    if positions.len() < 4 {
        return Err(GeoError::RingTooShort {
            feature,
            polygon,
            ring,
            points: positions.len(),
        });
    }
    let coords = positions
        .iter()
        .map(|position| match position.as_slice() {
            [lon, lat, ..] if (-180.0..=180.0).contains(lon) && (-90.0..=90.0).contains(lat) => {
                Ok(Coord { x: *lon, y: *lat })
            }
            [lon, lat, ..] => Err(GeoError::CoordinateOutOfRange {
                feature,
                polygon,
                ring,
                lon: *lon,
                lat: *lat,
            }),
            short => Err(GeoError::PositionTooShort {
                feature,
                polygon,
                ring,
                len: short.len(),
            }),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if coords.first() != coords.last() {
        return Err(GeoError::RingNotClosed {
            feature,
            polygon,
            ring,
        });
    }
    Ok(LineString::new(coords))
}
