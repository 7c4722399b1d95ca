//! TLS to the database, chosen by the URL's `sslmode` as libpq chooses it, so that an operator's
//! usual connection string means what it means to `psql`:
//!
//! | `sslmode` | TLS | the server's certificate |
//! | --- | --- | --- |
//! | `disable` | never | — |
//! | `prefer` (the default) | if the server offers it | not checked |
//! | `require` | always; fails if the server has none | not checked (encryption only) |
//! | `verify-ca` | always | signed by `sslrootcert` |
//! | `verify-full` | always | signed by `sslrootcert`, and names the host connected to |
//!
//! The driver (tokio-postgres) knows only `disable`, `prefer` and `require` and no
//! `sslrootcert`, so this module takes `verify-*` and `sslrootcert` out of the URL, hands the
//! driver `sslmode=require` for them, and does the checks in the connector it builds. The
//! connector is `postgres-openssl`'s, on the OpenSSL the server already links for SQLCipher
//! and for its own TLS (rustls-openssl): no second crypto library.
//!
//! `sslrootcert` defaults, as in libpq, to `~/.postgresql/root.crt`; `verify-*` with neither is
//! refused at start, naming what is missing.

use crate::storage::{StorageError, StorageResult};
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use postgres_openssl::MakeTlsConnector;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// What the URL's `sslmode` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> StorageResult<Self> {
        Ok(match value {
            "disable" => Self::Disable,
            // libpq's `allow` tries without TLS first; the driver cannot, so it is `prefer`.
            "allow" | "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            other => {
                return Err(StorageError::Invalid(format!(
                    "sslmode={other:?} in the database URL; use disable, prefer, require, \
                     verify-ca or verify-full"
                )))
            }
        })
    }

    fn verifies(self) -> bool {
        matches!(self, Self::VerifyCa | Self::VerifyFull)
    }
}

/// A database URL split into what the driver parses and what the connector does.
#[derive(Debug)]
pub(super) struct DatabaseTls {
    pub config: postgres::Config,
    pub mode: SslMode,
    /// The CA certificates the server's certificate must chain to (`verify-*` only).
    pub root_cert: Option<PathBuf>,
}

impl DatabaseTls {
    /// Parses `url`, taking out `sslmode=verify-*` and `sslrootcert` for the connector.
    pub fn from_url(url: &str) -> StorageResult<Self> {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut mode = SslMode::Prefer;
        let mut root_cert = None;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("sslmode", value)) => mode = SslMode::parse(value)?,
                Some(("sslrootcert", value)) => root_cert = Some(PathBuf::from(decode(value)?)),
                _ => kept.push(pair),
            }
        }
        kept.push(match mode {
            SslMode::Disable => "sslmode=disable",
            SslMode::Prefer => "sslmode=prefer",
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => "sslmode=require",
        });
        let driver_url = format!("{base}?{}", kept.join("&"));
        let config = postgres::Config::from_str(&driver_url).map_err(|e| {
            StorageError::Invalid(format!("the database URL is not understood: {e}"))
        })?;
        if mode.verifies() && root_cert.is_none() {
            root_cert = default_root_cert().filter(|p| p.exists());
            if root_cert.is_none() {
                return Err(StorageError::Invalid(
                    "sslmode=verify-ca/verify-full needs the CA that signed the database's \
                     certificate: add sslrootcert=/path/to/ca.pem to the database URL (or put \
                     it in ~/.postgresql/root.crt)"
                        .into(),
                ));
            }
        }
        Ok(Self {
            config,
            mode,
            root_cert,
        })
    }

    /// The connector every pooled connection is made with.
    pub fn connector(&self) -> StorageResult<MakeTlsConnector> {
        let tls = |e: openssl::error::ErrorStack| {
            StorageError::Invalid(format!("TLS to the database could not be set up: {e}"))
        };
        let mut builder = SslConnector::builder(SslMethod::tls()).map_err(tls)?;
        match &self.root_cert {
            Some(path) if self.mode.verifies() => {
                load_ca(&mut builder, path)?;
                builder.set_verify(SslVerifyMode::PEER);
            }
            // prefer / require: encryption, no check of who answers (libpq's meaning).
            _ => builder.set_verify(SslVerifyMode::NONE),
        }
        let mut connector = MakeTlsConnector::new(builder.build());
        let check_host = self.mode == SslMode::VerifyFull;
        connector.set_callback(move |config, _domain| {
            config.set_verify_hostname(check_host);
            Ok(())
        });
        Ok(connector)
    }
}

fn load_ca(builder: &mut openssl::ssl::SslConnectorBuilder, path: &Path) -> StorageResult<()> {
    builder.set_ca_file(path).map_err(|e| {
        StorageError::Invalid(format!(
            "sslrootcert {}: not a readable PEM file of CA certificates ({e})",
            path.display()
        ))
    })
}

