//! The server's s.62 log as a hash chain, backend-neutral: how an entry is encoded and hashed,
//! how a batch of new entries is chained onto the head, and how the stored chain is verified.
//!
//! Why a chain: the log's table refuses updates and deletes by trigger, but anyone with the
//! database file (or a superuser on PostgreSQL) can drop the trigger and edit it. Each entry
//! has `hash` = SHA-256 over a canonical encoding of the entry *including* its `seq` and
//! `prev_hash`, the hash of the entry before (32 zero bytes for the first). An edited entry no
//! longer matches its hash; a removed one leaves a gap in `seq` (or, renumbered, entries whose
//! hashes no longer follow); two swapped entries fail both. The verifier carries the hash of
//! the entry it has just checked, so `prev_hash` need not be stored: PostgreSQL keeps it in
//! each row, the embedded store (schema 17) works it out from the entry before. Only the newest entries
//! can be cut off unnoticed by the chain alone: that is what the exported head hash is for
//! (`admin audit head`, kept off the host, then `admin audit verify --head`).
//!
//! The canonical encoding (version 1), in order: the tag `beatbook-s62-v1`, `seq` (u64,
//! big-endian), `prev_hash` (32 bytes), `at_ms` (i64, big-endian), then each text field as
//! `0x00` when absent or `0x01`, its length in bytes (u32, big-endian) and its UTF-8 bytes:
//! user, role, device, operation, record kind, record id, justification, recipient, detail.
//! Changing it is a new version, never an edit.

use super::{ServerAudit, StorageResult, SyncStorage};
use beatbook_core::audit::AuditAction;
use beatbook_core::ids::UserId;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// Entries read per page when verifying.
const VERIFY_PAGE: u32 = 5_000;

/// An entry as stored: its place in the chain and its hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedAudit {
    pub seq: u64,
    pub entry: ServerAudit,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
}

/// Which entries `admin audit` lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub user_id: Option<UserId>,
    pub record_id: Option<String>,
    pub action: Option<AuditAction>,
    /// From this time (Unix ms, inclusive).
    pub from_ms: Option<i64>,
    /// Until this time (Unix ms, exclusive).
    pub to_ms: Option<i64>,
}

/// The hash of entry `seq` with `prev_hash` (the module docs' encoding).
pub fn entry_hash(seq: u64, prev_hash: &[u8; 32], e: &ServerAudit) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"beatbook-s62-v1");
    h.update(seq.to_be_bytes());
    h.update(prev_hash);
    h.update(e.at_ms.to_be_bytes());
    let user = e.user_id.map(|u| u.to_string());
    let device = e.device_id.map(|d| d.to_string());
    let texts: [Option<&str>; 9] = [
        user.as_deref(),
        Some(&e.role),
        device.as_deref(),
        Some(e.action.as_str()),
        Some(&e.subject),
        e.record_id.as_deref(),
        e.justification.as_deref(),
        e.recipient.as_deref(),
        e.detail.as_deref(),
    ];
    for text in texts {
        match text {
            None => h.update([0u8]),
            Some(t) => {
                h.update([1u8]);
                h.update(u32::try_from(t.len()).unwrap_or(u32::MAX).to_be_bytes());
                h.update(t.as_bytes());
            }
        }
    }
    h.finalize().into()
}

/// Chains `entries` onto the head (`(seq, hash)` of the newest stored entry, `None` for an
/// empty log): the rows to insert, in order.
pub fn chain(head: Option<(u64, [u8; 32])>, entries: &[ServerAudit]) -> Vec<ChainedAudit> {
    let (mut seq, mut prev) = head.unwrap_or((0, GENESIS));
    entries
        .iter()
        .map(|entry| {
            seq += 1;
            let hash = entry_hash(seq, &prev, entry);
            let row = ChainedAudit {
                seq,
                entry: entry.clone(),
                prev_hash: prev,
                hash,
            };
            prev = hash;
            row
        })
        .collect()
}

/// The first place the stored chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    /// The entry's content (or its seq) no longer gives its stored hash.
    #[error("entry {seq} was edited or moved: its content no longer matches its hash")]
    Edited { seq: u64 },
    /// The entry comes at or before the one checked before it: entries were reordered.
    #[error("entry {seq} does not follow entry {after}: entries were reordered")]
    Unlinked { seq: u64, after: u64 },
    /// Entries are missing: the seq jumps.
    #[error("entry {expected} is missing (the next entry stored is {found}): it was removed")]
    Missing { expected: u64, found: u64 },
    /// The chain ends somewhere other than the head kept off the host.
    #[error("the log ends at entry {last} with hash {found}, not at the head hash {expected} kept off the host: entries after it were removed, or the log was replaced")]
    HeadMismatch {
        last: u64,
        found: String,
        expected: String,
    },
}

/// What a verification found intact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// How many entries were checked.
    pub entries: u64,
    /// The newest entry's seq and hash (`None` for an empty log).
    pub head: Option<(u64, [u8; 32])>,
}

/// Walks the chain one entry at a time.
#[derive(Debug, Clone)]
pub struct Verifier {
    last_seq: u64,
    prev: [u8; 32],
    entries: u64,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            last_seq: 0,
            prev: GENESIS,
            entries: 0,
        }
    }
}

