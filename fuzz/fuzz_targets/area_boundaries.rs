//! The area boundary file (GeoJSON) a device receives as the `area_boundaries` record and
//! loads to tag places offline (`core::geo::AreaIndex::from_geojson`): a broken or hostile file
//! must be refused with an error, never crash the app.
//!
//! Checked: loading never panics; a loaded index tags points — ordinary, on its own vertices,
//! far away and not finite — without panicking, and a point it tags is inside the boundary it
//! names.

#![no_main]

use beatbook_core::geo::AreaIndex;
use beatbook_core::model::GeoPoint;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(index) = AreaIndex::from_geojson(text) else {
        return;
    };
    let mut points = vec![
        GeoPoint {
            lat: 52.44,
            lon: -1.53,
        },
        GeoPoint { lat: 0.0, lon: 0.0 },
        GeoPoint {
            lat: f64::NAN,
            lon: 0.0,
        },
        GeoPoint {
            lat: f64::INFINITY,
            lon: f64::NEG_INFINITY,
        },
        GeoPoint {
            lat: 1e308,
            lon: -1e308,
        },
        GeoPoint {
            lat: -0.0,
            lon: f64::MIN_POSITIVE,
        },
    ];
    // A few points from the file itself: its numbers, read back as coordinates.
    let numbers: Vec<f64> = text
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e'))
        .filter_map(|s| s.parse().ok())
        .take(16)
        .collect();
    for pair in numbers.chunks_exact(2) {
        points.push(GeoPoint {
            lat: pair[1],
            lon: pair[0],
        });
    }
    for point in points {
        if let Some(boundary) = index.boundary_at(point) {
            assert!(boundary.contains(point), "tagged with an area it is not in");
            assert_eq!(index.tag(point), Some(boundary.tag()));
        }
    }
    let _ = index.len();
});
