//! Built-in TLS, end to end against the real binary (`serve --tls-cert --tls-key`), with
//! certificates this test makes (rcgen; two CAs, so which certificate a handshake got is
//! plain): ALPN gives HTTP/2 to a client that offers `h2` (which pushes and pulls over it) and
//! HTTP/1.1 to one that offers only `http/1.1`; after the certificate files are replaced and the
//! process gets SIGHUP, new connections get the new certificate while a connection opened
//! before keeps working; a reload from a bad key keeps the certificate in use. And the device's
//! sync client, given the force's private CA, enrols and syncs over it, while one without the
//! CA refuses the server; given pins at enrolment, it keeps them for every later sync, accepts
//! the pinned key and the next one, and refuses another key from the same CA with a typed
//! error.

use crate::common::KillOnDrop;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the server may take to act on a signal before the test fails.
const BOUND: Duration = Duration::from_secs(20);

struct Issued {
    ca_der: Vec<u8>,
    ca_pem: String,
    cert_der: Vec<u8>,
    cert_pem: String,
    key_pem: String,
    /// The pin of the certificate's key: base64 SHA-256 of its SubjectPublicKeyInfo,
    /// computed here from the key rcgen made (not by the code under test).
    pin: String,
}

/// A certificate authority that can issue several `localhost` certificates.
struct TestCa {
    key: rcgen::KeyPair,
    cert: rcgen::Certificate,
}

