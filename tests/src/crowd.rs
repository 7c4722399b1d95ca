//! A crowd of concurrent pulls against one server process, watched from outside: the issue-15
//! finding was that 600 concurrent pulls under `ulimit -n 1024` answered `500` and exhausted
//! descriptors, and that 400 concurrent pulls of 1,000 records took the server to a 3.7 GiB
//! peak and kept 759 MB. This drives that burst and reports what it cost: answers by status,
//! answer and whole-pull latency, and the server's resident memory and open descriptors before,
//! at the peak and after. A puller told `503`/`429` waits its `Retry-After` and tries again (as
//! devices do), a bounded number of times. Used by the `load pulls` bench (prints figures).

use crate::http::try_request;
use crate::load::{note_op_by, Percentiles};
use crate::procstat::{sample_until, Peaks, Reading};
use crate::server::ServerProcess;
use beatbook_core::ids::{DeviceId, UserId};
use beatbook_core::sync::protocol::{
    EnrolRequest, EnrolResponse, OpStatus, PullResponse, PushRequest, PushResponse, RecordKind,
    PROTOCOL_VERSION,
};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// How many times one puller is told to retry before it counts as failed.
const MAX_ATTEMPTS: usize = 10;

/// Ops per push while seeding (the protocol's limit is 1,000).
const SEED_BATCH: usize = 1_000;

/// An enrolled device's credentials.
struct Enrolled {
    user: UserId,
    device: DeviceId,
    token: String,
}

fn enrol(server: &ServerProcess, team: &str, name: &str, role: &str) -> Enrolled {
    let user = server
        .admin(&[
            "create-user",
            "--name",
            name,
            "--role",
            role,
            "--team",
            team,
        ])
        .trim()
        .to_owned();
    let code = server.admin(&["enrol-code", "--user", &user]);
    let body = serde_json::to_string(&EnrolRequest {
        code: code.trim().to_owned(),
        device_name: "crowd bench".into(),
    })
    .expect("enrol request");
    let answer = try_request(&server.url, "POST", "/v1/enrol", None, Some(&body)).expect("enrol");
    assert_eq!(answer.status, 200, "enrol: {}", answer.body);
    let enrolled: EnrolResponse = serde_json::from_str(&answer.body).expect("enrolment");
    Enrolled {
        user: enrolled.user.id,
        device: enrolled.device_id,
        token: enrolled.token,
    }
}

/// A team with `records` notes pushed by a PCSO; returns the token of its sergeant's device,
/// which may pull them all.
pub fn seed(server: &ServerProcess, records: usize) -> String {
    let team = server
        .admin(&["create-team", "--name", "Crowd team"])
        .trim()
        .to_owned();
    let writer = enrol(server, &team, "PCSO Crowd Writer", "pcso");
    let reader = enrol(server, &team, "Sergeant Crowd Reader", "supervisor");
    let mut left = records;
    while left > 0 {
        let n = left.min(SEED_BATCH);
        let body = serde_json::to_string(&PushRequest {
            protocol: PROTOCOL_VERSION,
            ops: (0..n)
                .map(|_| note_op_by(writer.user, writer.device))
                .collect(),
            pulled_through: None,
            epoch: None,
        })
        .expect("push request");
        let answer = try_request(
            &server.url,
            "POST",
            "/v1/sync/push",
            Some(&writer.token),
            Some(&body),
        )
        .expect("push");
        assert_eq!(answer.status, 200, "seed push: {}", answer.body);
        let pushed: PushResponse = serde_json::from_str(&answer.body).expect("push answer");
        assert!(
            pushed
                .results
                .iter()
                .all(|r| matches!(r.status, OpStatus::Accepted)),
            "seed push: {}",
            answer.body
        );
        left -= n;
    }
    reader.token
}

/// What one burst did and cost.
#[derive(Debug, Default)]
pub struct Burst {
    /// Every answer, by HTTP status (retries included).
    pub by_status: BTreeMap<u16, usize>,
    /// Connection failures, 5xx, refusals without `Retry-After`, pulls that did not finish.
    pub errors: Vec<String>,
    /// Pullers that received every record.
    pub completed: usize,
    /// Each answer's time, whatever its status.
    pub answer_latency: Percentiles,
    /// Each whole pull's time (every page, and the waits of its retries).
    pub pull_latency: Percentiles,
    pub elapsed: Duration,
    /// The highest RSS and descriptor count sampled during the burst.
    pub peaks: Peaks,
}

