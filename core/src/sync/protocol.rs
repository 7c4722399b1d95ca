//! The wire protocol's message types (version 1), shared by the client in this crate and by
//! `beatbook-server`. Documented in `docs/sync-protocol.md`; change both together.

use super::hlc::Hlc;
use crate::ids::{DeviceId, TeamId, UserId};
use crate::model::code_enum::code_enum;
use crate::model::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// Most ops in one push.
pub const MAX_OPS_PER_PUSH: usize = 1_000;
/// Most bytes in one op's JSON.
pub const MAX_OP_BYTES: usize = 64 * 1024;
/// Most bytes in one request body (after decompression).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Most changes in one pull page.
pub const MAX_PULL_LIMIT: u32 = 1_000;
/// The header every response carries with the server's clock.
pub const SERVER_TIME_HEADER: &str = "x-beatbook-server-time";

code_enum!(
    /// What a synced record is.
    RecordKind, "record kind" {
        Patrol => "patrol",
        Note => "note",
        Contact => "contact",
        ContactPersonal => "contact_personal",
        FollowUp => "follow_up",
        Problem => "problem",
        ProblemStep => "problem_step",
        StageRequest => "stage_request",
        Conflict => "conflict",
        User => "user",
        Team => "team",
        PriorityArea => "priority_area",
        AreaBoundaries => "area_boundaries",
        Review => "review",
        RetentionSchedule => "retention_schedule",
        RetentionReview => "retention_review",
    }
);

impl RecordKind {
    /// Fields are written once and never merged.
    pub fn is_append_only(&self) -> bool {
        matches!(
            self,
            RecordKind::Note | RecordKind::ProblemStep | RecordKind::Review
        )
    }

    /// Holds personal data of members of the public: never sent to or accepted from volunteers.
    pub fn is_personal(&self) -> bool {
        matches!(self, RecordKind::ContactPersonal)
    }

    /// Reference data: written by administrators on the server only.
    pub fn is_reference(&self) -> bool {
        matches!(
            self,
            RecordKind::User
                | RecordKind::Team
                | RecordKind::PriorityArea
                | RecordKind::AreaBoundaries
                | RecordKind::RetentionSchedule
        )
    }
}

/// One field an op sets, with the clock of the value its author had seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldChange {
    pub value: serde_json::Value,
    /// Absent when the author had never seen the field set (every reader treats absent as
    /// none): a new record's op carries no bases at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Hlc>,
}

/// An erasure (or retention disposal) tombstone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Erasure {
    pub reason: String,
}

/// One change, made on a device, in flight to the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Op {
    pub op_id: Uuid,
    pub kind: RecordKind,
    pub record_id: String,
    pub hlc: Hlc,
    pub author: UserId,
    pub device: DeviceId,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, FieldChange>,
    /// Absent unless the op erases its record (every reader treats absent as none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erase: Option<Erasure>,
}

/// The pull parameter that asks for the device's own changes too, which a pull otherwise
/// leaves out (`docs/sync-protocol.md#no-echo`): `echoes=include`, sent while re-syncing with a
/// restored server (`#server-epochs`), which must see every record the server holds.
pub const ECHOES_PARAM: &str = "echoes";
/// The one value of [`ECHOES_PARAM`].
pub const ECHOES_INCLUDE: &str = "include";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub protocol: u32,
    pub ops: Vec<Op>,
    /// The device's pull cursor as it pushes. Optional (older clients omit it): with it, the
    /// server knows which records the device already holds as stored, and does not send back
    /// the changes this push makes to them (`docs/sync-protocol.md#no-echo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pulled_through: Option<u64>,
    /// The server epoch the device last synced with (see [`PushResponse::epoch`]), when it
    /// knows one. A server of another epoch refuses the push, `409 epoch_changed`, applying
    /// nothing: the device re-syncs first (`docs/sync-protocol.md#server-epochs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<Uuid>,
}

code_enum!(
    /// Why the server refused an op.
    RejectCode, "reject code" {
        UnknownKind => "unknown_kind",
        InvalidRecord => "invalid_record",
        Forbidden => "forbidden",
        PersonalDataForbidden => "personal_data_forbidden",
        AuthorMismatch => "author_mismatch",
        ClockAhead => "clock_ahead",
        RecordErased => "record_erased",
        OpTooLarge => "op_too_large",
    }
);

