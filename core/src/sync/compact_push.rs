//! The compact push answer (`POST /v1/sync/push?answer=compact`): how many ops were answered,
//! and only the ops that were not simply accepted, by their place in the request.
//!
//! Why: the full answer repeats every op's id (`{"op_id": "<36 characters>", "status":
//! "accepted"}`) although the device sent those ids in that order a moment ago; after gzip
//! that was ~20 bytes a record, most of what a pushing device downloads. The answer still
//! covers every op — the count must equal the ops sent, every exception names a place in the
//! request — so nothing can be dropped or counted twice. The full answer stays the default:
//! older clients are answered as before, and a client that asks for the compact answer reads
//! either (an older server ignores the parameter). See `docs/sync-protocol.md`.

use super::protocol::{OpResult, OpStatus, PushResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The query parameter that chooses the push answer's form.
pub const ANSWER_PARAM: &str = "answer";
/// Its one value: the compact answer.
pub const COMPACT_ANSWER: &str = "compact";

/// An op not simply accepted, by its place in the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpException {
    /// The op's place in the request's `ops`, from 0.
    pub index: u32,
    #[serde(flatten)]
    pub status: OpStatus,
}

/// A push answer in the compact form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompactPushResponse {
    /// How many ops the push carried: the answer covers each of them, in request order.
    pub answered: u32,
    /// The ops not accepted (duplicate or rejected), by increasing place; every other op was
    /// accepted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<OpException>,
    pub server_time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<Uuid>,
}

/// A push answer in either form, as a client that asked for the compact one reads it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum EitherPushResponse {
    Full(PushResponse),
    Compact(CompactPushResponse),
}

/// A compact answer that does not answer the push it came for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadPushAnswer {
    #[error("the push answer covers {answered} ops, but {sent} were sent")]
    Count { answered: u32, sent: usize },
    #[error("the push answer names op {index}, out of order or beyond the {sent} sent")]
    Index { index: u32, sent: usize },
}

impl CompactPushResponse {
    /// The compact form of a full answer.
    pub fn from_full(full: PushResponse) -> CompactPushResponse {
        let answered = u32::try_from(full.results.len()).unwrap_or(u32::MAX);
        let exceptions = full
            .results
            .into_iter()
            .enumerate()
            .filter(|(_, r)| r.status != OpStatus::Accepted)
            .map(|(index, r)| OpException {
                index: u32::try_from(index).unwrap_or(u32::MAX),
                status: r.status,
            })
            .collect();
        CompactPushResponse {
            answered,
            exceptions,
            server_time: full.server_time,
            epoch: full.epoch,
        }
    }

    /// The full answer for the ops sent (`op_ids`, in request order).
    pub fn expand(self, op_ids: &[Uuid]) -> Result<PushResponse, BadPushAnswer> {
        let sent = op_ids.len();
        if usize::try_from(self.answered).ok() != Some(sent) {
            return Err(BadPushAnswer::Count {
                answered: self.answered,
                sent,
            });
        }
        let mut statuses = vec![OpStatus::Accepted; sent];
        let mut next_free = 0;
        for exception in self.exceptions {
            let index = usize::try_from(exception.index).unwrap_or(usize::MAX);
            if index < next_free || index >= sent {
                return Err(BadPushAnswer::Index {
                    index: exception.index,
                    sent,
                });
            }
            statuses[index] = exception.status;
            next_free = index + 1;
        }
        Ok(PushResponse {
            results: op_ids
                .iter()
                .zip(statuses)
                .map(|(&op_id, status)| OpResult { op_id, status })
                .collect(),
            server_time: self.server_time,
            epoch: self.epoch,
        })
    }
}

impl EitherPushResponse {
    /// The full answer for the ops sent.
    pub fn into_full(self, op_ids: &[Uuid]) -> Result<PushResponse, BadPushAnswer> {
        match self {
            EitherPushResponse::Full(full) => Ok(full),
            EitherPushResponse::Compact(compact) => compact.expand(op_ids),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::protocol::RejectCode;
    use proptest::prelude::*;

    fn status(pick: u8) -> OpStatus {
        match pick % 4 {
            0 | 1 => OpStatus::Accepted,
            2 => OpStatus::Duplicate,
            _ => OpStatus::Rejected {
                code: RejectCode::InvalidRecord,
                message: "text: too long".into(),
            },
        }
    }

    fn full(picks: &[u8]) -> PushResponse {
        PushResponse {
            results: picks
                .iter()
                .map(|&p| OpResult {
                    op_id: Uuid::now_v7(),
                    status: status(p),
                })
                .collect(),
            server_time: DateTime::from_timestamp_millis(1_780_000_000_000).unwrap_or_default(),
            epoch: Some(Uuid::now_v7()),
        }
    }

    proptest! {
        /// Any answer survives the compact form and the wire, op for op.
        #[test]
        fn the_compact_answer_expands_to_the_full_one(picks in proptest::collection::vec(any::<u8>(), 0..60)) {
            let original = full(&picks);
            let ids: Vec<Uuid> = original.results.iter().map(|r| r.op_id).collect();
            let wire = serde_json::to_string(&CompactPushResponse::from_full(original.clone()))
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let read: EitherPushResponse = serde_json::from_str(&wire)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(matches!(read, EitherPushResponse::Compact(_)));
            prop_assert_eq!(read.into_full(&ids), Ok(original));
        }
    }

    #[test]
    fn a_full_answer_is_read_as_it_is() {
        let original = full(&[0, 2, 3]);
        let wire = serde_json::to_string(&original).expect("json");
        let read: EitherPushResponse = serde_json::from_str(&wire).expect("read");
        assert_eq!(read.into_full(&[]), Ok(original));
    }

    #[test]
    fn an_answer_for_another_number_of_ops_or_out_of_order_is_refused() {
        let compact = CompactPushResponse::from_full(full(&[0, 2, 3]));
        let ids = [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
        assert_eq!(
            compact.clone().expand(&ids[..2]),
            Err(BadPushAnswer::Count {
                answered: 3,
                sent: 2
            })
        );
        let mut swapped = compact.clone();
        swapped.exceptions.reverse();
        assert_eq!(
            swapped.expand(&ids),
            Err(BadPushAnswer::Index { index: 1, sent: 3 })
        );
        let mut beyond = compact;
        beyond.exceptions[1].index = 3;
        assert_eq!(
            beyond.expand(&ids),
            Err(BadPushAnswer::Index { index: 3, sent: 3 })
        );
    }
}