impl Verifier {
    /// Checks the next stored entry (in seq order). The entry's hash must be the hash of its
    /// content after the entry just checked: the verifier carries that hash itself, so a
    /// backend need not store each entry's `prev_hash` (the embedded store does not, since
    /// schema 17) and a stored copy, where there is one, is not trusted.
    pub fn check(&mut self, row: &ChainedAudit) -> Result<(), ChainBreak> {
        let expected = self.last_seq + 1;
        if row.seq > expected {
            return Err(ChainBreak::Missing {
                expected,
                found: row.seq,
            });
        }
        if row.seq < expected {
            return Err(ChainBreak::Unlinked {
                seq: row.seq,
                after: self.last_seq,
            });
        }
        if entry_hash(row.seq, &self.prev, &row.entry) != row.hash {
            // Edited, or renumbered to close the gap an entry's removal left, or moved.
            return Err(ChainBreak::Edited { seq: row.seq });
        }
        self.last_seq = row.seq;
        self.prev = row.hash;
        self.entries += 1;
        Ok(())
    }

    /// What was checked so far.
    pub fn verified(&self) -> Verified {
        Verified {
            entries: self.entries,
            head: (self.entries > 0).then_some((self.last_seq, self.prev)),
        }
    }
}

/// Verifies the whole stored chain, and, when `head` is given (hex, from `admin audit head`),
/// that it ends there.
pub fn verify(
    storage: &dyn SyncStorage,
    head: Option<&str>,
) -> StorageResult<Result<Verified, ChainBreak>> {
    let mut verifier = Verifier::default();
    let mut after = 0;
    loop {
        let page = storage.audit_chain_page(after, VERIFY_PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for row in &page {
            if let Err(broken) = verifier.check(row) {
                return Ok(Err(broken));
            }
        }
    }
    let verified = verifier.verified();
    if let Some(expected) = head {
        let expected = expected.trim().to_ascii_lowercase();
        let (last, found) = verified
            .head
            .map_or((0, hex(&GENESIS)), |(seq, hash)| (seq, hex(&hash)));
        // The kept head may be "SEQ HASH" (as printed) or just the hash.
        let expected_hash = expected.rsplit(' ').next().unwrap_or_default().to_owned();
        if expected_hash != found {
            return Ok(Err(ChainBreak::HeadMismatch {
                last,
                found,
                expected: expected_hash,
            }));
        }
    }
    Ok(Ok(verified))
}

/// Lower-case hex of a hash.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A stored hash column as 32 bytes.
pub(crate) fn hash32(bytes: &[u8]) -> StorageResult<[u8; 32]> {
    bytes
        .try_into()
        .map_err(|_| super::StorageError::Corrupt("an audit entry's hash is not 32 bytes".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(detail: &str) -> ServerAudit {
        ServerAudit {
            detail: Some(detail.into()),
            ..ServerAudit::new(1, AuditAction::Consultation, "report")
        }
    }

    fn stored(n: usize) -> Vec<ChainedAudit> {
        let entries: Vec<_> = (0..n).map(|i| entry(&format!("e{i}"))).collect();
        chain(None, &entries)
    }

    fn first_break(rows: &[ChainedAudit]) -> Option<ChainBreak> {
        let mut v = Verifier::default();
        rows.iter().find_map(|r| v.check(r).err())
    }

    #[test]
    fn an_intact_chain_verifies_and_continues_from_its_head() {
        let rows = stored(3);
        assert_eq!(first_break(&rows), None);
        let head = rows.last().map(|r| (r.seq, r.hash));
        let more = chain(head, &[entry("e3")]);
        assert_eq!(more[0].seq, 4);
        let all: Vec<_> = rows.into_iter().chain(more).collect();
        assert_eq!(first_break(&all), None);
    }

    #[test]
    fn every_field_is_covered_by_the_hash() {
        let base = entry("x");
        let h = entry_hash(1, &GENESIS, &base);
        let variants = [
            ServerAudit {
                at_ms: 2,
                ..base.clone()
            },
            ServerAudit {
                role: "officer".into(),
                ..base.clone()
            },
            ServerAudit {
                action: AuditAction::Disclosure,
                ..base.clone()
            },
            ServerAudit {
                subject: "contact".into(),
                ..base.clone()
            },
            ServerAudit {
                record_id: Some("r".into()),
                ..base.clone()
            },
            ServerAudit {
                justification: Some("j".into()),
                ..base.clone()
            },
            ServerAudit {
                recipient: Some("d".into()),
                ..base.clone()
            },
            ServerAudit {
                detail: None,
                ..base.clone()
            },
            // Absent and empty differ.
            ServerAudit {
                justification: Some(String::new()),
                ..base.clone()
            },
        ];
        for v in variants {
            assert_ne!(entry_hash(1, &GENESIS, &v), h, "{v:?}");
        }
        assert_ne!(entry_hash(2, &GENESIS, &base), h);
        assert_ne!(entry_hash(1, &[1; 32], &base), h);
    }

    #[test]
    fn an_edit_a_removal_and_a_swap_are_each_named() {
        let mut edited = stored(5);
        edited[2].entry.detail = Some("changed".into());
        assert_eq!(first_break(&edited), Some(ChainBreak::Edited { seq: 3 }));

        let mut removed = stored(5);
        removed.remove(2);
        assert_eq!(
            first_break(&removed),
            Some(ChainBreak::Missing {
                expected: 3,
                found: 4
            })
        );

        // Removed and the later entries renumbered to close the gap.
        let mut renumbered = stored(5);
        renumbered.remove(2);
        for r in renumbered.iter_mut().skip(2) {
            r.seq -= 1;
        }
        assert_eq!(
            first_break(&renumbered),
            Some(ChainBreak::Edited { seq: 3 })
        );

        // Two entries' contents swapped, seqs kept.
        let mut swapped = stored(5);
        let (a, b) = (swapped[1].clone(), swapped[2].clone());
        swapped[1] = ChainedAudit { seq: 2, ..b };
        swapped[2] = ChainedAudit { seq: 3, ..a };
        assert_eq!(first_break(&swapped), Some(ChainBreak::Edited { seq: 2 }));
    }
}
