//! One conformance suite that every storage backend runs (as matrix-rust-sdk's
//! `statestore_integration_tests!`): the behaviours of `SyncStorage` as plain functions over an
//! `Arc<dyn SyncStorage>`, and a macro, [`storage_conformance_tests!`], that a backend invokes
//! with an expression opening a fresh, empty store. Each backend's own tests (SQLite's
//! migrations and page cost, PostgreSQL's query plans) stay beside the backend.
//!
//! - `writes`: op ids, rejections, batches, erasure.
//! - `echo`: a device's own changes are not sent back.
//! - `feed`: pages follow the filter, pagination, members.
//! - `people`: reference data, enrolment, tokens, revocation.
//! - `reports`: report records.
//! - `audit`: the s.62 log: written with its batch, filtered, one chain under racing appends.
//! - `device_audits`: a device's own log handed in: once each, never past a gap, per device.
//! - `operations`: what operators read (the store's size).
//! - `retention`: the retention index, the pull filter, the sweep and the admin's erasure.
//! - `concurrency`: N writers × M readers, concurrent retries (the contract's lock).

pub(crate) mod audit;
pub(crate) mod concurrency;
pub(crate) mod device_audits;
pub(crate) mod echo;
pub(crate) mod feed;
pub(crate) mod ids;
pub(crate) mod operations;
pub(crate) mod people;
pub(crate) mod reports;
pub(crate) mod retention;
pub(crate) mod writes;

use super::{CurrentRecord, Decision, FeedFilter, RecordMeta, RecordRow, SyncStorage, WriteTarget};
use beatbook_core::ids::{DeviceId, UserId};
use beatbook_core::sync::merge::RecordState;
use beatbook_core::sync::protocol::FieldState;
use beatbook_core::sync::{Hlc, RecordKind};
use std::sync::Arc;
use uuid::Uuid;

/// A fresh store for one test, and whatever must live as long as it (a temporary directory,
/// a test schema).
pub(crate) struct Opened {
    pub storage: Arc<dyn SyncStorage>,
    pub _keep: Box<dyn std::any::Any>,
}

/// The tests, by module and name; `$open` is evaluated once per test and gives
/// `Option<Opened>` (`None`: the backend is skipped, loudly, by its own harness).
macro_rules! conformance_tests {
    ($open:expr; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                if let Some(opened) = $open {
                    $crate::storage::conformance::$module::$name(&opened.storage);
                }
            }
        )*
    };
}
pub(crate) use conformance_tests;

/// Every conformance test, for the backend `$open` opens.
macro_rules! storage_conformance_tests {
    ($open:expr) => {
        $crate::storage::conformance::conformance_tests!($open;
            writes::an_op_id_applies_once_and_a_rejection_writes_nothing,
            writes::erasing_a_record_erases_the_conflicts_about_it,
            writes::erasing_one_fields_value_erases_only_the_conflicts_about_that_field,
            writes::a_batch_commits_once_and_each_op_stands_alone_within_it,
            writes::a_failed_batch_leaves_nothing_of_its_earlier_ops,
            writes::a_record_keeps_its_meta_and_members,
            writes::two_devices_reusing_one_op_id_both_get_their_records_applied,
            writes::pages_bounded_by_bytes_still_yield_every_record,
            echo::a_devices_change_over_what_it_held_is_not_sent_back_but_every_other_is,
            feed::pages_follow_the_filter,
            feed::pages_split_the_feed_in_seq_order_and_end_at_the_head,
            feed::a_stored_page_holds_each_record_as_written,
            ids::ids_come_back_as_written_wherever_they_are_kept,
            people::reference_rows_are_read_back,
            people::a_code_enrols_one_device_once_and_its_token_authenticates_it,
            people::a_teams_roster_holds_its_members_and_their_devices_only,
            reports::report_records_are_live_records_of_the_kinds_and_team,
            reports::a_period_reads_only_the_records_that_reach_it_and_names_older_ones,
            audit::the_audit_log_reads_newest_first,
            audit::a_batch_logs_its_accepted_writes_in_its_transaction,
            audit::the_log_filters_by_user_record_operation_and_period,
            audit::racing_appenders_keep_one_unbroken_chain,
            device_audits::a_devices_log_is_chained_once_and_never_past_a_gap,
            operations::the_store_reports_its_size,
            concurrency::writers_and_readers_lose_nothing_skip_nothing_apply_nothing_twice,
            concurrency::concurrent_retries_of_one_batch_apply_each_op_once,
            retention::the_index_finds_expired_records_by_range_and_children_by_parent,
            retention::personal_details_take_their_contacts_anchor_whenever_they_arrive,
            retention::a_pull_never_serves_a_record_past_its_date_but_serves_its_erasure,
            retention::the_sweep_redacts_personal_details_at_their_date_and_logs_it,
            retention::a_retained_record_survives_until_its_new_date,
            retention::a_closed_problem_goes_with_its_steps_and_an_open_one_never,
            retention::an_administrator_erases_any_kind_with_its_children_and_a_reason,
            retention::the_schedule_is_validated_before_it_is_written,
            retention::a_pull_leaves_out_the_children_of_an_expired_record,
            retention::the_due_list_holds_what_is_within_the_notice_and_names_no_one,
            retention::the_sweep_works_through_a_backlog_in_batches,
        );
    };
}
pub(crate) use storage_conformance_tests;

