//! The Beatbook sync server.
//!
//! Devices record offline and sync when they can: they push ops (field-level changes with
//! hybrid-clock stamps) and pull the current state of records changed since their cursor. The
//! server applies each op, all of it or none of it, with the core's merge
//! (`beatbook_core::sync::merge`, the same code devices run), keeps the losing side of every
//! concurrent edit as a conflict record, and sends each device only what its holder's role may
//! see — a volunteer never receives personal data. The contract is `docs/sync-protocol.md`.
//!
//! Layout:
//! - [`http`]: the axum routes (enrol, push, pull, status), auth, errors, body handling.
//! - [`apply`], [`rules`], [`validate`], [`scope`], [`reference`]: the protocol's decisions,
//!   pure functions over data.
//! - [`storage`]: the `SyncStorage` trait and its SQLite implementation.
//! - [`admin`], [`demo`], [`demo_data`]: administration, the fictional demo force and its
//!   three weeks of fictional activity.
//! - [`serve`], [`background`]: running the server (graceful shutdown; a background server for
//!   tests). [`cli`], [`commands`], [`logging`]: the binary's plumbing.
//! - [`metrics`]: Prometheus metrics on their own listen address.
//! - [`web`]: the supervisors' web pages under `/web/` (sign-in code, session, team pages).

pub mod admin;
pub mod admin_names;
pub mod apply;
pub mod audit_cli;
pub mod background;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod connections;
pub mod consent;
pub mod demo;
pub mod demo_data;
pub mod http;
pub mod logging;
pub mod metrics;
pub mod printable;
pub mod reference;
pub mod reports;
pub mod retention;
pub mod retention_cli;
pub mod s62;
pub mod scope;
pub mod secrets;
pub mod serve;
pub mod storage;
pub mod subject_access;
pub mod subject_access_cli;
pub mod team_rules;
pub mod throttle;
pub mod tls;
pub mod validate;
pub mod web;
