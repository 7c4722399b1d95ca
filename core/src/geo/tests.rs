//! Area tagging against synthetic boundaries (no real boundary files), including the demo
//! fixture that the CLI and integration tests use.

use super::*;
use crate::model::place::{GeoPoint, LsoaCode};
use serde_json::{json, Value};

// ---- building synthetic GeoJSON ----

/// A point from GeoJSON-order coordinates: x = longitude, y = latitude.
fn at(x: f64, y: f64) -> GeoPoint {
    GeoPoint::new(y, x)
}

/// A closed anticlockwise rectangle ring.
fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<[f64; 2]> {
    vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
}

fn polygon(rings: Vec<Vec<[f64; 2]>>) -> Value {
    json!({ "type": "Polygon", "coordinates": rings })
}

fn multipolygon(polygons: Vec<Vec<Vec<[f64; 2]>>>) -> Value {
    json!({ "type": "MultiPolygon", "coordinates": polygons })
}

fn feature(code: &str, lap: &str, geometry: Value) -> Value {
    json!({
        "type": "Feature",
        "properties": {
            "lsoa_code": code,
            "lsoa_name": format!("Test {code}"),
            "lap_code": lap,
            "lap_name": format!("{lap} LAP"),
        },
        "geometry": geometry,
    })
}

fn collection(features: Vec<Value>) -> String {
    json!({ "type": "FeatureCollection", "features": features }).to_string()
}

fn index(features: Vec<Value>) -> AreaIndex {
    AreaIndex::from_geojson(&collection(features)).expect("valid synthetic boundaries")
}

fn code(text: &str) -> LsoaCode {
    LsoaCode::parse(text).expect("valid test code")
}

fn tagged(index: &AreaIndex, point: GeoPoint) -> Option<String> {
    index.tag(point).map(|tag| tag.lsoa_code.to_string())
}

fn unit_square() -> Value {
    feature(
        "E01000001",
        "LAP-A",
        polygon(vec![rect(0.0, 0.0, 1.0, 1.0)]),
    )
}

// ---- tagging ----

#[test]
fn point_inside_a_square_gets_its_lsoa_and_lap() {
    let index = index(vec![unit_square()]);
    assert_eq!(index.len(), 1);
    assert!(!index.is_empty());
    assert_eq!(
        index.tag(at(0.5, 0.5)),
        Some(AreaTag {
            lsoa_code: code("E01000001"),
            lap_code: "LAP-A".into(),
        })
    );
    let boundary = &index.boundaries()[0];
    assert_eq!(boundary.lsoa_name, "Test E01000001");
    assert_eq!(boundary.lap_name, "LAP-A LAP");
    assert_eq!(boundary.neighbourhood, None);
}

#[test]
fn points_outside_every_area_get_no_tag() {
    let index = index(vec![unit_square()]);
    for (x, y) in [
        (1.5, 0.5),
        (-0.5, 0.5),
        (0.5, 1.5),
        (0.5, -0.5),
        (50.0, 50.0),
    ] {
        assert_eq!(index.tag(at(x, y)), None, "({x}, {y})");
    }
}

#[test]
fn non_finite_points_get_no_tag() {
    let index = index(vec![unit_square()]);
    assert_eq!(index.tag(at(f64::NAN, 0.5)), None);
    assert_eq!(index.tag(at(0.5, f64::NAN)), None);
    assert_eq!(index.tag(at(f64::INFINITY, 0.5)), None);
}

#[test]
fn empty_collection_loads_and_tags_nothing() {
    let index = AreaIndex::from_geojson(&collection(vec![])).expect("empty is valid");
    assert!(index.is_empty());
    assert_eq!(index.len(), 0);
    assert_eq!(index.tag(at(0.5, 0.5)), None);
}

#[test]
fn a_lone_squares_west_and_south_edges_are_in_and_east_and_north_edges_out() {
    let index = index(vec![unit_square()]);
    let inside = |x, y| index.tag(at(x, y)).is_some();
    assert!(inside(0.0, 0.5), "west edge");
    assert!(inside(0.5, 0.0), "south edge");
    assert!(inside(0.0, 0.0), "south-west corner");
    assert!(!inside(1.0, 0.5), "east edge");
    assert!(!inside(0.5, 1.0), "north edge");
    assert!(!inside(1.0, 1.0), "north-east corner");
}

