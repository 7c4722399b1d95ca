//! The area of one LSOA and the point-in-area test.
//!
//! Why hand-written: the test is an even-odd ray cast of about twenty lines over `geo-types`
//! rings. The `geo` crate's `Contains` would need ~22 more crates (its boolean-operations
//! engine `i_overlay`, a second major version of `rand`, `geographiclib-rs`, …) even with
//! default features off, and it treats a point on a boundary as contained by *neither* area,
//! so a point on a shared edge would need a tie-break anyway. This ray cast gives the
//! geometric answer directly.
//!
//! # Points on boundaries
//!
//! A point is treated as if nudged an infinitesimal step east (and a still smaller step
//! north): it belongs to the area that lies immediately east of it, or, on an east–west edge,
//! immediately north of it. So a point on an edge shared by two areas belongs to exactly one
//! of them (the eastern, or the northern), and a corner where four areas meet belongs to the
//! north-eastern one. Likewise a point on the western or southern edge of an area with no
//! neighbour there is inside it, and one on its eastern or northern edge is outside.
//!
//! This holds exactly, without rounding surprises, whenever the two areas list the shared edge
//! with the same vertices (as boundary datasets built from one topology do): each edge is
//! evaluated with its endpoints in a canonical order (lower latitude first), so both areas
//! compute bit-for-bit the same crossing decision for it. The rule is the half-open edge rule
//! (an edge counts for latitudes in `[low, high)`), which also settles rays through vertices.
//!
//! Holes: the even-odd rule runs over the exterior ring and every hole together, so a point in
//! a hole is outside the polygon, and an enclosed area whose boundary is the hole's ring gets
//! the points on that ring by the same east/north rule.

use geo_types::{Coord, LineString, Polygon, Rect};

/// One area's geometry: polygons (a MultiPolygon's parts), each with its bounding box.
#[derive(Clone, PartialEq)]
pub(crate) struct Shape {
    parts: Vec<(Rect<f64>, Polygon<f64>)>,
    bbox: Rect<f64>,
}

impl Shape {
    /// `None` when there are no polygons or a polygon's exterior has no positions.
    pub(crate) fn new(polygons: Vec<Polygon<f64>>) -> Option<Self> {
        let parts = polygons
            .into_iter()
            .map(|polygon| ring_bbox(polygon.exterior()).map(|bbox| (bbox, polygon)))
            .collect::<Option<Vec<_>>>()?;
        let bbox = parts
            .iter()
            .map(|(bbox, _)| *bbox)
            .reduce(|a, b| union(&a, &b))?;
        Some(Self { parts, bbox })
    }

    /// The bounding box of all parts: x is longitude, y latitude.
    pub(crate) fn bbox(&self) -> Rect<f64> {
        self.bbox
    }

    pub(crate) fn polygon_count(&self) -> usize {
        self.parts.len()
    }

    /// Whether `point` (x = longitude, y = latitude) is in the area, by the rule in the
    /// module docs. Non-finite coordinates are never inside.
    pub(crate) fn contains(&self, point: Coord<f64>) -> bool {
        in_rect(&self.bbox, point)
            && self
                .parts
                .iter()
                .any(|(bbox, polygon)| in_rect(bbox, point) && polygon_contains(polygon, point))
    }
}

/// Inclusive bounding-box test; false for NaN.
pub(crate) fn in_rect(rect: &Rect<f64>, p: Coord<f64>) -> bool {
    let (min, max) = (rect.min(), rect.max());
    min.x <= p.x && p.x <= max.x && min.y <= p.y && p.y <= max.y
}

pub(crate) fn union(a: &Rect<f64>, b: &Rect<f64>) -> Rect<f64> {
    Rect::new(
        Coord {
            x: a.min().x.min(b.min().x),
            y: a.min().y.min(b.min().y),
        },
        Coord {
            x: a.max().x.max(b.max().x),
            y: a.max().y.max(b.max().y),
        },
    )
}

fn ring_bbox(ring: &LineString<f64>) -> Option<Rect<f64>> {
    let mut coords = ring.coords();
    let first = *coords.next()?;
    let (min, max) = coords.fold((first, first), |(min, max), c| {
        (
            Coord {
                x: min.x.min(c.x),
                y: min.y.min(c.y),
            },
            Coord {
                x: max.x.max(c.x),
                y: max.y.max(c.y),
            },
        )
    });
    Some(Rect::new(min, max))
}

/// Even-odd over the exterior and all holes: a point in a hole crosses one more ring.
fn polygon_contains(polygon: &Polygon<f64>, p: Coord<f64>) -> bool {
    std::iter::once(polygon.exterior())
        .chain(polygon.interiors())
        .fold(false, |inside, ring| inside ^ ring_parity(ring, p))
}

/// Odd number of ring edges crossed by the ray from `p` due east (+x)?
fn ring_parity(ring: &LineString<f64>, p: Coord<f64>) -> bool {
    let mut odd = false;
    for edge in ring.lines() {
        // Canonical order, so an edge shared by two rings (listed in opposite directions)
        // is evaluated with bit-identical arithmetic in both.
        let (lo, hi) = if edge.start.y <= edge.end.y {
            (edge.start, edge.end)
        } else {
            (edge.end, edge.start)
        };
        // Half-open in latitude: never counts east–west edges, and counts a vertex the ray
        // passes through once, for the edge above it.
        if lo.y <= p.y && p.y < hi.y {
            // Strictly left of the upward edge lo→hi means the eastward ray crosses it.
            let cross = (hi.x - lo.x) * (p.y - lo.y) - (hi.y - lo.y) * (p.x - lo.x);
            if cross > 0.0 {
                odd = !odd;
            }
        }
    }
    odd
}
