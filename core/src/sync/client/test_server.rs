//! A small sync server on loopback for the client's tests: real HTTP/1.1 over TCP (so the
//! client's retries, gzip and headers are exercised), a simple in-memory model of the protocol
//! behind it (last writer wins per field; no scopes or conflict log), and hooks to inject
//! failures. The real server is tested in `sync-server/` and end to end in `tests/`.

use crate::ids::{DeviceId, UserId};
use crate::sync::audit_wire::{AuditUploadRequest, AuditUploadResponse, DeviceAuditEntry};
use crate::sync::protocol::{
    Change, EnrolRequest, EnrolResponse, EnrolledUser, ErrorBody, ErrorCode, FieldState, OpResult,
    OpStatus, PullResponse, PushRequest, PushResponse, RecordKind, RejectCode, StatusResponse,
};
use chrono::Utc;
use flate2::read::GzDecoder;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use uuid::Uuid;

/// Where a device hands in its s.62 log.
const AUDIT_PATH: &str = "/v1/sync/audit";

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    /// Lower-case names.
    pub headers: BTreeMap<String, String>,
    /// The body after gzip decoding.
    pub body: Vec<u8>,
    /// The body as sent.
    pub wire_len: usize,
}

impl Request {
    pub fn push(&self) -> PushRequest {
        serde_json::from_slice(&self.body).expect("a push body")
    }
}