#[test]
fn a_point_in_a_hole_is_not_in_the_polygon() {
    let index = index(vec![feature(
        "E01000001",
        "LAP-A",
        polygon(vec![rect(0.0, 0.0, 1.0, 1.0), rect(0.4, 0.4, 0.6, 0.6)]),
    )]);
    assert_eq!(tagged(&index, at(0.5, 0.5)), None, "centre of the hole");
    assert_eq!(tagged(&index, at(0.2, 0.5)).as_deref(), Some("E01000001"));
    assert_eq!(tagged(&index, at(0.8, 0.5)).as_deref(), Some("E01000001"));
    // The hole's edges follow the same east/north rule: just east of its western edge is
    // the hole, just east of its eastern edge is the polygon.
    assert_eq!(tagged(&index, at(0.4, 0.5)), None);
    assert_eq!(tagged(&index, at(0.6, 0.5)).as_deref(), Some("E01000001"));
}

#[test]
fn an_area_filling_a_hole_gets_the_points_inside_it_and_the_ring_has_one_owner() {
    let hole = rect(0.4, 0.4, 0.6, 0.6);
    let index = index(vec![
        feature(
            "E01000001",
            "LAP-A",
            polygon(vec![rect(0.0, 0.0, 1.0, 1.0), hole.clone()]),
        ),
        feature("E01000002", "LAP-B", polygon(vec![hole])),
    ]);
    assert_eq!(tagged(&index, at(0.5, 0.5)).as_deref(), Some("E01000002"));
    assert_eq!(tagged(&index, at(0.3, 0.5)).as_deref(), Some("E01000001"));
    for (x, y) in [(0.4, 0.5), (0.6, 0.5), (0.5, 0.4), (0.5, 0.6), (0.4, 0.4)] {
        let owners = index
            .boundaries()
            .iter()
            .filter(|b| b.contains(at(x, y)))
            .count();
        assert_eq!(owners, 1, "({x}, {y}) on the hole's ring");
    }
}

#[test]
fn a_multipolygon_of_two_islands_tags_both_but_not_the_sea_between() {
    let index = index(vec![feature(
        "E01000003",
        "LAP-C",
        multipolygon(vec![
            vec![rect(0.0, 0.0, 1.0, 1.0)],
            vec![rect(3.0, 0.0, 4.0, 1.0)],
        ]),
    )]);
    assert_eq!(tagged(&index, at(0.5, 0.5)).as_deref(), Some("E01000003"));
    assert_eq!(tagged(&index, at(3.5, 0.5)).as_deref(), Some("E01000003"));
    // Inside the multipolygon's overall bounding box, but in neither island.
    assert_eq!(tagged(&index, at(2.0, 0.5)), None);
}

#[test]
fn a_point_on_a_shared_north_south_edge_belongs_to_the_eastern_area_only() {
    let index = index(vec![
        feature(
            "E01000001",
            "LAP-A",
            polygon(vec![rect(0.0, 0.0, 1.0, 1.0)]),
        ),
        feature(
            "E01000002",
            "LAP-B",
            polygon(vec![rect(1.0, 0.0, 2.0, 1.0)]),
        ),
    ]);
    assert_eq!(tagged(&index, at(0.5, 0.5)).as_deref(), Some("E01000001"));
    assert_eq!(tagged(&index, at(1.5, 0.5)).as_deref(), Some("E01000002"));
    for y in [0.0, 0.1, 0.5, 0.999] {
        let tag = index.tag(at(1.0, y)).expect("shared edge is tagged");
        assert_eq!(tag.lsoa_code, code("E01000002"), "y = {y}");
        assert_eq!(tag.lap_code, "LAP-B");
        let western = &index.boundaries()[0];
        assert!(
            !western.contains(at(1.0, y)),
            "not also in the western area"
        );
    }
}

