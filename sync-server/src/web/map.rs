//! The map of the team's areas: the LSOA boundaries loaded on the server (the
//! `area_boundaries` record's GeoJSON, the same file devices tag records with) drawn as SVG
//! paths on the server — no map tiles, nothing fetched, so it works on a closed network and
//! prints. Each LSOA is shaded by the team's contacts or patrol hours in a period; priority
//! areas are outlined. A table beside it gives the same numbers (the map is never the only way
//! to read them).
//!
//! The projection is equirectangular with longitude scaled by the cosine of the middle
//! latitude: exact enough for a neighbourhood, and nothing to configure.

use super::charts::number;
use beatbook_core::model::{LsoaCode, PriorityArea};
use maud::{html, Markup};
use serde_json::Value;
use std::collections::HashMap;

/// One LSOA's outline: rings of (longitude, latitude), outer first then holes.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    pub code: String,
    pub name: String,
    pub lap_code: String,
    pub polygons: Vec<Vec<Vec<(f64, f64)>>>,
}

fn ring(value: &Value) -> Option<Vec<(f64, f64)>> {
    value
        .as_array()?
        .iter()
        .map(|p| {
            let p = p.as_array()?;
            Some((p.first()?.as_f64()?, p.get(1)?.as_f64()?))
        })
        .collect()
}

fn polygon(value: &Value) -> Option<Vec<Vec<(f64, f64)>>> {
    value.as_array()?.iter().map(ring).collect()
}

/// The outlines in a boundary file (features that cannot be read are left out: the core's
/// parser already refused bad files when they were loaded).
pub fn outlines(geojson: &str) -> Vec<Outline> {
    let Ok(root) = serde_json::from_str::<Value>(geojson) else {
        return Vec::new();
    };
    let features = root.get("features").and_then(Value::as_array);
    features
        .into_iter()
        .flatten()
        .filter_map(|feature| {
            let props = feature.get("properties")?;
            let text = |name: &str| props.get(name).and_then(Value::as_str).map(str::to_owned);
            let geometry = feature.get("geometry")?;
            let coordinates = geometry.get("coordinates")?;
            let polygons = match geometry.get("type").and_then(Value::as_str)? {
                "Polygon" => vec![polygon(coordinates)?],
                "MultiPolygon" => coordinates
                    .as_array()?
                    .iter()
                    .map(polygon)
                    .collect::<Option<Vec<_>>>()?,
                _ => return None,
            };
            Some(Outline {
                code: text("lsoa_code")?,
                name: text("lsoa_name")?,
                lap_code: text("lap_code")?,
                polygons,
            })
        })
        .collect()
}

const WIDTH: f64 = 640.0;
/// Five shades of blue, light to dark; the darker three carry white text nowhere (no labels
/// on the map), so only their difference matters. The table gives the numbers.
const SHADES: [&str; 5] = ["#eef3fa", "#c6d7ee", "#8fb0dc", "#4f7fc0", "#1d4f91"];

/// A shade for `value` out of `max`.
fn shade(value: f64, max: f64) -> &'static str {
    if max <= 0.0 || value <= 0.0 {
        return SHADES[0];
    }
    let step = ((value / max) * 4.0).ceil() as usize;
    SHADES[step.clamp(1, 4)]
}

