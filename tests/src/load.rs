//! Load: many simulated devices syncing at once against one server on loopback. Each device is
//! a thread with a real enrolment and token that, for a fixed number of rounds, pushes a batch
//! of notes and pulls its team's feed from its cursor, over raw HTTP (one connection per
//! request, like a phone waking up). Bounded in devices, rounds and time: it stops by itself.
//!
//! A request answered `503` (busy: nothing applied) is retried after the 2 s the server's
//! `Retry-After` asks for, up to [`BUSY_TRIES`] tries, as the app's sync client does; the
//! retries are counted, and the latency includes the wait. Only a request that never succeeds
//! is an error.
//!
//! Afterwards every device pulls once more; each must have received exactly its team's notes
//! (none missed by a cursor under concurrent writes, none twice), and the server must hold each
//! pushed op once. Used by `tests/tests/e2e/load.rs` (a small run) and the `load` binary (500).

use crate::http::{try_request, RawResponse};
use crate::server::ServerProcess;
use beatbook_core::ids::{DeviceId, NoteId, UserId};
use beatbook_core::model::{Note, NoteCategory};
use beatbook_core::sync::protocol::{
    EnrolRequest, EnrolResponse, FieldChange, Op, OpStatus, PullResponse, PushRequest,
    PushResponse, RecordKind, PROTOCOL_VERSION,
};
use beatbook_core::sync::Hlc;
use chrono::Utc;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

/// Tries of one request answered `503` before it counts as an error.
pub const BUSY_TRIES: u32 = 5;

/// What the server's `Retry-After` asks a busy client to wait.
const BUSY_WAIT: Duration = Duration::from_secs(2);

/// How big a load run is.
#[derive(Debug, Clone, Copy)]
pub struct LoadConfig {
    pub devices: usize,
    pub team_size: usize,
    pub rounds: usize,
    pub notes_per_push: usize,
    /// Devices still running after this are stopped and counted as errors.
    pub deadline: Duration,
}

/// What a load run measured.
#[derive(Debug, Clone)]
pub struct LoadReport {
    pub devices: usize,
    pub requests: u64,
    /// Requests answered `503` (busy) and tried again.
    pub busy_retries: u64,
    pub errors: Vec<String>,
    pub ops_pushed: u64,
    pub changes_pulled: u64,
    pub elapsed: Duration,
    pub push_latency: Percentiles,
    pub pull_latency: Percentiles,
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Percentiles {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Percentiles {
    pub fn of(mut samples: Vec<Duration>) -> Percentiles {
        if samples.is_empty() {
            return Percentiles::default();
        }
        samples.sort();
        let at = |q: f64| {
            let i = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
            samples[i].as_secs_f64() * 1000.0
        };
        Percentiles {
            p50: at(0.50),
            p99: at(0.99),
            max: at(1.0),
        }
    }
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        write!(
            f,
            "load: {} devices, {} requests in {:.1} s ({:.0} requests/s), {} answered 503 and \
             retried, {} errors; {} ops pushed \
             ({:.0} ops/s), {} changes pulled ({:.0}/s); push p50 {:.1} ms, p99 {:.1} ms, max \
             {:.1} ms; pull p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.devices,
            self.requests,
            secs,
            self.requests as f64 / secs,
            self.busy_retries,
            self.errors.len(),
            self.ops_pushed,
            self.ops_pushed as f64 / secs,
            self.changes_pulled,
            self.changes_pulled as f64 / secs,
            self.push_latency.p50,
            self.push_latency.p99,
            self.push_latency.max,
            self.pull_latency.p50,
            self.pull_latency.p99,
            self.pull_latency.max,
        )
    }
}

/// A simulated device: its enrolment and what it has pulled.
#[derive(Debug)]
struct SimDevice<'a> {
    /// The instance it talks to.
    url: &'a str,
    team: usize,
    user: UserId,
    device: DeviceId,
    token: String,
    cursor: u64,
    seen: HashSet<String>,
}

/// What one device's run produced.
#[derive(Debug, Default)]
struct Tally {
    requests: u64,
    busy_retries: u64,
    errors: Vec<String>,
    ops: u64,
    pulled: u64,
    push: Vec<Duration>,
    pull: Vec<Duration>,
    /// The ids of the notes it pushed.
    pushed: Vec<String>,
}

/// Enrols `config.devices` devices in teams of `config.team_size`, then runs the load.
pub fn run(server: &ServerProcess, config: LoadConfig) -> LoadReport {
    run_across(server, &[server.url.as_str()], config)
}

