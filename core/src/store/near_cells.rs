//! The grid of the repeat-location index (`contacts_near`, store version 28): which cells a box
//! around a place crosses.
//!
//! Why a grid and not a spatial tree: the check only asks for contacts within about 100 m in
//! the 28 days before a new one, and an ordinary index over (week, cell) answers that with a few
//! short ranges, while an R*Tree cost a device a tenth of its time applying pulled contacts and
//! four times the bytes (`docs/performance.md` §7).
//!
//! A contact's cell is `lat_row * 1,000,000 + lon_column`, computed by SQLite from the row (the
//! generated column `contacts.near_cell`): rows and columns are thousandths of a degree counted
//! from the south pole and from the antimeridian, truncated. The arithmetic here is the same in
//! the same order on the same doubles, and truncation is monotonic, so every point inside a box
//! falls in a row and column between those of the box's corners: no contact in the box is
//! missed. The exact distance is checked afterwards on the few candidates.

use crate::model::GeoPoint;

/// How many columns a row of cells can hold: the key's row multiplier.
pub(crate) const COLUMNS_PER_ROW: i64 = 1_000_000;

/// The rows and columns (inclusive) that a box crosses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NearCells {
    pub lat_rows: (i64, i64),
    pub lon_columns: (i64, i64),
}

impl NearCells {
    /// The cells of the box `radius_m` around `place` ([`box_degrees`]). A box past the
    /// antimeridian is cut at it (as the R*Tree's was); past a pole, at the pole.
    pub fn around(place: GeoPoint, radius_m: f64) -> NearCells {
        let (dlat, dlon) = box_degrees(place, radius_m);
        NearCells {
            lat_rows: (
                lat_row((place.lat - dlat).max(-90.0)),
                lat_row((place.lat + dlat).min(90.0)),
            ),
            lon_columns: (
                lon_column((place.lon - dlon).max(-180.0)),
                lon_column((place.lon + dlon).min(180.0)),
            ),
        }
    }
}

/// How far a box of `radius_m` around `place` reaches, in degrees north and south and east and
/// west: a degree of latitude is 111 km, one of longitude that times the latitude's cosine
/// (floored near the poles, where the box then spans a wide band of longitude).
pub(crate) fn box_degrees(place: GeoPoint, radius_m: f64) -> (f64, f64) {
    let dlat = radius_m / 111_000.0;
    let dlon = radius_m / (111_000.0 * place.lat.to_radians().cos().abs().max(0.01));
    (dlat, dlon)
}

/// A latitude's row, as `contacts.near_cell` computes it: `CAST((lat + 90) * 1000 AS INTEGER)`.
pub(crate) fn lat_row(lat: f64) -> i64 {
    ((lat + 90.0) * 1000.0) as i64
}

/// A longitude's column, as `contacts.near_cell` computes it:
/// `CAST((lon + 180) * 1000 AS INTEGER)`.
pub(crate) fn lon_column(lon: f64) -> i64 {
    ((lon + 180.0) * 1000.0) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A place's cell, as `contacts.near_cell` computes it.
    fn cell_of(place: GeoPoint) -> i64 {
        lat_row(place.lat) * COLUMNS_PER_ROW + lon_column(place.lon)
    }

    thread_local! {
        /// A store's schema, unkeyed and in memory: the generated column itself computes cells.
        static SCHEMA: rusqlite::Connection = {
            let mut conn = rusqlite::Connection::open_in_memory().expect("db");
            crate::store::migrations::migrate(&mut conn).expect("schema");
            conn
        };
    }

    /// The cell `contacts.near_cell` gives a contact at `place`.
    fn sqlite_cell(place: GeoPoint) -> i64 {
        SCHEMA.with(|conn| {
            let tx = conn.unchecked_transaction().expect("tx");
            tx.execute(
                "INSERT INTO contacts (id, occurred_at, lat, lon, method, audience, people_count,
                   issues, consent_to_recontact, repeat_caller, vulnerable, repeat_location,
                   recorded_by, created_at, updated_at)
                 VALUES ('c', '2026-06-01T09:00:00.000000Z', ?1, ?2, 'door_knock', 'resident',
                   1, '[]', 0, 0, 0, 0, 'u', '2026-06-01T09:00:00.000000Z',
                   '2026-06-01T09:00:00.000000Z')",
                rusqlite::params![place.lat, place.lon],
            )
            .expect("contact");
            let cell = tx
                .query_row("SELECT near_cell FROM contacts WHERE id = 'c'", [], |r| {
                    r.get(0)
                })
                .expect("cell");
            tx.rollback().expect("rollback");
            cell
        })
    }

    proptest! {
        /// The cell SQLite gives a place is the one this module computes, and a point anywhere
        /// in a box lies in a row and column the box's cells cover.
        #[test]
        fn a_point_in_the_box_lies_in_its_cells(
            lat in -89.0f64..89.0,
            lon in -179.0f64..179.0,
            radius_m in 1.0f64..2_000.0,
            north in -1.0f64..=1.0,
            east in -1.0f64..=1.0,
        ) {
            let place = GeoPoint::new(lat, lon);
            let (dlat, dlon) = box_degrees(place, radius_m);
            let cells = NearCells::around(place, radius_m);
            let inside = GeoPoint::new(lat + north * dlat, lon + east * dlon);
            let cell = sqlite_cell(inside);
            prop_assert_eq!(cell, cell_of(inside));
            let (row, column) = (cell / COLUMNS_PER_ROW, cell % COLUMNS_PER_ROW);
            prop_assert!(cells.lat_rows.0 <= row && row <= cells.lat_rows.1);
            prop_assert!(cells.lon_columns.0 <= column && column <= cells.lon_columns.1);
        }
    }

    #[test]
    fn a_100_m_box_in_the_uk_crosses_a_few_rows_and_columns() {
        let cells = NearCells::around(GeoPoint::new(52.405, -1.545), 100.0);
        assert!(cells.lat_rows.1 - cells.lat_rows.0 <= 2, "{cells:?}");
        assert!(cells.lon_columns.1 - cells.lon_columns.0 <= 4, "{cells:?}");
    }

    #[test]
    fn a_box_is_cut_at_the_poles_and_the_antimeridian() {
        let cells = NearCells::around(GeoPoint::new(89.9995, 179.9995), 111.0);
        assert_eq!(cells.lat_rows.1, lat_row(90.0));
        assert_eq!(cells.lon_columns.1, lon_column(180.0));
        assert!(cells.lon_columns.1 < COLUMNS_PER_ROW);
    }
}
