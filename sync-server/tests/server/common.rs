//! A real server on 127.0.0.1 with a fictional team, and a plain HTTP client to talk to it.
//! Every response the helpers see is checked for the server-time header.

use beatbook_core::ids::{DeviceId, TeamId, UserId};
use beatbook_core::model::{Role, Team, User};
use beatbook_core::sync::protocol::{
    EnrolResponse, ErrorBody, FieldChange, Op, PullResponse, PushResponse, RecordKind,
    SERVER_TIME_HEADER,
};
use beatbook_core::sync::Hlc;
use beatbook_server::admin;
use beatbook_server::background::BackgroundServer;
use beatbook_server::storage::SyncStorage;
use reqwest::blocking::{Client, Response};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use tempfile::TempDir;
use uuid::Uuid;

/// Every test's HTTP client starts here. reqwest is built without a TLS crypto provider of its
/// own (`rustls-no-provider`, for the core's one crypto library) and panics on `build()` if none
/// is installed: installing it here, not in whichever test happens to run first, keeps each test
/// independent of the others and of their order.
pub fn http_client() -> reqwest::blocking::ClientBuilder {
    beatbook_core::sync::client::install_crypto_provider();
    Client::builder()
}

/// A server with one team ("Northvale NPT"): an officer, two PCSOs, a volunteer, a
/// supervisor; and a second team with one officer.
pub struct Harness {
    pub server: BackgroundServer,
    pub client: Client,
    pub team: Team,
    pub officer: User,
    pub pcso: User,
    pub pcso2: User,
    pub volunteer: User,
    pub supervisor: User,
    pub outsider: User,
    /// The server's data directory (the embedded store's file is in it).
    pub dir: TempDir,
}

/// An enrolled device.
#[derive(Debug, Clone)]
pub struct Device {
    pub id: DeviceId,
    pub user: UserId,
    pub token: String,
    counter: std::sync::Arc<AtomicU32>,
}

impl Device {
    /// A fresh clock stamp from this device (now, with a counter so stamps never tie).
    pub fn hlc(&self) -> Hlc {
        Hlc {
            wall_ms: now_ms(),
            counter: self.counter.fetch_add(1, Ordering::SeqCst),
            node: self.id,
        }
    }

    /// An op from this device setting `fields` (all with `base: None`).
    pub fn op(&self, kind: RecordKind, record_id: &str, fields: Value) -> Op {
        let fields = match fields {
            Value::Object(map) => map
                .into_iter()
                .map(|(k, value)| (k, FieldChange { value, base: None }))
                .collect(),
            _ => BTreeMap::new(),
        };
        Op {
            op_id: Uuid::now_v7(),
            kind,
            record_id: record_id.to_owned(),
            hlc: self.hlc(),
            author: self.user,
            device: self.id,
            fields,
            erase: None,
        }
    }
}

/// A temporary data directory only this user can reach (tempfile makes them 0755, and the
/// server refuses a store other users can read).
pub fn private_tempdir() -> TempDir {
    use std::os::unix::fs::PermissionsExt;
    tempfile::Builder::new()
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
        .expect("a private temporary directory")
}

pub fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).expect("clock after 1970")
}

pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339()
}

impl Harness {
    pub fn start() -> Self {
        Self::start_with(Default::default())
    }

    /// As [`Harness::start`], with these serve options.
    pub fn start_with(options: beatbook_server::serve::ServeOptions) -> Self {
        let dir = private_tempdir();
        let server =
            BackgroundServer::start(dir.path(), &store_key(), options).expect("server starts");
        let storage: &dyn SyncStorage = server.storage().as_ref();
        let team = admin::create_team(storage, "Northvale NPT", None).expect("team");
        let other = admin::create_team(storage, "Southmere NPT", None).expect("team");
        let user = |name: &str, role: Role, team: TeamId| {
            admin::create_user(storage, name, role, team).expect("user")
        };
        let harness = Self {
            officer: user("PC Test Officer", Role::Officer, team.id),
            pcso: user("PCSO Test One", Role::Pcso, team.id),
            pcso2: user("PCSO Test Two", Role::Pcso, team.id),
            volunteer: user("Volunteer Test", Role::Volunteer, team.id),
            supervisor: user("Sergeant Test", Role::Supervisor, team.id),
            outsider: user("PC Elsewhere", Role::Officer, other.id),
            team,
            client: http_client().build().expect("client"),
            server,
            dir,
        };
        harness.wait_healthy();
        harness
    }

