//! Write costs: recording a contact end to end against a bare one-row commit, and a one-row
//! commit under `synchronous = FULL` against `NORMAL`. Same cipher, same disk; the two sides of
//! each comparison run interleaved (alternating which goes first), so background load on the
//! machine falls on both.

use crate::pages;
use crate::setup::{self, point_in_grid};
use crate::stats::{self, ms, timed, Summary};
use crate::words::{Rng, Vocabulary};
use beatbook_core::model::{Audience, ContactMethod, CrimeCategory, NewContact, PersonalDetails};
use chrono::{Duration, Utc};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;
use std::time::Duration as Elapsed;

const WARM_UP: usize = 50;

/// Contact recording against a bare commit.
#[derive(Debug)]
pub struct ContactReport {
    pub contact: Summary,
    pub bare: Summary,
    /// Pages (WAL frames) one commit writes, each encrypted and authenticated.
    pub contact_pages: f64,
    pub bare_pages: f64,
    /// A contact's pages by the B-tree that owns each, most first.
    pub contact_btrees: Vec<(String, f64)>,
    /// A second interleaved run: contacts against a bare commit that writes as many pages.
    pub contact_again: Summary,
    pub page_matched: Summary,
    pub page_matched_pages: f64,
}

impl ContactReport {
    pub fn ratio(&self) -> f64 {
        self.contact.mean.as_secs_f64() / self.bare.mean.as_secs_f64()
    }

    /// A contact against a bare commit of as many pages: the cost above the pages themselves.
    pub fn page_matched_ratio(&self) -> f64 {
        self.contact_again.mean.as_secs_f64() / self.page_matched.mean.as_secs_f64()
    }
}

/// Records `n` contacts through `Store::record_contact` and makes `n` bare commits.
pub fn contact_vs_bare(n: usize, vocab: &Vocabulary) -> ContactReport {
    let dir = setup::temp_dir("write");
    let (store, actor) = setup::new_store(&dir.path().join("beatbook.db"));
    let bare = bare_table(&dir.path().join("bare.db"), "FULL");
    let mut rng = Rng::new(1);
    let record = |new| {
        let (result, took) = timed(|| store.record_contact(&actor, new));
        result.expect("record a contact");
        took
    };
    let (contact_times, bare_times) =
        interleaved(n, &mut rng, vocab, record, |body| insert_one(&bare, body));
    let contact_pages = pages_per_commit(store.path(), || {
        let new = new_contact(&mut rng, vocab);
        store.record_contact(&actor, new).expect("record a contact");
    });
    let bare_pages = pages_per_commit(&dir.path().join("bare.db"), || {
        insert_one(&bare, &vocab.note(&mut rng));
    });
    let contact_btrees = pages::by_btree(store.path(), 20, || {
        let new = new_contact(&mut rng, vocab);
        store.record_contact(&actor, new).expect("record a contact");
    });
    // As many one-row B-trees as the contact writes pages, rounded to the nearest.
    let matched_path = dir.path().join("page_matched.db");
    let matched = pages::PageMatchedBare::new(&matched_path, contact_pages.round() as usize);
    let (again_times, matched_times) =
        interleaved(n, &mut rng, vocab, record, |body| matched.commit(body));
    let page_matched_pages = pages_per_commit(&matched_path, || {
        matched.commit(&vocab.note(&mut rng));
    });
    ContactReport {
        contact: Summary::of(&contact_times),
        bare: Summary::of(&bare_times),
        contact_pages,
        bare_pages,
        contact_btrees,
        contact_again: Summary::of(&again_times),
        page_matched: Summary::of(&matched_times),
        page_matched_pages,
    }
}

/// `WARM_UP + n` rounds of one contact recorded by `record` and one commit of a note's text by
/// `other`, alternating which goes first so that background load falls on both; the times of
/// the last `n` rounds of each.
fn interleaved(
    n: usize,
    rng: &mut Rng,
    vocab: &Vocabulary,
    record: impl Fn(NewContact) -> Elapsed,
    other: impl Fn(&str) -> Elapsed,
) -> (Vec<Elapsed>, Vec<Elapsed>) {
    let (mut recorded, mut others) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..WARM_UP + n {
        let new = new_contact(rng, vocab);
        let body = vocab.note(rng);
        let (r, o) = if i % 2 == 0 {
            let r = record(new);
            (r, other(&body))
        } else {
            let o = other(&body);
            (record(new), o)
        };
        if i >= WARM_UP {
            recorded.push(r);
            others.push(o);
        }
    }
    (recorded, others)
}

/// One-row commits under `FULL` and under `NORMAL`.
pub fn full_vs_normal(n: usize, vocab: &Vocabulary) -> (Summary, Summary) {
    let dir = setup::temp_dir("sync");
    let full = bare_table(&dir.path().join("full.db"), "FULL");
    let normal = bare_table(&dir.path().join("normal.db"), "NORMAL");
    let mut rng = Rng::new(2);
    let (mut full_times, mut normal_times) = (Vec::new(), Vec::new());
    for i in 0..WARM_UP + n {
        let body = vocab.note(&mut rng);
        let (f, m) = if i % 2 == 0 {
            let f = insert_one(&full, &body);
            (f, insert_one(&normal, &body))
        } else {
            let m = insert_one(&normal, &body);
            (insert_one(&full, &body), m)
        };
        if i >= WARM_UP {
            full_times.push(f);
            normal_times.push(m);
        }
    }
    (Summary::of(&full_times), Summary::of(&normal_times))
}