/// The server's answer to one op.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum OpStatus {
    Accepted,
    Duplicate,
    Rejected { code: RejectCode, message: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpResult {
    pub op_id: Uuid,
    #[serde(flatten)]
    pub status: OpStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub results: Vec<OpResult>,
    pub server_time: DateTime<Utc>,
    /// The server store's epoch: a random id made with the store and made anew whenever it is
    /// restored from a backup (`docs/sync-protocol.md#server-epochs`). Absent from servers that
    /// predate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<Uuid>,
}

/// A field's current value and clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldState {
    pub value: serde_json::Value,
    pub hlc: Hlc,
}

/// The current state of one record, as pulled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    pub seq: u64,
    pub kind: RecordKind,
    pub record_id: String,
    pub fields: BTreeMap<String, FieldState>,
    #[serde(default)]
    pub erased: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    pub changes: Vec<Change>,
    pub next_cursor: u64,
    pub has_more: bool,
    pub server_time: DateTime<Utc>,
    /// The server store's epoch (see [`PushResponse::epoch`]): `next_cursor` counts in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    pub code: String,
    /// A name for the device (shown to administrators): not blank, at most 100 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = "\\S")
    )]
    pub device_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolledUser {
    pub id: UserId,
    pub display_name: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolResponse {
    pub device_id: DeviceId,
    /// The device's secret: 64 hex characters. The server keeps only its SHA-256.
    pub token: String,
    pub user: EnrolledUser,
    pub server_time: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusResponse {
    pub device_id: DeviceId,
    pub user_id: UserId,
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub server_time: DateTime<Utc>,
}

code_enum!(
    /// Request-level error codes.
    ErrorCode, "error code" {
        BadRequest => "bad_request",
        UnsupportedProtocol => "unsupported_protocol",
        Unauthenticated => "unauthenticated",
        DeviceRevoked => "device_revoked",
        /// Authenticated, but this role may not use the endpoint (reports: supervisors only).
        Forbidden => "forbidden",
        EnrolmentCodeInvalid => "enrolment_code_invalid",
        EnrolmentCodeExpired => "enrolment_code_expired",
        EnrolmentCodeUsed => "enrolment_code_used",
        BodyTooLarge => "body_too_large",
        /// The request body stopped arriving; nothing was applied. Send it again.
        RequestTimeout => "request_timeout",
        SlowDown => "slow_down",
        /// A push named a server epoch other than the store's: the store was restored from a
        /// backup since. Nothing was applied; pull from 0, re-send (`docs/sync-protocol.md`).
        EpochChanged => "epoch_changed",
        Internal => "internal",
    }
);

/// The body of every non-2xx answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_results_have_the_documented_shape() {
        let r = OpResult {
            op_id: Uuid::nil(),
            status: OpStatus::Rejected {
                code: RejectCode::ClockAhead,
                message: "clock ahead".into(),
            },
        };
        let json = serde_json::to_value(&r).expect("json");
        assert_eq!(json["status"], "rejected");
        assert_eq!(json["code"], "clock_ahead");
        let back: OpResult = serde_json::from_value(json).expect("parse");
        assert_eq!(back, r);
        let ok = serde_json::to_value(OpResult {
            op_id: Uuid::nil(),
            status: OpStatus::Accepted,
        })
        .expect("json");
        assert_eq!(ok["status"], "accepted");
    }

    #[test]
    fn numbers_survive_a_round_trip_exactly() {
        // Found by fuzz/push_request: a number the default parser rounded one way, and its
        // re-encoding the other, so the value changed on its way through the server.
        let text = r#"{"protocol":1,"ops":[{"op_id":"0193a1b2-c3d4-7000-8000-000000000104",
            "kind":"contact","record_id":"r","hlc":"00000193a1b2c3d4-00000001-0193a1b2-c3d4-7000-8000-00000000d001",
            "author":"0193a1b2-c3d4-7000-8000-00000000a001","device":"0193a1b2-c3d4-7000-8000-00000000d001",
            "fields":{"place":{"value":{"lat":33333333333333333333333333333333333333333333333344,
            "lon":52.44123456789012345},"base":null}}}]}"#;
        let request: PushRequest = serde_json::from_str(text).expect("parse");
        let again: PushRequest =
            serde_json::from_str(&serde_json::to_string(&request).expect("encode")).expect("parse");
        assert_eq!(again, request);
    }

    #[test]
    fn unknown_fields_in_a_push_are_refused() {
        let bad = serde_json::json!({"protocol": 1, "ops": [], "extra": true});
        assert!(serde_json::from_value::<PushRequest>(bad).is_err());
    }
}
