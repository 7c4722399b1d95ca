//! A device's own s.62 log, handed in (`POST /v1/sync/audit`), as the server's chain takes it:
//! which entries of a batch are new, and the device's mark afterwards. Backend-neutral and
//! pure; each backend reads the mark, appends what this returns and stores the new mark in one
//! transaction. A device's log is numbered from 1 without gaps, so the mark (the highest entry
//! held) says everything held: entries at or below it are repeats (a retry after a lost
//! answer), and a batch starting past `mark + 1` would leave a hole the device could never fill
//! — it is not taken, and the answer (the unchanged mark) tells the device where to resume.

use super::ServerAudit;

/// One entry of a device's log, as the server will chain it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAudit {
    /// Its number in the device's log.
    pub device_seq: i64,
    pub entry: ServerAudit,
}

/// The entries of `batch` (increasing `device_seq`) to append after `mark`, and the mark after.
pub fn take_after(mark: i64, batch: &[DeviceAudit]) -> (Vec<ServerAudit>, i64) {
    match batch.first() {
        Some(first) if first.device_seq <= mark.saturating_add(1) => {
            let new: Vec<ServerAudit> = batch
                .iter()
                .filter(|e| e.device_seq > mark)
                .map(|e| e.entry.clone())
                .collect();
            let last = batch.last().map_or(mark, |e| e.device_seq);
            (new, mark.max(last))
        }
        _ => (Vec::new(), mark),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_core::audit::AuditAction;

    fn batch(seqs: impl IntoIterator<Item = i64>) -> Vec<DeviceAudit> {
        seqs.into_iter()
            .map(|device_seq| DeviceAudit {
                device_seq,
                entry: ServerAudit {
                    detail: Some(format!("device entry {device_seq}")),
                    ..ServerAudit::new(1_000, AuditAction::Consultation, "contact_personal")
                },
            })
            .collect()
    }

    fn details(entries: &[ServerAudit]) -> Vec<String> {
        entries.iter().filter_map(|e| e.detail.clone()).collect()
    }

    #[test]
    fn a_first_batch_is_taken_whole() {
        let (new, mark) = take_after(0, &batch(1..=3));
        assert_eq!(mark, 3);
        assert_eq!(
            details(&new),
            ["device entry 1", "device entry 2", "device entry 3"]
        );
    }

    #[test]
    fn a_retried_batch_adds_only_what_is_new() {
        let (new, mark) = take_after(2, &batch(1..=4));
        assert_eq!(mark, 4);
        assert_eq!(details(&new), ["device entry 3", "device entry 4"]);
        let (again, mark) = take_after(4, &batch(1..=4));
        assert!(again.is_empty());
        assert_eq!(mark, 4);
    }

    #[test]
    fn a_batch_past_a_gap_is_not_taken_and_the_mark_stays() {
        let (new, mark) = take_after(2, &batch(5..=6));
        assert!(new.is_empty());
        assert_eq!(mark, 2);
        let (new, mark) = take_after(0, &batch(2..=3));
        assert!(new.is_empty());
        assert_eq!(mark, 0);
    }

    #[test]
    fn an_empty_batch_changes_nothing() {
        assert_eq!(take_after(7, &[]), (Vec::new(), 7));
    }
}