pub fn print_contact(report: &ContactReport) {
    stats::summary_row("record_contact (end to end)", &report.contact);
    stats::summary_row("bare INSERT + COMMIT", &report.bare);
    println!(
        "  ratio of means: {:.2}x; a contact costs {} more than the bare commit",
        report.ratio(),
        ms(report.contact.mean.saturating_sub(report.bare.mean))
    );
    println!(
        "  pages written per commit: contact {:.1}, bare {:.1}",
        report.contact_pages, report.bare_pages
    );
    println!("  a contact's pages by B-tree (per commit, over 200 commits):");
    for (btree, pages) in &report.contact_btrees {
        println!("    {pages:>5.2}  {btree}");
    }
    println!(
        "  again, against a bare commit writing as many pages ({:.1} per commit):",
        report.page_matched_pages
    );
    stats::summary_row("record_contact (end to end)", &report.contact_again);
    stats::summary_row("page-matched bare commit", &report.page_matched);
    println!(
        "  ratio of means: {:.2}x; above its pages a contact costs {}",
        report.page_matched_ratio(),
        ms(report
            .contact_again
            .mean
            .saturating_sub(report.page_matched.mean))
    );
}

/// How many pages (WAL frames) one commit writes: 20 batches of 10 commits made by `commit`,
/// each batch after the WAL has been checkpointed and truncated (small enough batches that
/// SQLite's automatic checkpoint at 1,000 frames does not start over within one).
fn pages_per_commit(db: &Path, mut commit: impl FnMut()) -> f64 {
    const BATCHES: u64 = 20;
    const COMMITS: u64 = 10;
    let conn = setup::raw_connection(db, "FULL");
    // SQLCipher answers `page_size` as `cipher_page_size`, in text.
    let page_size: u64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get::<_, String>(0))
        .expect("page size")
        .parse()
        .expect("a numeric page size");
    let mut frames = 0;
    for _ in 0..BATCHES {
        let busy: i64 = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .expect("checkpoint");
        assert_eq!(busy, 0, "the WAL could not be truncated");
        for _ in 0..COMMITS {
            commit();
        }
        let wal = std::fs::metadata(format!("{}-wal", db.display()))
            .expect("WAL size")
            .len();
        // A 32-byte WAL header, then one 24-byte header and one page per frame.
        frames += wal.saturating_sub(32) / (page_size + 24);
    }
    frames as f64 / (BATCHES * COMMITS) as f64
}

/// A keyed database with one simple table.
fn bare_table(path: &Path, synchronous: &str) -> Connection {
    let conn = setup::raw_connection(path, synchronous);
    conn.execute_batch(
        "CREATE TABLE bare (id INTEGER PRIMARY KEY, at TEXT NOT NULL, body TEXT NOT NULL)",
    )
    .expect("create the bare table");
    conn
}

/// One `IMMEDIATE` transaction with one INSERT, as the store's writes are; returns its time.
fn insert_one(conn: &Connection, body: &str) -> Elapsed {
    let (result, took) = timed(|| -> rusqlite::Result<()> {
        let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
        tx.prepare_cached("INSERT INTO bare (at, body) VALUES (?1, ?2)")?
            .execute((Utc::now().to_rfc3339(), body))?;
        tx.commit()
    });
    result.expect("bare insert");
    took
}

/// A plausible contact: a foot-patrol chat somewhere in the grid in the last four weeks,
/// sometimes with a promise (a follow-up) or consented contact details.
fn new_contact(rng: &mut Rng, vocab: &Vocabulary) -> NewContact {
    const METHODS: [ContactMethod; 4] = [
        ContactMethod::FootPatrol,
        ContactMethod::DoorKnock,
        ContactMethod::BeatMeeting,
        ContactMethod::CommunityEvent,
    ];
    const AUDIENCES: [Audience; 4] = [
        Audience::Resident,
        Audience::Business,
        Audience::YoungPeople,
        Audience::CommunityGroup,
    ];
    const ISSUES: [CrimeCategory; 6] = [
        CrimeCategory::AntiSocialBehaviour,
        CrimeCategory::BicycleTheft,
        CrimeCategory::Burglary,
        CrimeCategory::Drugs,
        CrimeCategory::VehicleCrime,
        CrimeCategory::CriminalDamageArson,
    ];
    let personal = rng.chance(0.2).then(|| PersonalDetails {
        name: Some("A. Resident".into()),
        phone: Some(format!("07700 900{:03}", rng.below(1000))),
        ..Default::default()
    });
    let mut issues = vec![ISSUES[rng.below(ISSUES.len())]];
    if rng.chance(0.3) {
        let second = ISSUES[rng.below(ISSUES.len())];
        if second != issues[0] {
            issues.push(second);
        }
    }
    NewContact {
        occurred_at: Utc::now() - Duration::minutes(rng.below(60 * 24 * 27) as i64),
        place: Some(point_in_grid(rng.unit(), rng.unit())),
        lsoa_code: None,
        lap_code: None,
        method: METHODS[rng.below(METHODS.len())],
        audience: AUDIENCES[rng.below(AUDIENCES.len())],
        people_count: 1 + rng.below(4) as u32,
        issues,
        issues_text: Some(vocab.note(rng)),
        promised: rng
            .chance(0.25)
            .then(|| "Revisit after school hours and update the resident".into()),
        follow_up_due: None,
        follow_up_owner: None,
        // The vulnerable flag, like personal details, is recorded only with consent.
        consent_to_recontact: personal.is_some(),
        vulnerable: personal.is_some() && rng.chance(0.25),
        personal,
        ethnicity: None,
        repeat_caller: rng.chance(0.1),
        problem_id: None,
        patrol_id: None,
    }
}