/// The map: `outlines` shaded by `values` (by LSOA code), priority areas outlined.
pub fn map(
    caption: &str,
    unit: &str,
    outlines: &[Outline],
    values: &HashMap<String, f64>,
    priority: &[PriorityArea],
) -> Markup {
    let points = || {
        outlines
            .iter()
            .flat_map(|o| o.polygons.iter().flatten().flatten())
    };
    let (mut min_x, mut max_x, mut min_y, mut max_y) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in points() {
        min_x = min_x.min(x);
        max_x = max_x.max(x);
        min_y = min_y.min(y);
        max_y = max_y.max(y);
    }
    let cos = ((min_y + max_y) / 2.0).to_radians().cos().max(0.1);
    let span_x = ((max_x - min_x) * cos).max(1e-9);
    let scale = WIDTH / span_x;
    let height = ((max_y - min_y) * scale).max(1.0);
    let path = |o: &Outline| {
        let mut d = String::new();
        for ring in o.polygons.iter().flatten() {
            for (i, (x, y)) in ring.iter().enumerate() {
                let px = (x - min_x) * cos * scale;
                let py = (max_y - y) * scale;
                d.push_str(&format!(
                    "{}{px:.1} {py:.1} ",
                    if i == 0 { "M" } else { "L" }
                ));
            }
            d.push_str("Z ");
        }
        d
    };
    let is_priority = |code: &str| {
        priority
            .iter()
            .filter(|p| p.lsoa_codes.iter().any(|c: &LsoaCode| c.as_str() == code))
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
    };
    let max = values.values().copied().fold(0.0_f64, f64::max);
    html! {
        figure.chart.map {
            figcaption { (caption) }
            @if outlines.is_empty() {
                p.muted { "No LSOA boundaries are loaded on the server (admin load-areas)." }
            } @else {
                svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(caption)
                    viewBox=(format!("-4 -4 {} {}", WIDTH + 8.0, height + 8.0)) width="100%" {
                    @for o in outlines {
                        @let value = values.get(&o.code).copied().unwrap_or(0.0);
                        path d=(path(o)) fill=(shade(value, max)) fill-rule="evenodd"
                            stroke="#1a1a1a" stroke-width="1" {
                            title { (o.name) " (" (o.code) "): " (number(value)) " " (unit) }
                        }
                    }
                    @for o in outlines.iter().filter(|o| !is_priority(&o.code).is_empty()) {
                        path.priority d=(path(o)) fill="none" stroke="#8a1c00" stroke-width="4"
                            stroke-dasharray="10 5" {}
                    }
                }
                p.legend {
                    "Lighter to darker: fewer to more " (unit) " (darkest: " (number(max)) "). "
                    span.key.key-priority aria-hidden="true" {} " dashed red outline: a priority area."
                }
                table #map-table {
                    thead { tr { th scope="col" { "LSOA" } th scope="col" { "LAP" }
                        th scope="col" { (unit) } th scope="col" { "Priority area" } } }
                    tbody { @for o in outlines { tr {
                        th scope="row" { (o.name) " (" (o.code) ")" }
                        td { (o.lap_code) }
                        td { (number(values.get(&o.code).copied().unwrap_or(0.0))) }
                        td { (is_priority(&o.code).join(", ")) }
                    } } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"lsoa_code":"E01990001","lsoa_name":"A","lap_code":"L"},
       "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},
      {"type":"Feature","properties":{"lsoa_code":"E01990002","lsoa_name":"B <x>","lap_code":"L"},
       "geometry":{"type":"MultiPolygon","coordinates":[[[[1,0],[2,0],[2,1],[1,1],[1,0]]]]}},
      {"type":"Feature","properties":{"lsoa_code":"E01990003"},"geometry":null}]}"#;

    #[test]
    fn outlines_are_read_and_shaded_by_value() {
        let outlines = outlines(SQUARE);
        assert_eq!(
            outlines.len(),
            2,
            "the feature without names or geometry is left out"
        );
        assert_eq!(outlines[1].polygons.len(), 1);
        let values = HashMap::from([("E01990001".to_owned(), 8.0), ("E01990002".to_owned(), 1.0)]);
        let svg = map("Contacts", "contacts", &outlines, &values, &[]).into_string();
        assert!(
            svg.contains(r##"fill="#1d4f91""##),
            "the largest is darkest: {svg}"
        );
        assert!(
            svg.contains(r##"fill="#c6d7ee""##),
            "the smallest is light: {svg}"
        );
        assert!(svg.contains("B &lt;x&gt; (E01990002): 1 contacts"));
        assert!(
            !svg.contains(r#"class="priority""#),
            "no priority area given"
        );
    }

    #[test]
    fn shades_step_with_the_share_of_the_largest() {
        assert_eq!(shade(0.0, 10.0), SHADES[0]);
        assert_eq!(shade(1.0, 10.0), SHADES[1]);
        assert_eq!(shade(10.0, 10.0), SHADES[4]);
        assert_eq!(shade(3.0, 0.0), SHADES[0]);
    }
}