/// libpq's default `sslrootcert`.
fn default_root_cert() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".postgresql/root.crt"))
}

/// Percent-decodes a URL query value (paths in `sslrootcert` may be escaped).
fn decode(value: &str) -> StorageResult<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| StorageError::Invalid("a bad %-escape in sslrootcert".into()))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| StorageError::Invalid("sslrootcert is not UTF-8".into()))
}

/// Says what went wrong when the first connection's TLS failed, rather than "timed out
/// waiting for a connection" after the checkout timeout: a TLS refusal is a configuration
/// fault, not a busy database, and retrying will not mend it.
pub(super) fn explain_tls_failure(e: &postgres::Error, mode: SslMode) -> Option<StorageError> {
    let text = e.to_string();
    if !text.contains("TLS") && !text.contains("certificate") && !text.contains("SSL") {
        return None;
    }
    let hint = if text.contains("does not support TLS") {
        "the database server does not offer TLS: turn on ssl in its postgresql.conf, or lower \
         sslmode (only on a network the force's policy allows)"
    } else if mode.verifies() {
        "the database's certificate was not accepted: check sslrootcert is the CA that signed \
         it and (verify-full) that it names the host in the URL"
    } else {
        "check the database server's TLS set-up"
    };
    Some(StorageError::Invalid(format!(
        "TLS to the database failed (sslmode={}): {text}; {hint}",
        match mode {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    )))
}

#[cfg(test)]
mod tests {
    use super::super::testing::TestSchema;
    use super::super::{PoolOptions, PostgresStorage};
    use super::*;
    use crate::storage::SyncStorage;
    use postgres::config::SslMode as DriverMode;
    use std::time::Duration;

    #[test]
    fn sslmode_selects_what_the_connector_checks_and_what_the_driver_is_told() {
        let plain = DatabaseTls::from_url("postgres://app@db/force").expect("parses");
        assert_eq!(plain.mode, SslMode::Prefer);
        assert_eq!(plain.config.get_ssl_mode(), DriverMode::Prefer);

        let off = DatabaseTls::from_url("postgres://app@db/force?sslmode=disable").expect("ok");
        assert_eq!(off.config.get_ssl_mode(), DriverMode::Disable);

        let required =
            DatabaseTls::from_url("postgres://app@db/force?sslmode=require&application_name=bb")
                .expect("parses");
        assert_eq!(required.mode, SslMode::Require);
        assert_eq!(required.config.get_ssl_mode(), DriverMode::Require);
        assert_eq!(required.config.get_application_name(), Some("bb"));
        assert!(required.root_cert.is_none());
        required
            .connector()
            .expect("a connector that checks nothing");

        let dir = tempfile::tempdir().expect("dir");
        let ca = dir.path().join("ca dir").join("ca.pem");
        std::fs::create_dir_all(ca.parent().expect("parent")).expect("dir");
        let cert = rcgen::generate_simple_self_signed(vec!["db.internal".into()]).expect("cert");
        std::fs::write(&ca, cert.cert.pem()).expect("write ca");
        let escaped = ca.display().to_string().replace(' ', "%20");
        let full = DatabaseTls::from_url(&format!(
            "postgres://app@db.internal/force?sslrootcert={escaped}&sslmode=verify-full"
        ))
        .expect("parses");
        assert_eq!(full.mode, SslMode::VerifyFull);
        assert_eq!(
            full.config.get_ssl_mode(),
            DriverMode::Require,
            "TLS forced"
        );
        assert_eq!(full.root_cert.as_deref(), Some(ca.as_path()));
        full.connector()
            .expect("a connector that checks the CA and host");
    }

    #[test]
    fn bad_tls_settings_are_refused_by_name() {
        let unknown = DatabaseTls::from_url("postgres://app@db/force?sslmode=sometimes");
        assert!(
            matches!(&unknown, Err(StorageError::Invalid(m)) if m.contains("sometimes")),
            "{unknown:?}"
        );
        let missing_ca = DatabaseTls::from_url(
            "postgres://app@db/force?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
        )
        .expect("parses")
        .connector();
        assert!(
            matches!(&missing_ca, Err(StorageError::Invalid(m)) if m.contains("/nonexistent/ca.pem")),
            "{:?}",
            missing_ca.err()
        );
    }

    /// Whether the test server offers TLS, and the certificate it presents when that is a
    /// self-signed file this machine can read (Debian's default, `ssl-cert-snakeoil.pem`).
    fn server_tls(schema: &TestSchema) -> (bool, Option<(PathBuf, openssl::x509::X509)>) {
        let mut client = postgres::Client::connect(schema.url(), postgres::NoTls).expect("connect");
        let mut show = |what: &str| -> String {
            client
                .query_one(&format!("SHOW {what}"), &[])
                .expect("show")
                .get(0)
        };
        let offers = show("ssl") == "on";
        let cert_file = PathBuf::from(show("ssl_cert_file"));
        let self_signed = std::fs::read(&cert_file)
            .ok()
            .and_then(|pem| openssl::x509::X509::from_pem(&pem).ok())
            .filter(|cert| cert.issued(cert) == openssl::x509::X509VerifyResult::OK);
        (offers, self_signed.map(|cert| (cert_file, cert)))
    }

    fn encrypted(storage: &PostgresStorage) -> bool {
        storage
            .client()
            .expect("a pooled connection")
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .expect("pg_stat_ssl")
            .get(0)
    }

    fn patient() -> PoolOptions {
        PoolOptions {
            // Long, so that a refusal arriving as a checkout timeout would show as `Busy`.
            checkout_timeout: Duration::from_secs(60),
            max_connections: 2,
            ..PoolOptions::default()
        }
    }

    /// `sslmode=require` gives an encrypted session on a server with TLS, and on one without
    /// fails at once with a configuration error that says so (not a hang, not `Busy`).
    #[test]
    fn sslmode_require_encrypts_or_fails_at_once_saying_why() {
        let Some(schema) = TestSchema::create() else {
            return;
        };
        let (offers, _) = server_tls(&schema);
        let url = format!("{}&sslmode=require", schema.url());
        match PostgresStorage::open_with(&url, &patient()) {
            Ok(storage) if offers => {
                assert!(encrypted(&storage), "a connection without TLS");
                assert_eq!(storage.feed_head().expect("usable"), 0);
            }
            Err(StorageError::Invalid(m)) if !offers => {
                assert!(m.contains("does not offer TLS"), "{m}");
            }
            other => panic!("server offers TLS: {offers}; opened: {other:?}"),
        }
        // Without sslmode (prefer), the same server is reached either way.
        let plain = PostgresStorage::open_with(schema.url(), &patient()).expect("prefer");
        assert_eq!(encrypted(&plain), offers, "prefer uses TLS where offered");
    }

    /// `verify-full` refuses a server whose certificate a different CA signed, and — where the
    /// test server presents a self-signed certificate this machine can read — accepts it as the
    /// CA for the host name it names, and refuses it for an address it does not name, which
    /// `verify-ca` accepts.
    #[test]
    fn verify_full_checks_the_certificate_authority_and_the_host_name() {
        let Some(schema) = TestSchema::create() else {
            return;
        };
        let dir = tempfile::tempdir().expect("dir");
        let stranger = dir.path().join("stranger-ca.pem");
        let other = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("ca");
        std::fs::write(&stranger, other.cert.pem()).expect("write");
        let with = |base: &str, mode: &str, ca: &Path| {
            format!("{base}&sslmode={mode}&sslrootcert={}", ca.display())
        };
        let refused =
            PostgresStorage::open_with(&with(schema.url(), "verify-full", &stranger), &patient());
        assert!(
            matches!(&refused, Err(StorageError::Invalid(_))),
            "{refused:?}"
        );

        let (offers, own) = server_tls(&schema);
        let Some((cert_file, cert)) = own.filter(|_| offers) else {
            // No TLS, or a certificate this machine cannot read: the refusal above is the test.
            return;
        };
        let ca =
            PostgresStorage::open_with(&with(schema.url(), "verify-ca", &cert_file), &patient())
                .expect("verify-ca with the server's CA");
        assert!(encrypted(&ca));
        let names: Vec<String> = cert
            .subject_alt_names()
            .map(|names| {
                names
                    .iter()
                    .filter_map(|n| n.dnsname().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let names_ip = cert
            .subject_alt_names()
            .is_some_and(|names| names.iter().any(|n| n.ipaddress().is_some()));
        if schema.url().contains("@127.0.0.1:") && !names_ip {
            let by_address = PostgresStorage::open_with(
                &with(schema.url(), "verify-full", &cert_file),
                &patient(),
            );
            assert!(
                matches!(&by_address, Err(StorageError::Invalid(m)) if m.contains("certificate")),
                "{by_address:?}"
            );
            if names.iter().any(|n| n == "localhost") {
                let by_name = schema.url().replacen("@127.0.0.1:", "@localhost:", 1);
                let full = PostgresStorage::open_with(
                    &with(&by_name, "verify-full", &cert_file),
                    &patient(),
                )
                .expect("verify-full for the name the certificate gives");
                assert!(encrypted(&full));
            }
        }
    }
}