/// What one puller saw.
#[derive(Default)]
struct Puller {
    statuses: Vec<u16>,
    answers: Vec<Duration>,
    errors: Vec<String>,
    received: usize,
    took: Duration,
}

fn pull_everything(url: &str, token: &str, records: usize) -> Puller {
    let mut p = Puller::default();
    let started = Instant::now();
    let (mut cursor, mut attempts) = (0u64, 0usize);
    loop {
        let path = format!("/v1/sync/pull?cursor={cursor}&limit=1000");
        let asked = Instant::now();
        let answer = match try_request(url, "GET", &path, Some(token), None) {
            Ok(answer) => answer,
            Err(e) => {
                p.errors.push(format!("connection: {e}"));
                break;
            }
        };
        p.answers.push(asked.elapsed());
        p.statuses.push(answer.status);
        match (answer.status, answer.retry_after) {
            (200, _) => match serde_json::from_str::<PullResponse>(&answer.body) {
                Ok(page) => {
                    // The feed also holds the team's people: count the notes.
                    p.received += page
                        .changes
                        .iter()
                        .filter(|c| c.kind == RecordKind::Note)
                        .count();
                    cursor = page.next_cursor;
                    if !page.has_more {
                        break;
                    }
                }
                Err(e) => {
                    p.errors.push(format!("200 but not a page: {e}"));
                    break;
                }
            },
            (429 | 503, Some(wait)) if attempts + 1 < MAX_ATTEMPTS => {
                attempts += 1;
                // The client's side of the protocol: wait as told, then ask again.
                std::thread::sleep(Duration::from_secs(wait));
            }
            (status, retry) => {
                p.errors.push(format!(
                    "{status} (Retry-After {retry:?}) after {attempts} retries: {}",
                    answer.body.chars().take(200).collect::<String>()
                ));
                break;
            }
        }
    }
    p.took = started.elapsed();
    if p.errors.is_empty() && p.received != records {
        p.errors
            .push(format!("received {} of {records} records", p.received));
    }
    p
}

/// `pullers` concurrent devices each pulling all `records` from cursor 0, with the server
/// (process `pid`) sampled every 20 ms meanwhile.
pub fn burst(url: &str, pid: u32, token: &str, pullers: usize, records: usize) -> Burst {
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let barrier = Barrier::new(pullers);
    let (results, peaks) = std::thread::scope(|s| {
        let sampler = s.spawn(|| sample_until(pid, Duration::from_millis(20), &stop));
        let handles: Vec<_> = (0..pullers)
            .map(|_| {
                let barrier = &barrier;
                std::thread::Builder::new()
                    .stack_size(256 * 1024)
                    .spawn_scoped(s, move || {
                        barrier.wait();
                        pull_everything(url, token, records)
                    })
                    .expect("a puller thread")
            })
            .collect();
        let results: Vec<Puller> = handles
            .into_iter()
            .map(|h| h.join().expect("puller"))
            .collect();
        stop.store(true, Ordering::Relaxed);
        (results, sampler.join().expect("sampler"))
    });
    let mut burst = Burst {
        elapsed: started.elapsed(),
        peaks,
        ..Burst::default()
    };
    let (mut answers, mut pulls) = (Vec::new(), Vec::new());
    for p in results {
        for status in p.statuses {
            *burst.by_status.entry(status).or_insert(0) += 1;
        }
        if p.errors.is_empty() {
            burst.completed += 1;
        }
        burst.errors.extend(p.errors);
        answers.extend(p.answers);
        pulls.push(p.took);
    }
    burst.answer_latency = Percentiles::of(answers);
    burst.pull_latency = Percentiles::of(pulls);
    burst
}

/// Readings of the server after a burst: at once, then each second until `settle` has passed
/// and resident memory has not fallen for 5 s (or twice `settle`).
pub fn settle(pid: u32, settle: Duration) -> Vec<(Duration, Reading)> {
    let started = Instant::now();
    let mut readings = Vec::new();
    while let Some(reading) = Reading::of(pid) {
        let at = started.elapsed();
        readings.push((at, reading));
        let last: Vec<u64> = readings
            .iter()
            .rev()
            .take(6)
            .map(|(_, r)| r.rss_kib)
            .collect();
        // Newest first: no net fall over the last 5 s.
        let flat = last.len() == 6 && last[0] >= last[5];
        if (at >= settle && flat) || at >= 2 * settle {
            break;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    readings
}