/// As [`run`], against several instances of one server on one database: device `i` enrols,
/// pushes and pulls through `urls[i % urls.len()]` (as a load balancer would spread phones),
/// so teams span instances. `server` is one of them, for administration.
pub fn run_across(server: &ServerProcess, urls: &[&str], config: LoadConfig) -> LoadReport {
    assert!(!urls.is_empty(), "at least one instance");
    let mut devices = enrol(server, urls, config);
    let started = Instant::now();
    let deadline = started + config.deadline;
    let barrier = Barrier::new(devices.len());
    let tallies: Vec<Tally> = std::thread::scope(|s| {
        let handles: Vec<_> = devices
            .iter_mut()
            .map(|d| {
                let barrier = &barrier;
                std::thread::Builder::new()
                    .stack_size(256 * 1024)
                    .spawn_scoped(s, move || {
                        barrier.wait();
                        device_run(d.url, d, config, deadline)
                    })
                    .expect("spawn a device thread")
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("device thread"))
            .collect()
    });
    let elapsed = started.elapsed();
    let mut report = LoadReport {
        devices: devices.len(),
        requests: 0,
        busy_retries: 0,
        errors: Vec::new(),
        ops_pushed: 0,
        changes_pulled: 0,
        elapsed,
        push_latency: Percentiles::default(),
        pull_latency: Percentiles::default(),
    };
    let (mut push, mut pull) = (Vec::new(), Vec::new());
    let mut team_notes: BTreeMap<usize, HashSet<String>> = BTreeMap::new();
    for (d, t) in devices.iter().zip(tallies) {
        report.requests += t.requests;
        report.busy_retries += t.busy_retries;
        report.errors.extend(t.errors);
        report.ops_pushed += t.ops;
        report.changes_pulled += t.pulled;
        push.extend(t.push);
        pull.extend(t.pull);
        team_notes.entry(d.team).or_default().extend(t.pushed);
    }
    report.push_latency = Percentiles::of(push);
    report.pull_latency = Percentiles::of(pull);
    // Settle: each device pulls what it has not yet seen; it must then hold its team's notes.
    for d in &mut devices {
        let mut tally = Tally::default();
        pull_all(d.url, d, &mut tally);
        report.errors.extend(tally.errors);
        let expected = team_notes.get(&d.team).cloned().unwrap_or_default();
        let notes: HashSet<String> = d
            .seen
            .iter()
            .filter(|id| expected.contains(*id))
            .cloned()
            .collect();
        if notes != expected {
            report.errors.push(format!(
                "device {} received {} of its team's {} notes",
                d.device,
                notes.len(),
                expected.len()
            ));
        }
    }
    report
}

/// Teams and users through the admin command line (in parallel), then raw enrolments.
fn enrol<'a>(server: &ServerProcess, urls: &[&'a str], config: LoadConfig) -> Vec<SimDevice<'a>> {
    let teams: Vec<String> = (0..config.devices.div_ceil(config.team_size.max(1)))
        .map(|t| {
            server
                .admin(&["create-team", "--name", &format!("Load team {t}")])
                .trim()
                .to_owned()
        })
        .collect();
    let codes = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for worker in 0..4 {
            let (teams, codes) = (&teams, &codes);
            s.spawn(move || {
                for i in (worker..config.devices).step_by(4) {
                    let team = i / config.team_size.max(1);
                    let user = server
                        .admin(&[
                            "create-user",
                            "--name",
                            &format!("Load user {i}"),
                            "--role",
                            "pcso",
                            "--team",
                            &teams[team],
                        ])
                        .trim()
                        .to_owned();
                    let code = server.admin(&["enrol-code", "--user", &user]);
                    codes.lock().unwrap_or_else(|p| p.into_inner()).push((
                        i,
                        team,
                        code.trim().to_owned(),
                    ));
                }
            });
        }
    });
    let codes = codes.into_inner().unwrap_or_else(|p| p.into_inner());
    codes
        .into_iter()
        .map(|(i, team, code)| {
            let url = urls[i % urls.len()];
            let body = serde_json::to_string(&EnrolRequest {
                code,
                device_name: "load test".into(),
            })
            .expect("enrol request");
            let answer = try_request(url, "POST", "/v1/enrol", None, Some(&body)).expect("enrol");
            assert_eq!(answer.status, 200, "enrol: {}", answer.body);
            let enrolled: EnrolResponse = serde_json::from_str(&answer.body).expect("enrolment");
            SimDevice {
                url,
                team,
                user: enrolled.user.id,
                device: enrolled.device_id,
                token: enrolled.token,
                cursor: 0,
                seen: HashSet::new(),
            }
        })
        .collect()
}