#[test]
fn a_point_on_a_shared_east_west_edge_belongs_to_the_northern_area_only() {
    let index = index(vec![
        feature(
            "E01000001",
            "LAP-A",
            polygon(vec![rect(0.0, 0.0, 1.0, 1.0)]),
        ),
        feature(
            "E01000002",
            "LAP-A",
            polygon(vec![rect(0.0, 1.0, 1.0, 2.0)]),
        ),
    ]);
    for x in [0.0, 0.3, 0.999] {
        assert_eq!(
            tagged(&index, at(x, 1.0)).as_deref(),
            Some("E01000002"),
            "x = {x}"
        );
        assert!(!index.boundaries()[0].contains(at(x, 1.0)));
    }
}

#[test]
fn a_corner_shared_by_four_areas_belongs_to_the_north_eastern_one() {
    let index = index(vec![
        feature("E01000001", "SW", polygon(vec![rect(0.0, 0.0, 1.0, 1.0)])),
        feature("E01000002", "SE", polygon(vec![rect(1.0, 0.0, 2.0, 1.0)])),
        feature("E01000003", "NW", polygon(vec![rect(0.0, 1.0, 1.0, 2.0)])),
        feature("E01000004", "NE", polygon(vec![rect(1.0, 1.0, 2.0, 2.0)])),
    ]);
    assert_eq!(
        index.tag(at(1.0, 1.0)).map(|t| t.lap_code).as_deref(),
        Some("NE")
    );
    let owners = index
        .boundaries()
        .iter()
        .filter(|b| b.contains(at(1.0, 1.0)))
        .count();
    assert_eq!(owners, 1);
}

#[test]
fn a_slanted_shared_edge_gives_exactly_one_owner_despite_rounding() {
    // The unit square cut along (0.1, 0) → (0.7, 1). The left part lists the cut upwards,
    // the right part downwards (and clockwise), so only canonical edge evaluation agrees.
    let left = vec![[0.0, 0.0], [0.1, 0.0], [0.7, 1.0], [0.0, 1.0], [0.0, 0.0]];
    let right = vec![[0.1, 0.0], [0.7, 1.0], [1.0, 1.0], [1.0, 0.0], [0.1, 0.0]];
    let right: Vec<[f64; 2]> = right.into_iter().rev().collect();
    let index = index(vec![
        feature("E01000001", "LAP-A", polygon(vec![left])),
        feature("E01000002", "LAP-A", polygon(vec![right])),
    ]);
    let mut points = 0;
    for step in 0..1000 {
        let y = f64::from(step) / 1000.0;
        let x_on_edge = 0.1 + 0.6 * y;
        for x in [
            x_on_edge,
            next_up(x_on_edge),
            next_down(x_on_edge),
            x_on_edge + 1e-12,
            x_on_edge - 1e-12,
        ] {
            let owners = index
                .boundaries()
                .iter()
                .filter(|b| b.contains(at(x, y)))
                .count();
            assert_eq!(owners, 1, "({x}, {y})");
            assert!(index.tag(at(x, y)).is_some());
            points += 1;
        }
    }
    assert_eq!(points, 5000);
}

fn next_up(x: f64) -> f64 {
    f64::from_bits(x.to_bits() + 1)
}

fn next_down(x: f64) -> f64 {
    f64::from_bits(x.to_bits() - 1)
}

