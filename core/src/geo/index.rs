//! The loaded boundary set and the lookup from a point to its area.
//!
//! Why a flat list with bounding boxes: a force's reference file has on the order of 1,500
//! LSOAs. Checking a point against 1,500 boxes packed in one array takes about a microsecond,
//! and only the one or two areas whose box holds the point get the exact ray cast, so a spatial
//! tree would add code and load time for no felt gain.

use super::boundary::{to_coord, AreaBoundary, AreaTag};
use super::error::GeoError;
use super::parse::parse_boundaries;
use super::shape::{in_rect, union};
use crate::model::place::{GeoPoint, LsoaCode};
use geo_types::Rect;
use std::fmt;

/// The LSOA boundaries of one boundary file, ready to tag points offline.
#[derive(Clone, Default)]
pub struct AreaIndex {
    /// Sorted by LSOA code, so lookups and overlap tie-breaks do not depend on file order.
    boundaries: Vec<AreaBoundary>,
    /// `boxes[i]` is the bounding box of `boundaries[i]`, packed for the prefilter scan.
    boxes: Vec<Rect<f64>>,
    /// The box around everything; `None` when empty.
    extent: Option<Rect<f64>>,
}

impl AreaIndex {
    /// Loads a GeoJSON FeatureCollection of LSOAs (see the [module docs](super) for the
    /// properties). The whole file is refused on the first problem found.
    pub fn from_geojson(text: &str) -> Result<AreaIndex, GeoError> {
        let mut boundaries = parse_boundaries(text)?;
        boundaries.sort_by(|a, b| a.lsoa_code.cmp(&b.lsoa_code));
        let boxes: Vec<Rect<f64>> = boundaries.iter().map(|b| b.shape.bbox()).collect();
        let extent = boxes.iter().copied().reduce(|a, b| union(&a, &b));
        Ok(AreaIndex {
            boundaries,
            boxes,
            extent,
        })
    }

    /// The LSOA and LAP that `point` falls in, or `None` if it is outside every area (or not
    /// a finite coordinate).
    ///
    /// Deterministic at the edges: a point exactly on a boundary belongs to the area
    /// immediately east of it, or, on an east–west edge, immediately north of it (a corner
    /// shared by four areas goes to the north-eastern one). So a point on an edge shared by
    /// two LSOAs gets exactly one of them, the same on every device. A point in a hole of an
    /// area is not in that area. If a faulty file has overlapping areas, the lowest LSOA code
    /// wins.
    pub fn tag(&self, point: GeoPoint) -> Option<AreaTag> {
        self.boundary_at(point).map(AreaBoundary::tag)
    }

    /// The boundary (with its names) that `point` falls in, by the same rule as [`tag`].
    ///
    /// [`tag`]: AreaIndex::tag
    pub fn boundary_at(&self, point: GeoPoint) -> Option<&AreaBoundary> {
        let p = to_coord(point);
        if !self.extent.is_some_and(|extent| in_rect(&extent, p)) {
            return None;
        }
        self.boxes
            .iter()
            .zip(&self.boundaries)
            .find(|(bbox, boundary)| in_rect(bbox, p) && boundary.shape.contains(p))
            .map(|(_, boundary)| boundary)
    }

    /// The boundary of one LSOA, if the file had it.
    pub fn get(&self, code: &LsoaCode) -> Option<&AreaBoundary> {
        self.boundaries
            .binary_search_by(|b| b.lsoa_code.cmp(code))
            .ok()
            .and_then(|i| self.boundaries.get(i))
    }

    /// All boundaries, sorted by LSOA code.
    pub fn boundaries(&self) -> &[AreaBoundary] {
        &self.boundaries
    }

    pub fn is_empty(&self) -> bool {
        self.boundaries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.boundaries.len()
    }
}

/// A count and extent; the full geometry would flood any log.
impl fmt::Debug for AreaIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("AreaIndex");
        out.field("lsoas", &self.boundaries.len());
        if let Some(extent) = self.extent {
            out.field(
                "extent",
                &format_args!(
                    "lon {}..{}, lat {}..{}",
                    extent.min().x,
                    extent.max().x,
                    extent.min().y,
                    extent.max().y
                ),
            );
        }
        out.finish()
    }
}