/// A record with one field, `text` (none when erased).
pub(crate) fn row(kind: RecordKind, id: &str, erased: bool) -> RecordRow {
    let mut state = RecordState {
        erased,
        ..Default::default()
    };
    if !erased {
        state.fields.insert(
            "text".into(),
            FieldState {
                value: serde_json::json!("hello"),
                hlc: Hlc::new(1, DeviceId::new()),
            },
        );
    }
    RecordRow {
        kind,
        record_id: id.into(),
        meta: RecordMeta::default(),
        state,
    }
}

pub(crate) fn target(op_id: Option<Uuid>, kind: RecordKind, id: &str) -> WriteTarget {
    WriteTarget {
        op_id,
        device_id: None,
        kind,
        record_id: id.into(),
        now_ms: 1,
        pulled_through: None,
    }
}

/// A filter admitting every force-wide record.
pub(crate) fn filter() -> FeedFilter {
    FeedFilter {
        team_id: None,
        team_kinds: vec![],
        member_kinds: vec![],
        member: UserId::new(),
        global_kinds: RecordKind::ALL.to_vec(),
        echoes_of: None,
        retention: None,
    }
}

pub(crate) fn write_note(id: &str) -> Decision {
    write_row(row(RecordKind::Note, id, false))
}

pub(crate) fn write_row(record: RecordRow) -> Decision {
    Decision::Write {
        record,
        extra: vec![],
        reference_rows: vec![],
        scrub_conflicts: crate::storage::ConflictScrub::Keep,
        audit: Vec::new(),
    }
}

/// Writes `records` (no op ids) as one batch: one transaction.
pub(crate) fn put_all(storage: &dyn SyncStorage, records: Vec<RecordRow>) {
    let mut decides: Vec<_> = records
        .iter()
        .map(|record| move |_: &CurrentRecord| write_row(record.clone()))
        .collect();
    let mut batch: Vec<_> = records
        .iter()
        .zip(decides.iter_mut())
        .map(|(record, decide)| super::PendingWrite {
            ahead: None,
            target: target(None, record.kind, &record.record_id),
            decide,
        })
        .collect();
    storage.write_records(&mut batch).expect("write");
}

/// Writes `record` (no op id) and returns its seq.
pub(crate) fn put(storage: &dyn SyncStorage, record: RecordRow) -> u64 {
    let t = target(None, record.kind, &record.record_id);
    let outcome = storage
        .write_record(&t, &mut |_: &CurrentRecord| write_row(record.clone()))
        .expect("write");
    match outcome {
        super::WriteOutcome::Applied { seq: Some(seq), .. } => seq,
        other => panic!("not applied: {other:?}"),
    }
}