#[test]
fn a_grid_of_1600_areas_tags_every_point_once_by_the_east_north_rule() {
    const N: usize = 40;
    // Grid lines as the index holds them after the JSON round trip (serde_json's default
    // float parsing may land one ulp away from an arbitrary f64), so that test points on
    // the lines are exactly on the stored edges.
    let line = |i: usize| -> f64 {
        let text = serde_json::to_string(&(-1.6 + 0.005 * i as f64)).expect("serialises");
        serde_json::from_str(&text).expect("parses")
    };
    let mut features = Vec::new();
    for row in 0..N {
        for col in 0..N {
            let n = row * N + col + 1;
            let ring = rect(
                line(col),
                52.0 + line(row),
                line(col + 1),
                52.0 + line(row + 1),
            );
            features.push(feature(
                &format!("E0199{n:04}"),
                &format!("LAP-{}", row / 10),
                polygon(vec![ring]),
            ));
        }
    }
    let index = index(features);
    assert_eq!(index.len(), N * N);
    // Interior points, and points exactly on grid lines and corners (which belong to the
    // cell to their north-east).
    for row in 0..N {
        for col in 0..N {
            let expected = format!("E0199{:04}", row * N + col + 1);
            let (x0, y0) = (line(col), 52.0 + line(row));
            let (xm, ym) = (
                (line(col) + line(col + 1)) / 2.0,
                52.0 + (line(row) + line(row + 1)) / 2.0,
            );
            for (x, y) in [(xm, ym), (x0, ym), (xm, y0), (x0, y0)] {
                assert_eq!(
                    tagged(&index, at(x, y)).as_deref(),
                    Some(expected.as_str()),
                    "({x}, {y})"
                );
            }
        }
    }
    // The grid's own eastern and northern edges are outside it.
    assert_eq!(index.tag(at(line(N), 52.0 + line(5))), None);
    assert_eq!(index.tag(at(line(5), 52.0 + line(N))), None);
}

#[test]
fn overlapping_areas_resolve_to_the_lowest_lsoa_code_whatever_the_file_order() {
    let a = feature(
        "E01000009",
        "LAP-Z",
        polygon(vec![rect(0.0, 0.0, 2.0, 2.0)]),
    );
    let b = feature(
        "E01000002",
        "LAP-B",
        polygon(vec![rect(1.0, 1.0, 3.0, 3.0)]),
    );
    for features in [vec![a.clone(), b.clone()], vec![b, a]] {
        let index = index(features);
        assert_eq!(tagged(&index, at(1.5, 1.5)).as_deref(), Some("E01000002"));
        assert_eq!(tagged(&index, at(0.5, 0.5)).as_deref(), Some("E01000009"));
        let codes: Vec<&str> = index
            .boundaries()
            .iter()
            .map(|b| b.lsoa_code.as_str())
            .collect();
        assert_eq!(
            codes,
            ["E01000002", "E01000009"],
            "boundaries sorted by code"
        );
    }
}

#[test]
fn get_finds_a_boundary_by_code_and_boundary_at_gives_its_names() {
    let index = index(vec![
        unit_square(),
        feature(
            "E01000002",
            "LAP-B",
            polygon(vec![rect(1.0, 0.0, 2.0, 1.0)]),
        ),
    ]);
    assert_eq!(
        index.get(&code("E01000002")).map(|b| b.lap_code.as_str()),
        Some("LAP-B")
    );
    assert!(index.get(&code("E01000003")).is_none());
    assert_eq!(
        index
            .boundary_at(at(1.5, 0.5))
            .map(|b| b.lsoa_name.as_str()),
        Some("Test E01000002")
    );
}

#[test]
fn properties_are_trimmed_and_a_blank_neighbourhood_is_none() {
    let mut with_hood = unit_square();
    with_hood["properties"]["neighbourhood"] = json!("  Old Town ");
    with_hood["properties"]["lap_name"] = json!(" Alpha LAP ");
    let index = index(vec![with_hood]);
    assert_eq!(
        index.boundaries()[0].neighbourhood.as_deref(),
        Some("Old Town")
    );
    assert_eq!(index.boundaries()[0].lap_name, "Alpha LAP");

    let mut blank = unit_square();
    blank["properties"]["neighbourhood"] = json!("   ");
    assert_eq!(index_of(blank).boundaries()[0].neighbourhood, None);
}

fn index_of(feature: Value) -> AreaIndex {
    index(vec![feature])
}

#[test]
fn debug_output_summarises_instead_of_dumping_vertices() {
    let index = index(vec![unit_square()]);
    let text = format!("{index:?}");
    assert!(text.contains("lsoas: 1"), "{text}");
    let text = format!("{:?}", index.boundaries()[0]);
    assert!(text.contains("polygons: 1"), "{text}");
    assert!(!text.contains("Coord"), "{text}");
}

