//! The no-echo rule (`docs/sync-protocol.md#no-echo`), written once for every backend: which
//! device a stored change is not sent back to. Pure; each backend reads `PreviousChange` from its
//! own tables and writes the answer beside the change.

use super::{CurrentRecord, WriteTarget};

/// Where a stored record's latest change sits in the feed, and whose echo-free push made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PreviousChange {
    pub seq: u64,
    pub echo_device: Option<String>,
}

/// The device a change is not sent back to: the sender, when the record was new to the feed or
/// its previous change was one the sender held (at or before its pull cursor, or its own echo),
/// and the change made no conflicts. The record is then exactly what the device has: every
/// field it sent won (its clock had moved past every clock it had pulled) over the state it
/// held. Append-only kinds keep their first write, so a resent one may not win: never skipped.
pub(crate) fn echo_device(
    target: &WriteTarget,
    current: &CurrentRecord,
    previous: Option<&PreviousChange>,
    clean: bool,
) -> Option<String> {
    let (device, pulled_through) = (target.device_id?, target.pulled_through?);
    let device = device.to_string();
    let held = match previous {
        None => true,
        Some(_) if target.kind.is_append_only() && current.exists => false,
        Some(previous) => {
            previous.seq <= pulled_through || previous.echo_device.as_deref() == Some(&device)
        }
    };
    (clean && held).then_some(device)
}