    pub fn storage(&self) -> &dyn SyncStorage {
        self.server.storage().as_ref()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    /// Polls /healthz until it answers (bounded).
    pub fn wait_healthy(&self) {
        for _ in 0..200 {
            if let Ok(r) = self.client.get(self.url("/healthz")).send() {
                if r.status() == StatusCode::OK {
                    return;
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("the server never became healthy");
    }

    pub fn code_for(&self, user: &User) -> String {
        admin::enrol_code(self.storage(), user.id, 24)
            .expect("code")
            .code
    }

    /// Enrols a new device for `user`.
    pub fn enrol(&self, user: &User) -> Device {
        let code = self.code_for(user);
        let (status, text) = self.post_json(
            "/v1/enrol",
            None,
            &json!({"code": code, "device_name": "Test phone"}),
        );
        assert_eq!(status, StatusCode::OK, "{text}");
        let enrolled: EnrolResponse = serde_json::from_str(&text).expect("EnrolResponse");
        Device {
            id: enrolled.device_id,
            user: enrolled.user.id,
            token: enrolled.token,
            counter: Default::default(),
        }
    }

    /// POSTs JSON; returns the status and body text.
    pub fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> (StatusCode, String) {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read(request.send().expect("request sent"))
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, String) {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read(request.send().expect("request sent"))
    }

    pub fn push_raw(&self, device: &Device, ops: &[Op]) -> (StatusCode, String) {
        self.post_json(
            "/v1/sync/push",
            Some(&device.token),
            &json!({"protocol": 1, "ops": ops}),
        )
    }

    pub fn push(&self, device: &Device, ops: &[Op]) -> PushResponse {
        let (status, text) = self.push_raw(device, ops);
        assert_eq!(status, StatusCode::OK, "{text}");
        serde_json::from_str(&text).expect("PushResponse")
    }

    pub fn pull_raw(&self, device: &Device, cursor: u64, limit: u32) -> (StatusCode, String) {
        self.get(
            &format!("/v1/sync/pull?cursor={cursor}&limit={limit}"),
            Some(&device.token),
        )
    }

    pub fn pull(&self, device: &Device, cursor: u64, limit: u32) -> PullResponse {
        let (status, text) = self.pull_raw(device, cursor, limit);
        assert_eq!(status, StatusCode::OK, "{text}");
        serde_json::from_str(&text).expect("PullResponse")
    }

    /// Every page from cursor 0: the raw bodies and the changes.
    pub fn pull_all(
        &self,
        device: &Device,
    ) -> (String, Vec<beatbook_core::sync::protocol::Change>) {
        let (mut cursor, mut raw, mut changes) = (0, String::new(), Vec::new());
        for _ in 0..1000 {
            let (status, text) = self.pull_raw(device, cursor, 100);
            assert_eq!(status, StatusCode::OK, "{text}");
            let page: PullResponse = serde_json::from_str(&text).expect("PullResponse");
            raw.push_str(&text);
            changes.extend(page.changes);
            cursor = page.next_cursor;
            if !page.has_more {
                return (raw, changes);
            }
        }
        panic!("pull never finished");
    }
}

/// Status and body; asserts the server-time header every answer must carry.
pub fn read(response: Response) -> (StatusCode, String) {
    let status = response.status();
    let time = response
        .headers()
        .get(SERVER_TIME_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = response.text().expect("body");
    let time = time.unwrap_or_else(|| panic!("no {SERVER_TIME_HEADER} on a {status} answer"));
    assert!(
        chrono::DateTime::parse_from_rfc3339(&time).is_ok(),
        "server time is not RFC 3339: {time}"
    );
    (status, text)
}

/// The `code` of an error answer.
pub fn error_code(text: &str) -> String {
    let body: ErrorBody = serde_json::from_str(text).expect("ErrorBody");
    body.code.to_string()
}

/// A whole patrol's fields.
pub fn patrol(id: &str, recorded_by: UserId, participants: &[UserId], kind: &str) -> Value {
    json!({
        "id": id, "kind": kind, "area": {"kind": "lap", "id": "LAP-NV"},
        "purpose": "Reassurance after garage break-ins", "operation_name": null,
        "recorded_by": recorded_by, "participants": participants,
        "started_at": now_text(), "ended_at": null, "observations": null, "assessment": null,
        "created_at": now_text(), "updated_at": now_text()
    })
}

/// A whole note's fields.
pub fn note(id: &str, author: UserId, text: &str) -> Value {
    json!({
        "id": id, "observed_at": now_text(), "text": text, "category": "observation",
        "place": null, "lsoa_code": null, "patrol_id": null, "problem_id": null,
        "author": author, "created_at": now_text()
    })
}

/// A whole contact's fields (as devices send them: without the derived flags).
pub fn contact(id: &str, recorded_by: UserId) -> Value {
    json!({
        "id": id, "occurred_at": now_text(), "place": {"lat": 52.44, "lon": -1.53},
        "lsoa_code": null, "lap_code": null, "method": "door_knock", "audience": "resident",
        "people_count": 1, "issues": ["anti-social-behaviour"], "issues_text": "Noise at night",
        "promised": null, "follow_up_id": null, "consent_to_recontact": true,
        "repeat_caller": false, "vulnerable": false, "repeat_location": false,
        "problem_id": null, "patrol_id": null, "recorded_by": recorded_by,
        "redacted_at": null, "created_at": now_text(), "updated_at": now_text()
    })
}

pub fn new_id() -> String {
    Uuid::now_v7().to_string()
}

/// The status of each result, as "accepted" / "duplicate" / the reject code.
pub fn statuses(response: &PushResponse) -> Vec<String> {
    use beatbook_core::sync::protocol::OpStatus;
    response
        .results
        .iter()
        .map(|r| match &r.status {
            OpStatus::Accepted => "accepted".to_owned(),
            OpStatus::Duplicate => "duplicate".to_owned(),
            OpStatus::Rejected { code, .. } => code.to_string(),
        })
        .collect()
}

/// A child process (the server binary, chromedriver) killed and reaped when the test ends,
/// however it ends.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The key every test server's embedded store is encrypted with (in production it comes from
/// `--store-key-file`; `storage::sqlite::key`).
pub fn store_key() -> beatbook_core::StoreKey {
    beatbook_core::StoreKey::from_bytes([0x42; 32])
}

/// The `beatbook-server` binary with [`store_key`] in its environment (`BEATBOOK_STORE_KEY`):
/// every server and admin command a test spawns starts here.
pub fn server_command() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_beatbook-server"));
    command.env(
        beatbook_server::storage::sqlite::key::KEY_ENV,
        store_key().to_hex(),
    );
    command
}

/// `beatbook-server serve` on a free loopback port with no metrics listener (tests run side by
/// side; the default metrics port would clash), stdout piped for its "listening on" line and
/// stderr discarded. Add the store (and any other flags), then spawn.
pub fn serve_binary() -> std::process::Command {
    let mut command = server_command();
    command
        .args([
            "serve",
            "--metrics-listen",
            "none",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    command
}
