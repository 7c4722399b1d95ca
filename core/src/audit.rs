//! The processing operations DPA 2018 s.62 requires a log of. Its own module, outside the
//! device's store, because two logs name them: the device's (`store::audit`) and the sync
//! server's, which builds the core without the device's store.

use crate::model::code_enum::code_enum;

code_enum!(
    /// The processing operations s.62 requires a log of.
    AuditAction, "audit action" {
        Collection => "collection",
        Alteration => "alteration",
        Consultation => "consultation",
        Disclosure => "disclosure",
        Combination => "combination",
        Erasure => "erasure",
    }
);
