//! The core's integration tests, as one test binary: each binary links SQLCipher, OpenSSL and
//! the HTTP stack, so one link instead of thirteen keeps the test build within two cores.
//! Each module is one area of the store; `common` is their shared set-up.
//! (`first_open_race.rs` stays a binary of its own: it needs a fresh process.)

mod common;
mod reports_seed;

mod audit_events;
mod audit_log_packed;
mod contacts;
mod convergence;
mod corrections_patrols;
mod corrections_records;
mod device_sync;
mod erasure_and_audit;
mod erasure_of_every_kind;
mod outbox_by_place;
mod patrols_and_notes;
mod placeless_contacts;
mod places_as_given;
mod problems;
mod replay;
mod reports;
mod reviews;
mod schema_upgrades;
mod search_batches;
mod search_rows;
mod search_rows_property;
mod shift_queries;
mod spreadsheet_export;
mod store_open;
mod store_size;
mod supervision;
mod sync_records_by_id;
mod sync_records_keyed;
mod triangle_upgrade;
