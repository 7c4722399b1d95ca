//! What a refused write is: one stable code (the same on the device, in the FFI and on the
//! wire's rejection message) and, for rules about one field, the field. Messages are written
//! here once, never carry a record's values, and say what would be allowed.

use crate::model::code_enum::code_enum;
use crate::sync::protocol::RejectCode;

code_enum!(
    /// Why a write (or a read of personal data) is not permitted. Stable: stored nowhere, but
    /// shown to hosts and scripts, which may match on it.
    DenialCode, "denial code" {
        /// Users, teams and areas are written by administrators on the server only.
        ReferenceData => "reference_data",
        /// Reviews are recorded by supervisors only.
        ReviewsBySupervisors => "reviews_by_supervisors",
        /// Erasing a record is for supervisors only.
        ErasureBySupervisors => "erasure_by_supervisors",
        /// Retention decisions (retain until a new review date) are made by supervisors only.
        RetentionBySupervisors => "retention_by_supervisors",
        /// Volunteers never record, change or see personal data of the public.
        PersonalData => "personal_data",
        /// Volunteers do not work problems (problems, their steps, stage requests).
        NotForVolunteers => "not_for_volunteers",
        /// A field naming who made the record names its author and never changes.
        CreatorFixed => "creator_fixed",
        /// Only the patrol's recorder, its participants or a supervisor change a patrol.
        NotOnPatrol => "not_on_patrol",
        /// Volunteers record Citizens in Policing targeted patrols only.
        CipPatrolsOnly => "cip_patrols_only",
        /// Only the record's recorder (or a supervisor, where the rule says so) may.
        NotRecorder => "not_recorder",
        /// Only a supervisor decides a stage request.
        StageDecisionBySupervisors => "stage_decision_by_supervisors",
        /// Only a supervisor gives a follow-up to someone (assigns or reassigns it).
        AssignBySupervisors => "assign_by_supervisors",
        /// Only a follow-up's owner or a supervisor answers or cancels it.
        NotFollowUpOwner => "not_follow_up_owner",
        /// A volunteer's promise is referred to the team: made unowned, naming them as referrer,
        /// and not changed by them afterwards.
        VolunteersRefer => "volunteers_refer",
        /// Conflict records are made by the server.
        ConflictsByServer => "conflicts_by_server",
        /// Only a conflict's resolution (resolution, resolved by, resolved at) may be set.
        ConflictResolutionOnly => "conflict_resolution_only",
        /// Volunteers resolve only conflicts between edits of their own.
        NotPartyToConflict => "not_party_to_conflict",
        /// Only a problem's owner or a supervisor asks to move its stage (device-side: the
        /// problem is another record).
        NotProblemOwner => "not_problem_owner",
        /// Volunteers export no contacts (a read; device-side).
        ExportNotForVolunteers => "export_not_for_volunteers",
        /// This store is not enrolled (device-side).
        StoreNotEnrolled => "store_not_enrolled",
        /// This store already belongs to a device (device-side).
        StoreEnrolledElsewhere => "store_enrolled_elsewhere",
    }
);

impl DenialCode {
    /// What is not permitted, and what would be.
    pub fn message(self) -> &'static str {
        use DenialCode::*;
        match self {
            ReferenceData => "reference data (users, teams, areas) is written by administrators only",
            ReviewsBySupervisors => "only supervisors record reviews",
            ErasureBySupervisors => "only a supervisor may erase a record",
            RetentionBySupervisors => "only a supervisor may decide to retain a record at review",
            PersonalData => "volunteers do not record, change or see personal details",
            NotForVolunteers => "volunteers do not record or change problems, their steps or stage requests",
            CreatorFixed => "the field must name the author when the record is made, and cannot change",
            NotOnPatrol => "only the patrol's recorder, its participants or a supervisor may change it",
            CipPatrolsOnly => "volunteers may record only CiP targeted patrols (kind `cip_targeted`)",
            NotRecorder => "only the record's recorder may change it",
            StageDecisionBySupervisors => "only a supervisor may decide a stage request",
            AssignBySupervisors => "only a supervisor may give a follow-up to someone",
            NotFollowUpOwner => "only the follow-up's owner or a supervisor can answer or cancel it",
            VolunteersRefer => "a volunteer's promise is referred to the team: unowned, naming them as referrer, and not changed by them afterwards",
            ConflictsByServer => "conflict records are made by the server",
            ConflictResolutionOnly => "only the resolution of a conflict may be set",
            NotPartyToConflict => "volunteers may resolve only conflicts between edits of their own",
            NotProblemOwner => "only the problem's owner or a supervisor can ask for a stage move",
            ExportNotForVolunteers => "volunteers cannot export contacts",
            StoreNotEnrolled => "this store is not enrolled",
            StoreEnrolledElsewhere => "this store already belongs to a device; enrol into a new store",
        }
    }

    /// The protocol's code for an op refused for this reason.
    pub fn reject_code(self) -> RejectCode {
        match self {
            DenialCode::PersonalData => RejectCode::PersonalDataForbidden,
            _ => RejectCode::Forbidden,
        }
    }
}

/// One refused write: the rule and, when the rule is about one field, that field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denial {
    pub code: DenialCode,
    pub field: Option<&'static str>,
}

impl Denial {
    pub fn new(code: DenialCode) -> Self {
        Denial { code, field: None }
    }

    pub fn on_field(code: DenialCode, field: &'static str) -> Self {
        Denial {
            code,
            field: Some(field),
        }
    }
}

impl std::fmt::Display for Denial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.field {
            Some(field) => write!(
                f,
                "{} (field `{field}`) [{}]",
                self.code.message(),
                self.code
            ),
            None => write!(f, "{} [{}]", self.code.message(), self.code),
        }
    }
}

impl std::error::Error for Denial {}
