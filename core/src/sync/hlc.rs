//! Hybrid logical clocks: timestamps that follow wall-clock time when clocks are right, and
//! still order "seen before" ahead of "written after" when they are not. See
//! `docs/sync-protocol.md#hybrid-logical-clock-hlc`.

use crate::ids::DeviceId;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// One HLC timestamp. Ordered by `(wall_ms, counter, node)`: total, so two ops never tie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hlc {
    pub wall_ms: u64,
    pub counter: u32,
    pub node: DeviceId,
}

impl Hlc {
    /// The first tick for `node` at `wall_ms`.
    pub fn new(wall_ms: u64, node: DeviceId) -> Self {
        Self {
            wall_ms,
            counter: 0,
            node,
        }
    }

    /// The next timestamp after `last` for `node`, given the (corrected) wall clock `now_ms`.
    pub fn tick(last: Option<Hlc>, now_ms: u64, node: DeviceId) -> Hlc {
        match last {
            Some(last) if last.wall_ms >= now_ms => Hlc {
                wall_ms: last.wall_ms,
                counter: last.counter.saturating_add(1),
                node,
            },
            _ => Hlc::new(now_ms, node),
        }
    }
}

/// A malformed HLC text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a hybrid logical clock timestamp")]
pub struct BadHlc;

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:016x}-{:08x}-{}",
            self.wall_ms, self.counter, self.node
        )
    }
}

impl FromStr for Hlc {
    type Err = BadHlc;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (wall, rest) = s.split_once('-').ok_or(BadHlc)?;
        let (counter, node) = rest.split_once('-').ok_or(BadHlc)?;
        if wall.len() != 16 || counter.len() != 8 {
            return Err(BadHlc);
        }
        Ok(Hlc {
            wall_ms: u64::from_str_radix(wall, 16).map_err(|_| BadHlc)?,
            counter: u32::from_str_radix(counter, 16).map_err(|_| BadHlc)?,
            node: DeviceId(Uuid::parse_str(node).map_err(|_| BadHlc)?),
        })
    }
}

impl Serialize for Hlc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// In the OpenAPI document: the text form, `<wall ms, 16 hex>-<counter, 8 hex>-<device UUID>`.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Hlc {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(
                "^[0-9a-f]{16}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
            ))
            .description(Some(
                "A hybrid logical clock timestamp: wall-clock milliseconds (16 hex digits), a \
                 counter (8 hex digits) and the device id.",
            ))
            .examples([serde_json::json!(
                "00000193a1b2c3d4-00000001-0193a1b2-c3d4-7000-8000-00000000d001"
            )])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Hlc {}

#[cfg(feature = "sqlite")]
impl rusqlite::ToSql for Hlc {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::from(self.to_string()))
    }
}

#[cfg(feature = "sqlite")]
impl rusqlite::types::FromSql for Hlc {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|e: BadHlc| rusqlite::types::FromSqlError::Other(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_order_is_clock_order_and_round_trips() {
        let node = DeviceId::new();
        let a = Hlc::new(1_700_000_000_000, node);
        let b = Hlc::tick(Some(a), 1_600_000_000_000, node); // wall went backwards
        let c = Hlc::tick(Some(b), 1_800_000_000_000, node);
        assert!(a < b && b < c);
        assert_eq!(b.counter, 1);
        assert_eq!(b.wall_ms, a.wall_ms);
        assert!(a.to_string() < b.to_string() && b.to_string() < c.to_string());
        assert_eq!(c.to_string().parse::<Hlc>(), Ok(c));
        let json = serde_json::to_string(&c).expect("json");
        assert_eq!(serde_json::from_str::<Hlc>(&json).expect("parse"), c);
        assert!("nonsense".parse::<Hlc>().is_err());
        assert!("0-0-0".parse::<Hlc>().is_err());
    }

    #[test]
    fn the_node_breaks_ties() {
        let a = Hlc::new(5, DeviceId::new());
        let b = Hlc::new(5, DeviceId::new());
        assert_ne!(a.cmp(&b), std::cmp::Ordering::Equal);
    }
}