impl TestCa {
    fn new(name: &str) -> TestCa {
        let key = rcgen::KeyPair::generate().expect("CA key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let cert = params.self_signed(&key).expect("CA");
        TestCa { key, cert }
    }

    /// A `localhost` certificate with a key of its own.
    fn issue(&self) -> Issued {
        use base64::Engine;
        use sha2::Digest;
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .expect("params")
            .signed_by(&key, &self.cert, &self.key)
            .expect("certificate");
        let pin = base64::engine::general_purpose::STANDARD
            .encode(sha2::Sha256::digest(key.public_key_der()));
        Issued {
            ca_der: self.cert.der().to_vec(),
            ca_pem: self.cert.pem(),
            cert_der: cert.der().to_vec(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            pin,
        }
    }
}

/// A CA of its own, and a `localhost` certificate it signed.
fn issue(ca_name: &str) -> Issued {
    TestCa::new(ca_name).issue()
}

fn install(issued: &Issued, dir: &Path) {
    std::fs::write(dir.join("cert.pem"), &issued.cert_pem).expect("write cert");
    std::fs::write(dir.join("key.pem"), &issued.key_pem).expect("write key");
}

type Tls = StreamOwned<ClientConnection, TcpStream>;

/// A TLS connection trusting only `ca` and offering HTTP/1.1 (what `health` speaks),
/// handshake done; `Err` if the handshake fails.
fn connect(addr: &str, ca: &[u8]) -> Result<Tls, std::io::Error> {
    connect_offering(addr, ca, &[b"http/1.1"])
}

/// As [`connect`], offering these ALPN protocols.
fn connect_offering(addr: &str, ca: &[u8], alpn: &[&[u8]]) -> Result<Tls, std::io::Error> {
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(ca.to_vec())).expect("root");
    let mut config =
        ClientConfig::builder_with_provider(Arc::new(rustls_openssl::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let name = ServerName::try_from("localhost").expect("name");
    let conn = ClientConnection::new(Arc::new(config), name).expect("client");
    let tcp = TcpStream::connect(addr)?;
    tcp.set_read_timeout(Some(BOUND))?;
    let mut tls = StreamOwned::new(conn, tcp);
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock)?;
    }
    Ok(tls)
}

/// `GET /healthz` on an open connection (kept alive); returns the status line.
fn health(tls: &mut Tls) -> String {
    write!(
        tls,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: identity\r\n\r\n"
    )
    .expect("send");
    let mut reader = BufReader::new(tls);
    let mut status = String::new();
    reader.read_line(&mut status).expect("status line");
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("header");
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().expect("length");
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    assert!(String::from_utf8_lossy(&body).contains("ok"));
    status.trim().to_owned()
}

fn hang_up(child: &Child) {
    let status = Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .expect("kill -HUP");
    assert!(status.success());
}

/// Waits (polling a condition) until new connections get the certificate `expected`.
fn wait_for_leaf(addr: &str, expected: &Issued) {
    let deadline = Instant::now() + BOUND;
    loop {
        if let Ok(tls) = connect(addr, &expected.ca_der) {
            let leaf = tls.conn.peer_certificates().and_then(|chain| chain.first());
            if leaf.is_some_and(|leaf| leaf.as_ref() == expected.cert_der.as_slice()) {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the new certificate was never served"
        );
        // Poll interval while waiting for the condition above.
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits (polling a condition) until a connection trusting `ca` completes its handshake.
fn wait_for_certificate(addr: &str, ca: &[u8]) -> Tls {
    let deadline = Instant::now() + BOUND;
    loop {
        if let Ok(tls) = connect(addr, ca) {
            return tls;
        }
        assert!(
            Instant::now() < deadline,
            "the new certificate was never served"
        );
        // Poll interval while waiting for the condition above.
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts the real binary on a free port with the certificate in `dir`; returns it and its
/// `host:port`.
fn start_tls(dir: &Path) -> (KillOnDrop, String) {
    let mut child = crate::common::serve_binary()
        .arg("--database")
        .arg(dir.join("data"))
        .arg("--tls-cert")
        .arg(dir.join("cert.pem"))
        .arg("--tls-key")
        .arg(dir.join("key.pem"))
        .env("BEATBOOK_LOG_LEVEL", "warn")
        .stderr(std::fs::File::create(dir.join("server.log")).expect("log file"))
        .spawn()
        .expect("start the server");
    let stdout = child.stdout.take().expect("stdout");
    let server = KillOnDrop(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the listening line");
    let addr = line
        .trim()
        .strip_prefix("beatbook-server listening on https://")
        .unwrap_or_else(|| panic!("not an https listening line: {line}"))
        .to_owned();
    (server, addr)
}

#[test]
fn tls_negotiates_h2_or_http1_by_alpn_and_reloads_its_certificate_on_sighup_without_dropping_connections(
) {
    let dir = tempfile::tempdir().expect("dir");
    let (first, second) = (issue("First test CA"), issue("Second test CA"));
    install(&first, dir.path());
    let (server, addr) = start_tls(dir.path());

    let offering_h2 =
        connect_offering(&addr, &first.ca_der, &[b"h2", b"http/1.1"]).expect("TLS offering h2");
    assert_eq!(offering_h2.conn.alpn_protocol(), Some(&b"h2"[..]));
    // A client that offers only HTTP/1.1 gets it.
    let mut before = connect(&addr, &first.ca_der).expect("TLS with the first certificate");
    assert_eq!(before.conn.alpn_protocol(), Some(&b"http/1.1"[..]));
    assert_eq!(health(&mut before), "HTTP/1.1 200 OK");
    // And one that offers no ALPN at all is served HTTP/1.1 too.
    let mut no_alpn = connect_offering(&addr, &first.ca_der, &[]).expect("TLS without ALPN");
    assert_eq!(no_alpn.conn.alpn_protocol(), None);
    assert_eq!(health(&mut no_alpn), "HTTP/1.1 200 OK");
    assert!(
        connect(&addr, &second.ca_der).is_err(),
        "a client trusting only the second CA must not accept the first certificate"
    );

    install(&second, dir.path());
    hang_up(&server.0);
    let mut after = wait_for_certificate(&addr, &second.ca_der);
    assert_eq!(health(&mut after), "HTTP/1.1 200 OK");
    assert_eq!(
        health(&mut before),
        "HTTP/1.1 200 OK",
        "a connection opened before the reload keeps working"
    );
    assert!(
        connect(&addr, &first.ca_der).is_err(),
        "new connections get the new certificate only"
    );

    // A broken renewal: the key no longer matches. The certificate in use stays.
    std::fs::write(dir.path().join("key.pem"), &first.key_pem).expect("write");
    hang_up(&server.0);
    let deadline = Instant::now() + BOUND;
    while !std::fs::read_to_string(dir.path().join("server.log"))
        .expect("log")
        .contains("TLS certificate not reloaded")
    {
        assert!(
            Instant::now() < deadline,
            "the failed reload was not logged"
        );
        // Poll interval while waiting for the condition above.
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut still = connect(&addr, &second.ca_der).expect("still the second certificate");
    assert_eq!(health(&mut still), "HTTP/1.1 200 OK");
    assert_eq!(health(&mut after), "HTTP/1.1 200 OK");
}

fn admin(dir: &Path, args: &[&str]) -> String {
    let out = crate::common::server_command()
        .arg("admin")
        .arg("--database")
        .arg(dir.join("data"))
        .args(args)
        .output()
        .expect("admin");
    assert!(
        out.status.success(),
        "admin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn a_device_given_the_forces_private_ca_enrols_and_syncs_over_tls_and_one_without_it_refuses() {
    use beatbook_core::sync::client::{CancelFlag, NoProgress, SyncClient, SyncError, SyncOptions};
    use beatbook_core::{Store, StoreKey};
    let dir = tempfile::tempdir().expect("dir");
    let issued = issue("Force test CA");
    install(&issued, dir.path());
    let (_server, addr) = start_tls(dir.path());
    let port = addr.rsplit(':').next().expect("port");
    let url = format!("https://localhost:{port}");
    let team = admin(dir.path(), &["create-team", "--name", "Northvale NPT"]);
    let user = admin(
        dir.path(),
        &[
            "create-user",
            "--name",
            "Avery",
            "--role",
            "pcso",
            "--team",
            &team,
        ],
    );
    let code = admin(dir.path(), &["enrol-code", "--user", &user]);

    let store =
        Store::open(dir.path().join("device.db"), &StoreKey::from_bytes([5; 32])).expect("store");
    let untrusting = SyncClient::new(
        &url,
        SyncOptions {
            max_retries: 0,
            ..SyncOptions::default()
        },
    )
    .expect("client");
    let refused = untrusting
        .enrol(&store, &code, "test phone")
        .expect_err("a server certificate from an unknown CA is refused");
    assert!(matches!(refused, SyncError::Network(_)), "{refused}");
    let client = SyncClient::new(
        &url,
        SyncOptions {
            private_ca_pem: Some(issued.ca_pem.clone()),
            ..SyncOptions::default()
        },
    )
    .expect("client");
    client
        .enrol(&store, &code, "test phone")
        .expect("enrol over TLS");
    let report = client
        .sync(&store, &NoProgress, &CancelFlag::new())
        .expect("sync over TLS");
    assert!(
        report.pulled > 0,
        "the team's reference records came over TLS"
    );
    assert!(
        SyncClient::new("http://192.0.2.1:8686", SyncOptions::default()).is_err(),
        "plain http to another host is refused"
    );
    assert!(
        SyncClient::new(
            "http://192.0.2.1:8686",
            SyncOptions {
                allow_plain_http: true,
                ..SyncOptions::default()
            }
        )
        .is_ok(),
        "unless explicitly allowed"
    );
}

/// A team and a PCSO in the served store; returns an enrolment code for her each call.
struct Force<'a> {
    dir: &'a Path,
    user: String,
}

impl<'a> Force<'a> {
    fn new(dir: &'a Path) -> Force<'a> {
        let team = admin(dir, &["create-team", "--name", "Northvale NPT"]);
        let user = admin(
            dir,
            &[
                "create-user",
                "--name",
                "Avery",
                "--role",
                "pcso",
                "--team",
                &team,
            ],
        );
        Force { dir, user }
    }

    fn code(&self) -> String {
        admin(self.dir, &["enrol-code", "--user", &self.user])
    }
}

#[test]
fn a_client_offering_h2_enrols_pushes_and_pulls_over_http2() {
    use beatbook_core::sync::protocol::{EnrolResponse, PullResponse, PushResponse, RecordKind};
    use beatbook_core::sync::protocol::{FieldChange, Op, OpStatus};
    use beatbook_core::sync::Hlc;
    let dir = tempfile::tempdir().expect("dir");
    let issued = issue("HTTP/2 test CA");
    install(&issued, dir.path());
    let (_server, addr) = start_tls(dir.path());
    let port = addr.rsplit(':').next().expect("port");
    let base = format!("https://localhost:{port}");
    let force = Force::new(dir.path());
    let client = crate::common::http_client()
        .tls_certs_only([reqwest::Certificate::from_pem(issued.ca_pem.as_bytes()).expect("CA")])
        .http2_prior_knowledge()
        .build()
        .expect("an HTTP/2 client");
    let send = |request: reqwest::blocking::RequestBuilder| {
        let response = request.send().expect("sent over TLS");
        assert_eq!(response.version(), reqwest::Version::HTTP_2);
        let (status, text) = crate::common::read(response);
        assert_eq!(status, reqwest::StatusCode::OK, "{text}");
        text
    };

    let enrolled: EnrolResponse = serde_json::from_str(&send(
        client
            .post(format!("{base}/v1/enrol"))
            .json(&serde_json::json!({"code": force.code(), "device_name": "h2 phone"})),
    ))
    .expect("EnrolResponse");
    let id = crate::common::new_id();
    let fields = crate::common::note(&id, enrolled.user.id, "Pushed over HTTP/2");
    let op = Op {
        op_id: uuid::Uuid::now_v7(),
        kind: RecordKind::Note,
        record_id: id.clone(),
        hlc: Hlc {
            wall_ms: crate::common::now_ms(),
            counter: 0,
            node: enrolled.device_id,
        },
        author: enrolled.user.id,
        device: enrolled.device_id,
        fields: fields
            .as_object()
            .expect("fields")
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    FieldChange {
                        value: v.clone(),
                        base: None,
                    },
                )
            })
            .collect(),
        erase: None,
    };
    let pushed: PushResponse = serde_json::from_str(&send(
        client
            .post(format!("{base}/v1/sync/push"))
            .bearer_auth(&enrolled.token)
            .json(&serde_json::json!({"protocol": 1, "ops": [op]})),
    ))
    .expect("PushResponse");
    assert!(matches!(pushed.results[0].status, OpStatus::Accepted));
    let pulled: PullResponse = serde_json::from_str(&send(
        client
            .get(format!("{base}/v1/sync/pull?cursor=0&limit=1000"))
            .bearer_auth(&enrolled.token),
    ))
    .expect("PullResponse");
    assert!(
        pulled.changes.iter().any(|c| c.record_id == id),
        "the note pushed over HTTP/2 comes back over HTTP/2"
    );
}

#[test]
fn keys_pinned_at_enrolment_are_kept_and_refuse_another_key_from_the_same_ca() {
    use beatbook_core::sync::client::{CancelFlag, NoProgress, SyncClient, SyncError, SyncOptions};
    use beatbook_core::{Store, StoreKey};
    let dir = tempfile::tempdir().expect("dir");
    let ca = TestCa::new("Force test CA");
    let (current, next, stray) = (ca.issue(), ca.issue(), ca.issue());
    install(&current, dir.path());
    let (server, addr) = start_tls(dir.path());
    let port = addr.rsplit(':').next().expect("port");
    let url = format!("https://localhost:{port}");
    let force = Force::new(dir.path());
    let with_ca = || SyncOptions {
        private_ca_pem: Some(current.ca_pem.clone()),
        max_retries: 0,
        ..SyncOptions::default()
    };
    let store = |name: &str| {
        Store::open(dir.path().join(name), &StoreKey::from_bytes([7; 32])).expect("store")
    };
    let sync = |store: &Store, options: SyncOptions| {
        SyncClient::new(&url, options)
            .expect("client")
            .sync(store, &NoProgress, &CancelFlag::new())
    };

    // A pin of a key the server does not have refuses the enrolment itself, typed.
    let wrong = SyncClient::new(
        &url,
        SyncOptions {
            pinned_server_keys: vec![stray.pin.clone()],
            ..with_ca()
        },
    )
    .expect("client");
    let refused = wrong
        .enrol(&store("refused.db"), &force.code(), "phone")
        .expect_err("pin mismatch");
    match refused {
        SyncError::CertificatePinMismatch { presented } => assert_eq!(presented, current.pin),
        other => panic!("not a pin mismatch: {other}"),
    }

    // Pinned (the key in use and the next one) with the force's CA, at enrolment.
    let pinned = store("pinned.db");
    SyncClient::new(
        &url,
        SyncOptions {
            pinned_server_keys: vec![current.pin.clone(), next.pin.clone()],
            ..with_ca()
        },
    )
    .expect("client")
    .enrol(&pinned, &force.code(), "pinned phone")
    .expect("the pinned key is accepted");
    let trust = pinned.enrolment().expect("read").expect("enrolled").trust;
    assert_eq!(
        trust.pinned_server_keys,
        [current.pin.clone(), next.pin.clone()]
    );
    assert_eq!(
        trust.private_ca_pem.as_deref(),
        Some(current.ca_pem.as_str())
    );
    // Later syncs are built with no TLS options at all: the enrolment's are used.
    sync(&pinned, SyncOptions::default()).expect("pinned key, stored CA");
    // Nothing pinned: the CA rules alone, as before.
    let unpinned = store("unpinned.db");
    SyncClient::new(&url, with_ca())
        .expect("client")
        .enrol(&unpinned, &force.code(), "unpinned phone")
        .expect("enrol unpinned");
    assert!(unpinned
        .enrolment()
        .expect("read")
        .expect("enrolled")
        .trust
        .pinned_server_keys
        .is_empty());

    // The force rolls to its next key, pinned in advance.
    install(&next, dir.path());
    hang_up(&server.0);
    wait_for_leaf(&addr, &next);
    sync(&pinned, SyncOptions::default()).expect("the next key was pinned");
    sync(&unpinned, SyncOptions::default()).expect("the CA signed it");

    // A certificate from the same trusted CA with a key nobody pinned.
    install(&stray, dir.path());
    hang_up(&server.0);
    wait_for_leaf(&addr, &stray);
    let refused = sync(&pinned, SyncOptions::default()).expect_err("an unpinned key");
    match &refused {
        SyncError::CertificatePinMismatch { presented } => assert_eq!(presented, &stray.pin),
        other => panic!("not a pin mismatch: {other}"),
    }
    // A later client's own pins cannot replace the enrolment's.
    let overridden = sync(
        &pinned,
        SyncOptions {
            pinned_server_keys: vec![stray.pin.clone()],
            ..SyncOptions::default()
        },
    )
    .expect_err("the enrolment's pins stay");
    assert!(
        matches!(overridden, SyncError::CertificatePinMismatch { .. }),
        "{overridden}"
    );
    assert!(pinned
        .sync_status()
        .expect("status")
        .last_error
        .is_some_and(|e| e.contains(&stray.pin)));
    // The unpinned device follows the CA rules: the stray certificate is signed by its CA.
    sync(&unpinned, SyncOptions::default()).expect("nothing pinned: CA rules");
}
