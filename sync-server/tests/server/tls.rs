//! Built-in TLS, end to end against the real binary (`serve --tls-cert --tls-key`), with
//! certificates this test makes (rcgen; two CAs, so which certificate a handshake got is
//! plain): a client trusting the CA gets answers over TLS with ALPN `http/1.1`; after the
//! certificate files are replaced and the process gets SIGHUP, new connections get the new
//! certificate while a connection opened before keeps working; a reload from a bad key keeps
//! the certificate in use. And the device's sync client, given the force's private CA, enrols
//! and syncs over it, while one without the CA refuses the server.

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
    cert_pem: String,
    key_pem: String,
}

/// A CA of its own, and a `localhost` certificate it signed.
fn issue(ca_name: &str) -> Issued {
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, ca_name);
    let ca = ca_params.self_signed(&ca_key).expect("CA");
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .expect("params")
        .signed_by(&key, &ca, &ca_key)
        .expect("certificate");
    Issued {
        ca_der: ca.der().to_vec(),
        ca_pem: ca.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

fn install(issued: &Issued, dir: &Path) {
    std::fs::write(dir.join("cert.pem"), &issued.cert_pem).expect("write cert");
    std::fs::write(dir.join("key.pem"), &issued.key_pem).expect("write key");
}

type Tls = StreamOwned<ClientConnection, TcpStream>;

/// A TLS connection trusting only `ca`, handshake done; `Err` if the handshake fails.
fn connect(addr: &str, ca: &[u8]) -> Result<Tls, std::io::Error> {
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(ca.to_vec())).expect("root");
    let mut config =
        ClientConfig::builder_with_provider(Arc::new(rustls_openssl::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
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
fn tls_serves_http1_and_reloads_its_certificate_on_sighup_without_dropping_connections() {
    let dir = tempfile::tempdir().expect("dir");
    let (first, second) = (issue("First test CA"), issue("Second test CA"));
    install(&first, dir.path());
    let (server, addr) = start_tls(dir.path());

    let mut before = connect(&addr, &first.ca_der).expect("TLS with the first certificate");
    assert_eq!(before.conn.alpn_protocol(), Some(&b"http/1.1"[..]));
    assert_eq!(health(&mut before), "HTTP/1.1 200 OK");
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
    let out = Command::new(env!("CARGO_BIN_EXE_beatbook-server"))
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
