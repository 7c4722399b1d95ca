//! Record kinds this build does not know, in a pulled page.
//!
//! A newer server may send a kind that did not exist when this app was built (as
//! `retention_schedule` once was). Were the page refused for it, a device on the older app
//! could never pull again — every later page waits behind it. Instead the client reads the
//! kind's name, sets the change aside as a [`SkippedChange`] and applies the rest of the page;
//! the store remembers each skipped record (`sync_skipped`, store version 23), sync status
//! counts them, and a later build that knows the kind pulls again from the first of them
//! (`Store::resume_skipped_kinds`), so nothing the server holds is lost to the device for
//! good. See `docs/sync-protocol.md`, "Kinds this build does not know".

use super::protocol::RecordKind;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

/// A change's kind as this build reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadKind {
    Known(RecordKind),
    /// The name of a kind this build does not know.
    Unknown(String),
}

impl<'de> Deserialize<'de> for ReadKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KindName;
        impl Visitor<'_> for KindName {
            type Value = ReadKind;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a record kind's name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<ReadKind, E> {
                Ok(match name.parse() {
                    Ok(kind) => ReadKind::Known(kind),
                    Err(_) => ReadKind::Unknown(name.to_owned()),
                })
            }
        }
        deserializer.deserialize_str(KindName)
    }
}

/// A pulled change of a kind this build does not know: where it was in the feed, and which
/// record. Its values are not kept (this build could not check them); the server still has
/// them for a build that can.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedChange {
    pub seq: u64,
    pub kind: String,
    pub record_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_name_reads_as_its_kind_and_any_other_as_its_name() {
        let known: ReadKind = serde_json::from_str("\"note\"").expect("known");
        assert_eq!(known, ReadKind::Known(RecordKind::Note));
        let unknown: ReadKind = serde_json::from_str("\"hotspot_visit\"").expect("unknown");
        assert_eq!(unknown, ReadKind::Unknown("hotspot_visit".into()));
        assert!(
            serde_json::from_str::<ReadKind>("7").is_err(),
            "a name, not a number"
        );
    }
}