fn device_run(url: &str, d: &mut SimDevice, config: LoadConfig, deadline: Instant) -> Tally {
    let mut tally = Tally::default();
    for round in 0..config.rounds {
        if Instant::now() > deadline {
            tally.errors.push(format!(
                "device {} ran out of time in round {round}",
                d.device
            ));
            break;
        }
        push_notes(url, d, config.notes_per_push, &mut tally);
        pull_all(url, d, &mut tally);
    }
    tally
}

fn timed(
    url: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&str>,
    tally: &mut Tally,
) -> Option<(RawResponse, Duration)> {
    let started = Instant::now();
    for attempt in 1..=BUSY_TRIES {
        tally.requests += 1;
        match try_request(url, method, path, Some(token), body) {
            Ok(answer) if answer.status == 200 => return Some((answer, started.elapsed())),
            Ok(answer) if answer.status == 503 && attempt < BUSY_TRIES => {
                tally.busy_retries += 1;
                std::thread::sleep(BUSY_WAIT);
            }
            Ok(answer) => {
                tally.errors.push(format!(
                    "{method} {path}: {} {} (try {attempt})",
                    answer.status, answer.body
                ));
                return None;
            }
            Err(e) => {
                tally.errors.push(format!("{method} {path}: {e}"));
                return None;
            }
        }
    }
    None
}

fn push_notes(url: &str, d: &mut SimDevice, n: usize, tally: &mut Tally) {
    let ops: Vec<Op> = (0..n).map(|_| note_op(d)).collect();
    let ids: Vec<String> = ops.iter().map(|op| op.record_id.clone()).collect();
    let body = serde_json::to_string(&PushRequest {
        protocol: PROTOCOL_VERSION,
        ops,
        pulled_through: None,
        epoch: None,
    })
    .expect("push request");
    let Some((answer, took)) = timed(url, "POST", "/v1/sync/push", &d.token, Some(&body), tally)
    else {
        return;
    };
    tally.push.push(took);
    match serde_json::from_str::<PushResponse>(&answer.body) {
        Ok(response) => {
            let accepted = response
                .results
                .iter()
                .filter(|r| matches!(r.status, OpStatus::Accepted))
                .count();
            if accepted != n {
                tally.errors.push(format!(
                    "push: {accepted} of {n} ops accepted: {}",
                    answer.body
                ));
            }
            tally.ops += accepted as u64;
            tally.pushed.extend(ids);
        }
        Err(e) => tally.errors.push(format!("push answer: {e}")),
    }
}

fn pull_all(url: &str, d: &mut SimDevice, tally: &mut Tally) {
    loop {
        let path = format!("/v1/sync/pull?cursor={}&limit=500", d.cursor);
        let Some((answer, took)) = timed(url, "GET", &path, &d.token, None, tally) else {
            return;
        };
        tally.pull.push(took);
        let page: PullResponse = match serde_json::from_str(&answer.body) {
            Ok(page) => page,
            Err(e) => {
                tally.errors.push(format!("pull page: {e}"));
                return;
            }
        };
        for change in &page.changes {
            if change.kind == RecordKind::Note && !d.seen.insert(change.record_id.clone()) {
                // A note's state never changes after it is written: seeing it twice means a
                // cursor went backwards.
                tally
                    .errors
                    .push(format!("note {} received twice", change.record_id));
            }
        }
        tally.pulled += page.changes.len() as u64;
        d.cursor = page.next_cursor;
        if !page.has_more {
            return;
        }
    }
}

/// A new note by `d`, as the op a device would push.
fn note_op(d: &SimDevice) -> Op {
    note_op_by(d.user, d.device)
}

/// A new note by `user` on `device`, as the op a device would push.
pub fn note_op_by(user: UserId, device: DeviceId) -> Op {
    let now = Utc::now();
    let note = Note {
        id: NoteId::new(),
        observed_at: now,
        text: "Load test: youths gathering by the shops".into(),
        category: NoteCategory::Observation,
        place: None,
        lsoa_code: None,
        patrol_id: None,
        problem_id: None,
        author: user,
        created_at: now,
        amends: None,
        correction_reason: None,
    };
    let serde_json::Value::Object(fields) = serde_json::to_value(&note).expect("note json") else {
        unreachable!("a note is a JSON object")
    };
    Op {
        op_id: NoteId::new().0,
        kind: RecordKind::Note,
        record_id: note.id.to_string(),
        hlc: Hlc::new(now.timestamp_millis() as u64, device),
        author: user,
        device,
        fields: fields
            .into_iter()
            .map(|(k, value)| (k, FieldChange { value, base: None }))
            .collect(),
        erase: None,
    }
}
