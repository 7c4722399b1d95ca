//! One LSOA's boundary with the names the app shows, and the tag a record stores.
//!
//! Why two types: a record only needs to remember *which* areas it fell in (`AreaTag`, two
//! short codes that sync and index cheaply), while the boundary with its names and geometry is
//! reference data that stays in the loaded [`AreaIndex`](super::AreaIndex).

use super::shape::Shape;
use crate::model::place::{GeoPoint, LsoaCode};
use geo_types::Coord;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An LSOA from the boundary file: its codes and names, and (privately) its area.
#[derive(Clone, PartialEq)]
pub struct AreaBoundary {
    pub lsoa_code: LsoaCode,
    pub lsoa_name: String,
    /// The Local Area Partnership the LSOA belongs to.
    pub lap_code: String,
    pub lap_name: String,
    pub neighbourhood: Option<String>,
    pub(super) shape: Shape,
}

impl AreaBoundary {
    /// Whether `point` lies in this LSOA (holes excluded; edges by the east/north rule
    /// documented on [`AreaIndex::tag`](super::AreaIndex::tag)).
    pub fn contains(&self, point: GeoPoint) -> bool {
        self.shape.contains(to_coord(point))
    }

    /// The tag a point in this LSOA gets.
    pub fn tag(&self) -> AreaTag {
        AreaTag {
            lsoa_code: self.lsoa_code.clone(),
            lap_code: self.lap_code.clone(),
        }
    }
}

/// Summarises the geometry: printing thousands of vertices helps nobody.
impl fmt::Debug for AreaBoundary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bbox = self.shape.bbox();
        f.debug_struct("AreaBoundary")
            .field("lsoa_code", &self.lsoa_code)
            .field("lsoa_name", &self.lsoa_name)
            .field("lap_code", &self.lap_code)
            .field("lap_name", &self.lap_name)
            .field("neighbourhood", &self.neighbourhood)
            .field("polygons", &self.shape.polygon_count())
            .field(
                "bbox",
                &format_args!(
                    "lon {}..{}, lat {}..{}",
                    bbox.min().x,
                    bbox.max().x,
                    bbox.min().y,
                    bbox.max().y
                ),
            )
            .finish()
    }
}

/// The areas a point was found in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AreaTag {
    pub lsoa_code: LsoaCode,
    pub lap_code: String,
}

/// GeoJSON order: x is longitude, y latitude.
pub(super) fn to_coord(point: GeoPoint) -> Coord<f64> {
    Coord {
        x: point.lon,
        y: point.lat,
    }
}
