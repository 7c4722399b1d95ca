//! The few conversions every record needs: record ids cross as their UUID text (parsed here
//! into a typed error, never a panic), times as platform instants (`java.time.Instant`,
//! `Date`, `datetime`).

use crate::error::Result;
use beatbook_core::validation::{Rule, ValidationError};
use chrono::{DateTime, Utc};
use std::str::FromStr;
use std::time::SystemTime;

/// Parses a record id given by the app, naming `field` in the error.
pub(crate) fn id<T: FromStr>(field: &str, text: &str) -> Result<T> {
    text.trim().parse().map_err(|_| not_an_id(field))
}

/// The error for text that is not a record id.
pub(crate) fn not_an_id(field: &str) -> crate::BeatbookError {
    ValidationError::new(
        field,
        Rule::Format {
            expected: "a record id (a UUID)",
        },
    )
    .into()
}

/// Parses an optional record id.
pub(crate) fn opt_id<T: FromStr>(field: &str, text: Option<String>) -> Result<Option<T>> {
    text.map(|t| id(field, &t)).transpose()
}

/// Parses a list of record ids.
pub(crate) fn ids<T: FromStr>(field: &str, texts: Vec<String>) -> Result<Vec<T>> {
    texts.iter().map(|t| id(field, t)).collect()
}

pub(crate) fn time(at: SystemTime) -> DateTime<Utc> {
    DateTime::<Utc>::from(at)
}

pub(crate) fn opt_time(at: Option<SystemTime>) -> Option<DateTime<Utc>> {
    at.map(time)
}

pub(crate) fn instant(at: DateTime<Utc>) -> SystemTime {
    SystemTime::from(at)
}

pub(crate) fn opt_instant(at: Option<DateTime<Utc>>) -> Option<SystemTime> {
    at.map(instant)
}

/// Ids to text.
pub(crate) fn texts<T: ToString>(ids: &[T]) -> Vec<String> {
    ids.iter().map(ToString::to_string).collect()
}

pub(crate) fn opt_text<T: ToString>(id: Option<T>) -> Option<String> {
    id.map(|i| i.to_string())
}

/// Converts each element.
pub(crate) fn all<A, B: From<A>>(items: Vec<A>) -> Vec<B> {
    items.into_iter().map(B::from).collect()
}
