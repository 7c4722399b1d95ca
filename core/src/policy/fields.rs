//! The names of the serialised fields the permission rules read, one constant per field, by
//! record kind. A rule that named a field by a string literal would silently stop working if
//! the model renamed the field; these constants are checked against the model's own serde
//! field lists (`field_names_tests.rs`), so a rename fails a test instead.

/// `model::Patrol`.
pub mod patrol {
    pub const RECORDED_BY: &str = "recorded_by";
    pub const PARTICIPANTS: &str = "participants";
    pub const KIND: &str = "kind";
}

/// `model::Contact`.
pub mod contact {
    pub const RECORDED_BY: &str = "recorded_by";
    pub const CONSENT_TO_RECONTACT: &str = "consent_to_recontact";
    pub const VULNERABLE: &str = "vulnerable";
    /// The promise's text (its follow-up's too); erased with the follow-up.
    pub const PROMISED: &str = "promised";
}

/// `model::ContactPersonalData` (the `contact_personal` record).
pub mod contact_personal {
    pub const DETAILS: &str = "details";
    pub const ETHNICITY: &str = "ethnicity";
}

/// `model::Note`.
pub mod note {
    pub const AUTHOR: &str = "author";
}

/// `model::FollowUp`.
pub mod follow_up {
    pub const OWNER: &str = "owner";
    pub const REFERRED_BY: &str = "referred_by";
    pub const STATUS: &str = "status";
    pub const ANSWERED_AT: &str = "answered_at";
    pub const OUTCOME: &str = "outcome";
}

/// `model::Problem`.
pub mod problem {
    pub const CREATED_BY: &str = "created_by";
    pub const OWNER: &str = "owner";
    pub const RESPONSES: &str = "responses";
}

/// `model::ResponseAction` (an element of a problem's `responses`).
pub mod response_action {
    pub const OWNER: &str = "owner";
}

/// `model::ProblemStep`.
pub mod problem_step {
    pub const AUTHOR: &str = "author";
}

/// `model::StageRequest`.
pub mod stage_request {
    pub const REQUESTED_BY: &str = "requested_by";
    pub const STATUS: &str = "status";
    pub const DECIDED_BY: &str = "decided_by";
    pub const DECIDED_AT: &str = "decided_at";
    pub const DECISION_REASON: &str = "decision_reason";
}

/// `model::Review`.
pub mod review {
    pub const REVIEWER: &str = "reviewer";
    pub const MEMBER: &str = "member";
}

/// `sync::conflict::Conflict`.
pub mod conflict {
    pub const WINNER_AUTHOR: &str = "winner_author";
    pub const LOSER_AUTHOR: &str = "loser_author";
    pub const RESOLUTION: &str = "resolution";
    pub const RESOLVED_BY: &str = "resolved_by";
    pub const RESOLVED_AT: &str = "resolved_at";
}
