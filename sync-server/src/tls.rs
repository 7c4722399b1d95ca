//! Built-in TLS (`serve --tls-cert FILE --tls-key FILE`): the server terminates TLS itself,
//! with rustls on the OpenSSL the store already links (`rustls-openssl`; TLS 1.3 and 1.2).
//!
//! The certificate is reloaded on SIGHUP without dropping a connection: each handshake asks
//! [`ReloadingCert`] for the certificate current at that moment, so connections already open
//! keep the session they negotiated, and new ones get the new certificate. A reload that fails
//! (a file missing, a key that does not match) keeps the certificate in use and logs why, so
//! a renewal script's mistake never takes the server off the air.
//!
//! ALPN offers `h2` and `http/1.1`: a client that offers HTTP/2 gets it, any other HTTP/1.1
//! (`connections.rs` serves the protocol ALPN chose).

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use tokio_rustls::TlsAcceptor;

/// Why the certificate or key could not be used. Messages name files, never key material.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{file}: {reason}")]
    File { file: PathBuf, reason: String },
    #[error("TLS configuration: {0}")]
    Config(String),
}

/// The certificate and key files, and the certificate served now.
#[derive(Debug)]
pub struct ServerTls {
    cert_file: PathBuf,
    key_file: PathBuf,
    current: Arc<ReloadingCert>,
    config: Arc<ServerConfig>,
}

impl ServerTls {
    /// Loads the PEM certificate chain (leaf first) and private key (PKCS#8, PKCS#1 or SEC1).
    pub fn load(cert_file: &Path, key_file: &Path) -> Result<Self, TlsError> {
        let certified = load_certified(cert_file, key_file)?;
        let current = Arc::new(ReloadingCert(RwLock::new(Arc::new(certified))));
        let provider = Arc::new(rustls_openssl::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(current.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Self {
            cert_file: cert_file.to_owned(),
            key_file: key_file.to_owned(),
            current,
            config: Arc::new(config),
        })
    }

    /// Reads the files again and serves the new certificate to new connections. On failure the
    /// certificate in use stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let certified = load_certified(&self.cert_file, &self.key_file)?;
        *self.current.0.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(certified);
        Ok(())
    }

    /// The acceptor connections are wrapped in.
    pub fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.config.clone())
    }
}

/// Hands every handshake the certificate current at that moment.
#[derive(Debug)]
struct ReloadingCert(RwLock<Arc<CertifiedKey>>);

impl ResolvesServerCert for ReloadingCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.read().unwrap_or_else(|p| p.into_inner()).clone())
    }
}

fn load_certified(cert_file: &Path, key_file: &Path) -> Result<CertifiedKey, TlsError> {
    let bad = |file: &Path, reason: String| TlsError::File {
        file: file.to_owned(),
        reason,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_file)
        .map_err(|e| bad(cert_file, e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad(cert_file, e.to_string()))?;
    if chain.is_empty() {
        return Err(bad(cert_file, "no PEM certificate in it".into()));
    }
    let key = PrivateKeyDer::from_pem_file(key_file)
        .map_err(|e| bad(key_file, format!("no usable PEM private key: {e}")))?;
    let provider = rustls_openssl::default_provider();
    let signing = provider
        .key_provider
        .load_private_key(key)
        .map_err(|e| bad(key_file, e.to_string()))?;
    let certified = CertifiedKey::new(chain, signing);
    certified
        .keys_match()
        .map_err(|e| bad(key_file, format!("does not match the certificate: {e}")))?;
    Ok(certified)
}

/// Reloads `tls` on every SIGHUP, until the task is dropped.
pub async fn reload_on_sighup(tls: Arc<ServerTls>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGHUP: the certificate will not be reloaded");
                return;
            }
        };
        while hangups.recv().await.is_some() {
            match tls.reload() {
                Ok(()) => tracing::info!("SIGHUP: TLS certificate reloaded"),
                Err(e) => {
                    tracing::error!(error = %e, "SIGHUP: TLS certificate not reloaded; still serving the previous one")
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tls;
        std::future::pending::<()>().await;
    }
}