/// An answer; status 0 closes the connection without answering.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, value: &impl Serialize) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: serde_json::to_vec(value).expect("json"),
        }
    }

    pub fn error(status: u16, code: ErrorCode, message: &str) -> Reply {
        Reply::json(
            status,
            &ErrorBody {
                code,
                message: message.into(),
            },
        )
    }

    pub fn hang_up() -> Reply {
        Reply {
            status: 0,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

type Hook = Box<dyn FnMut(&Request, &mut Model) -> Option<Reply> + Send>;

/// The protocol, in memory.
#[derive(Debug, Default)]
pub struct Model {
    /// Enrolment codes not yet used.
    pub codes: HashMap<String, EnrolledUser>,
    /// Device tokens.
    pub devices: HashMap<String, (DeviceId, UserId)>,
    pub revoked: HashSet<String>,
    pub applied: HashSet<Uuid>,
    pub records: BTreeMap<(RecordKind, String), (BTreeMap<String, FieldState>, u64)>,
    pub seq: u64,
    /// Answer this many pushes with `clock_ahead` for every op.
    pub clock_ahead_pushes: usize,
    /// How far the server's clock is behind the real one.
    pub clock_behind: chrono::Duration,
    /// Each device's s.62 log entries as handed in.
    pub audit: HashMap<DeviceId, Vec<DeviceAuditEntry>>,
}

impl Model {
    fn now(&self) -> chrono::DateTime<Utc> {
        Utc::now() - self.clock_behind
    }

    pub fn answer(&mut self, req: &Request) -> Reply {
        match (req.method.as_str(), req.path.as_str()) {
            ("POST", "/v1/enrol") => self.enrol(req),
            (_, path) if path.starts_with("/v1/sync/") => {
                let token = req
                    .headers
                    .get("authorization")
                    .and_then(|h| h.strip_prefix("Bearer "))
                    .unwrap_or_default()
                    .to_owned();
                let Some(&(device, user)) = self.devices.get(&token) else {
                    return Reply::error(401, ErrorCode::Unauthenticated, "unknown token");
                };
                if (req.method.as_str(), path) == ("POST", AUDIT_PATH) {
                    // The one request a revoked device may still make.
                    return self.audit(device, req);
                }
                if self.revoked.contains(&token) {
                    return Reply::error(401, ErrorCode::DeviceRevoked, "revoked");
                }
                match (req.method.as_str(), path) {
                    ("POST", "/v1/sync/push") => self.push(req),
                    ("GET", "/v1/sync/pull") => self.pull(req),
                    ("GET", "/v1/sync/status") => Reply::json(
                        200,
                        &StatusResponse {
                            device_id: device,
                            user_id: user,
                            role: crate::model::Role::Pcso,
                            team_id: None,
                            server_time: self.now(),
                        },
                    ),
                    _ => Reply::error(400, ErrorCode::BadRequest, "no such endpoint"),
                }
            }
            _ => Reply::error(400, ErrorCode::BadRequest, "no such endpoint"),
        }
    }

    fn audit(&mut self, device: DeviceId, req: &Request) -> Reply {
        let Ok(upload) = serde_json::from_slice::<AuditUploadRequest>(&req.body) else {
            return Reply::error(400, ErrorCode::BadRequest, "bad body");
        };
        let held = self.audit.entry(device).or_default();
        let through = held.last().map_or(0, |e| e.seq);
        // Contiguous only, as the real server: a batch that starts past a gap is not taken.
        if upload.entries.first().is_some_and(|e| e.seq <= through + 1) {
            held.extend(upload.entries.into_iter().filter(|e| e.seq > through));
        }
        let acknowledged_through = held.last().map_or(0, |e| e.seq);
        Reply::json(
            200,
            &AuditUploadResponse {
                acknowledged_through,
            },
        )
    }

    fn enrol(&mut self, req: &Request) -> Reply {
        let Ok(body) = serde_json::from_slice::<EnrolRequest>(&req.body) else {
            return Reply::error(400, ErrorCode::BadRequest, "bad body");
        };
        let Some(user) = self.codes.remove(&body.code) else {
            return Reply::error(400, ErrorCode::EnrolmentCodeInvalid, "no such code");
        };
        let token = format!("{}{}", Uuid::now_v7().simple(), Uuid::now_v7().simple());
        let device_id = DeviceId::new();
        self.devices.insert(token.clone(), (device_id, user.id));
        Reply::json(
            200,
            &EnrolResponse {
                device_id,
                token,
                user,
                server_time: self.now(),
            },
        )
    }

    fn push(&mut self, req: &Request) -> Reply {
        let Ok(push) = serde_json::from_slice::<PushRequest>(&req.body) else {
            return Reply::error(400, ErrorCode::BadRequest, "bad body");
        };
        let clock_ahead = self.clock_ahead_pushes > 0;
        self.clock_ahead_pushes = self.clock_ahead_pushes.saturating_sub(1);
        let results = push
            .ops
            .iter()
            .map(|op| {
                let status = if clock_ahead {
                    OpStatus::Rejected {
                        code: RejectCode::ClockAhead,
                        message: "clock ahead".into(),
                    }
                } else if !self.applied.insert(op.op_id) {
                    OpStatus::Duplicate
                } else if op.kind.is_reference() {
                    OpStatus::Rejected {
                        code: RejectCode::Forbidden,
                        message: "reference data".into(),
                    }
                } else {
                    self.seq += 1;
                    let entry = self
                        .records
                        .entry((op.kind, op.record_id.clone()))
                        .or_default();
                    for (name, change) in &op.fields {
                        let newer = entry.0.get(name).is_none_or(|f| op.hlc > f.hlc);
                        if newer {
                            entry.0.insert(
                                name.clone(),
                                FieldState {
                                    value: change.value.clone(),
                                    hlc: op.hlc,
                                },
                            );
                        }
                    }
                    entry.1 = self.seq;
                    OpStatus::Accepted
                };
                OpResult {
                    op_id: op.op_id,
                    status,
                }
            })
            .collect();
        Reply::json(
            200,
            &PushResponse {
                results,
                server_time: self.now(),
                epoch: None,
            },
        )
    }

    fn pull(&self, req: &Request) -> Reply {
        let number = |name: &str| req.query.get(name).and_then(|v| v.parse::<u64>().ok());
        let (Some(cursor), Some(limit)) = (number("cursor"), number("limit")) else {
            return Reply::error(400, ErrorCode::BadRequest, "cursor and limit");
        };
        let mut changes: Vec<Change> = self
            .records
            .iter()
            .filter(|(_, (_, seq))| *seq > cursor)
            .map(|((kind, id), (fields, seq))| Change {
                seq: *seq,
                kind: *kind,
                record_id: id.clone(),
                fields: fields.clone(),
                erased: false,
            })
            .collect();
        changes.sort_by_key(|c| c.seq);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let has_more = changes.len() > limit;
        changes.truncate(limit);
        let next_cursor = changes.last().map_or(cursor, |c| c.seq);
        Reply::json(
            200,
            &PullResponse {
                changes,
                next_cursor,
                has_more,
                server_time: self.now(),
                epoch: None,
            },
        )
    }
}

/// What the server holds: its model, what it has seen, and the failures still to inject.
#[derive(Default)]
pub struct State {
    pub model: Model,
    pub requests: Vec<Request>,
    /// Served, in order, before the model answers anything, to every request but the log's
    /// hand-in: that runs beside the push, so which of the two came first is not fixed.
    pub scripted: VecDeque<Reply>,
    /// Asked first for every request; `Some` answers it instead of the model.
    pub hook: Option<Hook>,
    /// Holds answers back until a request to another path has arrived.
    pub hold: Option<Hold>,
}

/// Answers to requests on `answers_to` wait (at most [`HOLD_LIMIT`]) until a request on
/// `until_seen` has arrived: a test of two requests in flight at once. Each connection is
/// served on a thread of its own, so the awaited request is served meanwhile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub answers_to: &'static str,
    pub until_seen: &'static str,
    /// Set when an answer waited out the limit without the awaited request arriving.
    pub gave_up: bool,
}

/// The longest an answer is held: long enough for any scheduling, short enough that a client
/// that never sends the awaited request fails its test instead of hanging.
pub const HOLD_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The server's state and the signal that a request arrived (for [`Hold`]).
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    arrived: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The running server; stops when dropped.
pub struct TestServer {
    pub url: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    pub fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("address");
        let shared = Arc::new(Shared::default());
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (shared, stop) = (Arc::clone(&shared), Arc::clone(&stop));
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        let shared = Arc::clone(&shared);
                        std::thread::spawn(move || serve(stream, &shared));
                    }
                }
            })
        };
        TestServer {
            url: format!("http://{addr}"),
            addr,
            shared,
            stop,
            thread: Some(thread),
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    /// Adds an enrolment code for `user`.
    pub fn add_code(&self, code: &str, user: EnrolledUser) {
        self.state().model.codes.insert(code.into(), user);
    }

    /// Requests seen on `path`.
    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        self.state()
            .requests
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(stream: TcpStream, shared: &Shared) {
    let Some(request) = read_request(&stream) else {
        return;
    };
    let reply = {
        let mut guard = shared.lock();
        let state = &mut *guard;
        state.requests.push(request.clone());
        shared.arrived.notify_all();
        let hooked = state
            .hook
            .as_mut()
            .and_then(|hook| hook(&request, &mut state.model));
        let scripted = || match request.path.as_str() {
            AUDIT_PATH => None,
            _ => state.scripted.pop_front(),
        };
        match hooked.or_else(scripted) {
            Some(reply) => reply,
            None => state.model.answer(&request),
        }
    };
    hold_back(shared, &request.path);
    if reply.status == 0 {
        return; // Hang up: the stream closes unanswered.
    }
    let mut head = format!(
        "HTTP/1.1 {} Test\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\nx-beatbook-server-time: {}\r\n",
        reply.status,
        reply.body.len(),
        Utc::now().to_rfc3339()
    );
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = stream;
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(&reply.body))
        .and_then(|()| stream.flush());
}

/// Waits, if a [`Hold`] says so, until its awaited request has arrived or the limit passed.
fn hold_back(shared: &Shared, path: &str) {
    let awaited = |state: &State| {
        state
            .hold
            .as_ref()
            .filter(|hold| hold.answers_to == path)
            .map(|hold| hold.until_seen)
            .filter(|until| !state.requests.iter().any(|r| r.path == *until))
    };
    let guard = shared.lock();
    if awaited(&guard).is_none() {
        return;
    }
    let (mut guard, waited) = shared
        .arrived
        .wait_timeout_while(guard, HOLD_LIMIT, |state| awaited(state).is_some())
        .unwrap_or_else(|p| p.into_inner());
    if waited.timed_out() {
        if let Some(hold) = guard.hold.as_mut() {
            hold.gave_up = true;
        }
    }
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut wire = vec![0; length];
    reader.read_exact(&mut wire).ok()?;
    let body = if headers.get("content-encoding").map(String::as_str) == Some("gzip") {
        let mut body = Vec::new();
        GzDecoder::new(&wire[..]).read_to_end(&mut body).ok()?;
        body
    } else {
        wire.clone()
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Some(Request {
        method,
        path: path.to_owned(),
        query,
        headers,
        body,
        wire_len: length,
    })
}
