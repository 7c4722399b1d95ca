//! Area boundaries as reference data: loading GeoJSON into the store (LAPs and LSOAs as rows,
//! the GeoJSON itself kept for offline rebuilds) and tagging points with their LSOA and LAP.

use super::sql_time::t;
use super::{lock_read, Store};
use crate::error::Result;
use crate::geo::{AreaIndex, AreaTag};
use crate::model::{GeoPoint, Lsoa};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use std::sync::Arc;

/// What the store knows of its area boundaries without reading them again.
///
/// Why the absence is remembered too: every new record's place is tagged with its LSOA, and a
/// store without boundaries read the store for them each time, twice for a place that tagged
/// to nothing (the swapped-coordinates check), on a reader whose pages the last commit had made
/// stale: 3% of recording a contact's instructions (`docs/performance.md` §1, "Two reads off
/// the write path").
#[derive(Debug, Default)]
pub(crate) struct AreaCache {
    /// Bumped whenever the boundaries may have changed, so that a read begun before the change
    /// does not put what it read back after it.
    generation: u64,
    /// `None` until read; `Some(None)` when the store holds no boundaries.
    known: Option<Option<Arc<AreaIndex>>>,
}

impl Store {
    /// Replaces the area boundaries with those in `geojson` (a FeatureCollection of LSOAs, see
    /// `docs/data-model.md`). Returns how many LSOAs were loaded. Invalid input changes nothing.
    pub fn load_area_boundaries(&self, geojson: &str) -> Result<usize> {
        let now = self.now();
        let index = self.write_as(None, |tx| replace_boundaries(tx, geojson, now))?;
        let count = index.len();
        self.replace_area_cache(Some(Some(Arc::new(index))));
        Ok(count)
    }

    /// The LSOA and LAP a point falls in, from the loaded boundaries (`None` outside them all,
    /// or when none are loaded).
    pub fn tag_point(&self, point: GeoPoint) -> Result<Option<AreaTag>> {
        Ok(self.area_index()?.and_then(|index| index.tag(point)))
    }

    /// The loaded LSOAs.
    pub fn lsoas(&self) -> Result<Vec<Lsoa>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT code, name, lap_code, neighbourhood FROM lsoas ORDER BY code",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(Lsoa {
                    code: crate::model::LsoaCode::parse(&r.get::<_, String>(0)?)
                        .map_err(super::rows::conversion)?,
                    name: r.get(1)?,
                    lap_code: r.get(2)?,
                    neighbourhood: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Forgets the area index: boundaries may have arrived (a pulled page, a held record
    /// written). The next use reads them again.
    pub(crate) fn forget_area_index(&self) {
        self.replace_area_cache(None);
    }

    /// Puts `known` in the cache as a change of the boundaries: a read begun before it will
    /// not overwrite it.
    fn replace_area_cache(&self, known: Option<Option<Arc<AreaIndex>>>) {
        let mut cache = self.areas.write().unwrap_or_else(|p| p.into_inner());
        cache.generation += 1;
        cache.known = known;
    }

    /// The area index, built from the stored GeoJSON on first use (`None` when the store holds
    /// no boundaries, which is remembered as well).
    fn area_index(&self) -> Result<Option<Arc<AreaIndex>>> {
        let generation = {
            let cache = lock_read(&self.areas);
            if let Some(known) = &cache.known {
                return Ok(known.clone());
            }
            cache.generation
        };
        let stored: Option<String> = self.read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT geojson FROM area_boundaries WHERE id = 1",
                    [],
                    |r| r.get(0),
                )
                .optional()?)
        })?;
        let index = stored
            .map(|geojson| AreaIndex::from_geojson(&geojson).map(Arc::new))
            .transpose()?;
        let mut cache = self.areas.write().unwrap_or_else(|p| p.into_inner());
        if cache.generation == generation && cache.known.is_none() {
            cache.known = Some(index.clone());
        }
        Ok(index)
    }
}

/// Replaces the stored boundaries (LAPs, LSOAs and the GeoJSON) inside a transaction.
pub(crate) fn replace_boundaries(
    conn: &rusqlite::Connection,
    geojson: &str,
    loaded_at: DateTime<Utc>,
) -> Result<AreaIndex> {
    let index = AreaIndex::from_geojson(geojson)?;
    conn.execute("DELETE FROM lsoas", [])?;
    conn.execute("DELETE FROM laps", [])?;
    for b in index.boundaries() {
        conn.prepare_cached(
            "INSERT INTO laps (code, name) VALUES (?1, ?2) ON CONFLICT (code) DO NOTHING",
        )?
        .execute(params![b.lap_code, b.lap_name])?;
        conn.prepare_cached(
            "INSERT INTO lsoas (code, name, lap_code, neighbourhood) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            b.lsoa_code.as_str(),
            b.lsoa_name,
            b.lap_code,
            b.neighbourhood
        ])?;
    }
    conn.execute(
        "INSERT INTO area_boundaries (id, geojson, loaded_at) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET geojson = excluded.geojson, loaded_at = excluded.loaded_at",
        params![geojson, t(loaded_at)],
    )?;
    Ok(index)
}
