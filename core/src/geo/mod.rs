//! Offline area tagging: which LSOA and Local Area Partnership (LAP) a point falls in.
//!
//! Why offline: officers record where things happened while out of signal for hours, and
//! neighbourhood work is planned and reported by LSOA and LAP, so the phone must tag a point
//! itself, from reference boundaries shipped with the app, and every device must give the
//! same answer for the same point (see [`AreaIndex::tag`] for points on boundaries).
//!
//! # Boundary file
//!
//! A GeoJSON FeatureCollection, one Feature per LSOA, with Polygon or MultiPolygon geometry
//! in WGS84 (`[lon, lat]`, EPSG:4326; holes allowed) and these properties:
//!
//! | property        | required | example            |
//! |-----------------|----------|--------------------|
//! | `lsoa_code`     | yes      | `"E01027461"`      |
//! | `lsoa_name`     | yes      | `"Coventry 001A"`  |
//! | `lap_code`      | yes      | `"LAP-NORTH"`      |
//! | `lap_name`      | yes      | `"Northern LAP"`   |
//! | `neighbourhood` | no       | `"Foleshill"`      |
//!
//! Each LSOA code may appear once. Anything else is refused with a [`GeoError`] naming the
//! feature.
//!
//! # Layout
//!
//! - `parse`: the boundary file to validated [`AreaBoundary`] values (strict, by feature).
//! - `shape`: an area's polygons and the point-in-area ray cast, with its boundary rule.
//! - `index`: [`AreaIndex`], the bounding-box prefilter and the lookup.
//! - `boundary`: [`AreaBoundary`] and [`AreaTag`].
//! - `error`: [`GeoError`].

mod boundary;
mod error;
mod index;
mod parse;
mod shape;

pub use boundary::{AreaBoundary, AreaTag};
pub use error::GeoError;
pub use index::AreaIndex;

#[cfg(test)]
mod tests;