#[test]
fn area_tag_round_trips_through_serde() {
    let tag = AreaTag {
        lsoa_code: code("E01027461"),
        lap_code: "LAP-A".into(),
    };
    let text = serde_json::to_string(&tag).expect("serialises");
    assert_eq!(text, r#"{"lsoa_code":"E01027461","lap_code":"LAP-A"}"#);
    assert_eq!(serde_json::from_str::<AreaTag>(&text).expect("parses"), tag);
    assert!(serde_json::from_str::<AreaTag>(r#"{"lsoa_code":"X","lap_code":"A"}"#).is_err());
}

// ---- every GeoError ----

fn load_err(text: &str) -> GeoError {
    AreaIndex::from_geojson(text).expect_err("must be refused")
}

fn feature_err(feature: Value) -> GeoError {
    // The bad feature is second, so the error must name feature 1.
    load_err(&collection(vec![unit_square_coded("E01000099"), feature]))
}

fn unit_square_coded(code: &str) -> Value {
    feature(code, "LAP-A", polygon(vec![rect(0.0, 0.0, 1.0, 1.0)]))
}

#[test]
fn bad_json_is_refused() {
    let err = load_err("{ \"type\": \"FeatureCollection\", ");
    assert!(matches!(err, GeoError::Json(_)), "{err:?}");
    assert!(err
        .to_string()
        .starts_with("boundary file is not valid JSON"));
}

#[test]
fn anything_but_a_feature_collection_is_refused() {
    let cases = [
        (unit_square().to_string(), "a `Feature`"),
        ("[]".to_owned(), "a JSON array"),
        ("42".to_owned(), "a JSON number"),
        (
            r#"{"features": []}"#.to_owned(),
            "an object without a `type`",
        ),
        (
            r#"{"type": "FeatureCollection"}"#.to_owned(),
            "a FeatureCollection without a `features` array",
        ),
        (
            r#"{"type": "FeatureCollection", "features": {}}"#.to_owned(),
            "a FeatureCollection without a `features` array",
        ),
    ];
    for (text, expected) in cases {
        match load_err(&text) {
            GeoError::NotFeatureCollection { found } => assert_eq!(found, expected, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn a_malformed_feature_is_refused_by_number() {
    for bad in [
        json!(42),
        json!({ "type": "Point", "coordinates": [0.0, 0.0] }),
        json!({ "type": "Feature", "properties": {}, "geometry": { "type": "Polygon" } }),
    ] {
        match feature_err(bad.clone()) {
            GeoError::InvalidFeature { feature, reason } => {
                assert_eq!(feature, 1, "{bad}");
                assert!(!reason.is_empty());
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
}

#[test]
fn each_missing_required_property_is_named() {
    for property in ["lsoa_code", "lsoa_name", "lap_code", "lap_name"] {
        for blank in [None, Some(Value::Null), Some(json!("  "))] {
            let mut bad = unit_square();
            let props = bad["properties"]
                .as_object_mut()
                .expect("test feature has properties");
            match &blank {
                None => {
                    props.remove(property);
                }
                Some(value) => {
                    props.insert(property.into(), value.clone());
                }
            }
            let err = feature_err(bad);
            assert!(
                matches!(err, GeoError::MissingProperty { feature: 1, property: p } if p == property),
                "{property} {blank:?}: {err:?}"
            );
            assert!(err
                .to_string()
                .contains(&format!("feature 1: missing property `{property}`")));
        }
    }
}

#[test]
fn a_feature_without_properties_reports_the_first_required_one() {
    let mut bad = unit_square();
    bad["properties"] = Value::Null;
    assert!(matches!(
        feature_err(bad),
        GeoError::MissingProperty {
            feature: 1,
            property: "lsoa_code"
        }
    ));
}

#[test]
fn a_non_string_property_is_refused() {
    let mut bad = unit_square();
    bad["properties"]["lap_code"] = json!(7);
    let err = feature_err(bad);
    assert!(
        matches!(
            err,
            GeoError::PropertyNotText {
                feature: 1,
                property: "lap_code"
            }
        ),
        "{err:?}"
    );
    let mut bad = unit_square();
    bad["properties"]["neighbourhood"] = json!(["a"]);
    assert!(matches!(
        feature_err(bad),
        GeoError::PropertyNotText {
            feature: 1,
            property: "neighbourhood"
        }
    ));
}

#[test]
fn a_bad_lsoa_code_is_refused_with_the_value() {
    for bad_code in ["E02000001", "S01000001", "E0100000", "not a code"] {
        let err = feature_err(unit_square_coded(bad_code));
        match &err {
            GeoError::InvalidLsoaCode {
                feature,
                value,
                source,
            } => {
                assert_eq!(*feature, 1);
                assert_eq!(value, bad_code);
                assert_eq!(source.field, "lsoa_code");
            }
            other => panic!("{bad_code}: {other:?}"),
        }
        assert!(err.to_string().contains("bad LSOA code"), "{err}");
    }
}

#[test]
fn a_duplicate_lsoa_code_is_refused() {
    let err = load_err(&collection(vec![
        unit_square_coded("E01000005"),
        unit_square_coded("E01000006"),
        unit_square_coded("E01000005"),
    ]));
    match err {
        GeoError::DuplicateLsoaCode {
            feature,
            code: dup,
            first,
        } => {
            assert_eq!((feature, first), (2, 0));
            assert_eq!(dup, code("E01000005"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_feature_without_geometry_is_refused() {
    let mut bad = unit_square();
    bad["geometry"] = Value::Null;
    assert!(matches!(
        feature_err(bad),
        GeoError::MissingGeometry { feature: 1 }
    ));
}

#[test]
fn point_and_line_geometries_are_unsupported() {
    for (geometry, kind) in [
        (
            json!({ "type": "Point", "coordinates": [0.5, 0.5] }),
            "Point",
        ),
        (
            json!({ "type": "LineString", "coordinates": [[0.0, 0.0], [1.0, 1.0]] }),
            "LineString",
        ),
        (
            json!({ "type": "GeometryCollection", "geometries": [] }),
            "GeometryCollection",
        ),
    ] {
        let err = feature_err(feature("E01000001", "LAP-A", geometry));
        assert!(
            matches!(err, GeoError::UnsupportedGeometry { feature: 1, found } if found == kind),
            "{kind}: {err:?}"
        );
        assert!(err.to_string().contains(kind));
    }
}

#[test]
fn geometry_without_rings_is_refused() {
    // (A MultiPolygon part with no rings, `[[]]`, is already refused by the GeoJSON parser,
    // as an InvalidFeature.)
    for geometry in [polygon(vec![]), multipolygon(vec![])] {
        let err = feature_err(feature("E01000001", "LAP-A", geometry.clone()));
        assert!(
            matches!(err, GeoError::EmptyGeometry { feature: 1 }),
            "{geometry}: {err:?}"
        );
    }
}

#[test]
fn rings_with_fewer_than_four_positions_are_refused() {
    let triangle_unclosed = vec![[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]];
    let err = feature_err(feature(
        "E01000001",
        "LAP-A",
        polygon(vec![triangle_unclosed]),
    ));
    assert!(
        matches!(
            err,
            GeoError::RingTooShort {
                feature: 1,
                polygon: 0,
                ring: 0,
                points: 3
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("invalid ring"), "{err}");
}

#[test]
fn unclosed_rings_are_refused_naming_polygon_and_ring() {
    let open_hole = vec![[0.4, 0.4], [0.6, 0.4], [0.6, 0.6], [0.4, 0.6]];
    let err = feature_err(feature(
        "E01000001",
        "LAP-A",
        multipolygon(vec![
            vec![rect(2.0, 2.0, 3.0, 3.0)],
            vec![rect(0.0, 0.0, 1.0, 1.0), open_hole],
        ]),
    ));
    assert!(
        matches!(
            err,
            GeoError::RingNotClosed {
                feature: 1,
                polygon: 1,
                ring: 1
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("not closed"), "{err}");
}

#[test]
fn british_national_grid_coordinates_are_refused_with_a_hint() {
    let bng = rect(430_000.0, 280_000.0, 431_000.0, 281_000.0);
    let err = feature_err(feature("E01000001", "LAP-A", polygon(vec![bng])));
    assert!(
        matches!(err, GeoError::CoordinateOutOfRange { feature: 1, lon, lat, .. } if lon == 430_000.0 && lat == 280_000.0),
        "{err:?}"
    );
    assert!(err.to_string().contains("British National Grid"), "{err}");
    // Latitude out of range alone is caught too.
    let err = feature_err(feature(
        "E01000001",
        "LAP-A",
        polygon(vec![rect(0.0, 89.0, 1.0, 91.0)]),
    ));
    assert!(
        matches!(err, GeoError::CoordinateOutOfRange { .. }),
        "{err:?}"
    );
}

#[test]
fn positions_with_one_number_are_refused() {
    let bad = json!({
        "type": "Polygon",
        "coordinates": [[[0.0, 0.0], [1.0], [1.0, 1.0], [0.0, 0.0]]],
    });
    let err = feature_err(feature("E01000001", "LAP-A", bad));
    assert!(
        matches!(
            err,
            GeoError::PositionTooShort {
                feature: 1,
                polygon: 0,
                ring: 0,
                len: 1
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_third_coordinate_is_ignored() {
    let with_altitude = json!({
        "type": "Polygon",
        "coordinates": [[[0.0, 0.0, 5.0], [1.0, 0.0, 5.0], [1.0, 1.0, 5.0], [0.0, 1.0, 5.0], [0.0, 0.0, 5.0]]],
    });
    let index = index(vec![feature("E01000001", "LAP-A", with_altitude)]);
    assert_eq!(tagged(&index, at(0.5, 0.5)).as_deref(), Some("E01000001"));
}

// ---- the demo fixture ----

const DEMO: &str = include_str!("../../tests/fixtures/demo_areas.geojson");

#[test]
fn demo_fixture_has_six_fictional_lsoas_in_two_laps() {
    let index = AreaIndex::from_geojson(DEMO).expect("demo fixture loads");
    assert_eq!(index.len(), 6);
    let mut laps: Vec<(&str, &str)> = index
        .boundaries()
        .iter()
        .map(|b| (b.lap_code.as_str(), b.lap_name.as_str()))
        .collect();
    laps.dedup();
    assert_eq!(
        laps,
        [("LAP-NV", "Northvale LAP"), ("LAP-SM", "Southmere LAP")]
    );
    for boundary in index.boundaries() {
        assert!(
            boundary.lsoa_code.as_str().starts_with("E01990"),
            "{boundary:?}"
        );
    }
}

#[test]
fn demo_fixture_tags_each_rectangle_its_edges_and_its_hole() {
    let index = AreaIndex::from_geojson(DEMO).expect("demo fixture loads");
    // Centres of the 3 × 2 grid: north row Northvale, south row Southmere.
    let cases = [
        (-1.535, 52.445, "E01990001", "LAP-NV"),
        (-1.51, 52.435, "E01990002", "LAP-NV"),
        (-1.465, 52.445, "E01990003", "LAP-NV"),
        (-1.535, 52.415, "E01990004", "LAP-SM"),
        (-1.50, 52.415, "E01990005", "LAP-SM"),
        (-1.465, 52.415, "E01990006", "LAP-SM"),
    ];
    for (lon, lat, lsoa, lap) in cases {
        let tag = index.tag(at(lon, lat)).expect("inside the grid");
        assert_eq!(
            (tag.lsoa_code.as_str(), tag.lap_code.as_str()),
            (lsoa, lap),
            "({lon}, {lat})"
        );
    }
    // The pond in Northvale 001B is a hole in E01990002 that no LSOA fills.
    assert_eq!(index.tag(at(-1.50, 52.445)), None);
    // Shared edges: column line −1.52 goes east, row line 52.43 goes north.
    assert_eq!(
        tagged(&index, at(-1.52, 52.415)).as_deref(),
        Some("E01990005")
    );
    assert_eq!(
        tagged(&index, at(-1.535, 52.43)).as_deref(),
        Some("E01990001")
    );
    // Outside the grid.
    assert_eq!(index.tag(at(-1.56, 52.43)), None);
    assert_eq!(index.tag(at(-1.50, 52.47)), None);
}
