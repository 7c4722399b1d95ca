//! TLS cryptography for the sync client: rustls on the OpenSSL that SQLCipher already links.
//!
//! Why: the store links OpenSSL for SQLCipher's page encryption. rustls's default provider,
//! aws-lc, would put a second crypto library (about as large as the first) into the mobile
//! library for nothing; `rustls-openssl` gives rustls its cryptography from the OpenSSL that is
//! there anyway (`scripts/size-mobile.sh` measures the difference; docs/performance.md).
//!
//! reqwest is built without a provider of its own (`rustls-no-provider`), so one must be
//! installed process-wide before any client is built, or reqwest panics. [`install_crypto_provider`]
//! does that once; the sync client calls it before building its HTTP client. An app that has
//! already installed another rustls provider keeps it: the first one installed wins.

use std::sync::Once;

/// Installs rustls's process-wide crypto provider (OpenSSL) if none is installed yet.
/// Idempotent and cheap after the first call. Any code in the process that builds a reqwest
/// client outside the sync client (tests, tools) calls this first.
pub fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Err means another provider was installed first (by the host app): it stays, and
        // reqwest uses it.
        let _already_installed = rustls_openssl::default_provider().install_default();
    });
}

#[cfg(test)]
mod tests {
    //! A real handshake, client and server in memory, on the OpenSSL provider only: the
    //! provider negotiates TLS 1.3 and 1.2 and verifies a certificate chain.
    use super::install_crypto_provider;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
    use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection};
    use std::sync::Arc;

    // A test CA and a "localhost" server certificate it signed (P-256, valid until 2126), made
    // once with `openssl req -x509` and `openssl x509 -req`; test material only.
    const CA_PEM: &[u8] = include_bytes!("tls_test_ca.pem");
    const CERT_PEM: &[u8] = include_bytes!("tls_test_cert.pem");
    const KEY_PEM: &[u8] = include_bytes!("tls_test_key.pem");

    fn handshake(version: &'static rustls::SupportedProtocolVersion) -> rustls::ProtocolVersion {
        let provider = Arc::new(rustls_openssl::default_provider());
        let cert = CertificateDer::from_pem_slice(CERT_PEM).expect("test certificate");
        let key = PrivateKeyDer::from_pem_slice(KEY_PEM).expect("test key");
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(CA_PEM).expect("test CA"))
            .expect("root");
        let client_config = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[version])
            .expect("client versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        let server_config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[version])
            .expect("server versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .expect("server certificate");
        let name = ServerName::try_from("localhost").expect("name");
        let mut client =
            ClientConnection::new(Arc::new(client_config), name).expect("client connection");
        let mut server = ServerConnection::new(Arc::new(server_config)).expect("server connection");
        let mut rounds = 0;
        while client.is_handshaking() || server.is_handshaking() {
            rounds += 1;
            assert!(rounds < 20, "handshake did not finish");
            let mut wire = Vec::new();
            while client.wants_write() {
                client.write_tls(&mut wire).expect("client write");
            }
            let mut reader = wire.as_slice();
            while !reader.is_empty() {
                server.read_tls(&mut reader).expect("server read");
            }
            server
                .process_new_packets()
                .expect("server accepts the client");
            let mut wire = Vec::new();
            while server.wants_write() {
                server.write_tls(&mut wire).expect("server write");
            }
            let mut reader = wire.as_slice();
            while !reader.is_empty() {
                client.read_tls(&mut reader).expect("client read");
            }
            client
                .process_new_packets()
                .expect("client accepts the server");
        }
        client.protocol_version().expect("negotiated")
    }

    #[test]
    fn openssl_provider_completes_tls13_and_tls12_handshakes() {
        assert_eq!(
            handshake(&rustls::version::TLS13),
            rustls::ProtocolVersion::TLSv1_3
        );
        assert_eq!(
            handshake(&rustls::version::TLS12),
            rustls::ProtocolVersion::TLSv1_2
        );
    }

    #[test]
    fn installing_twice_keeps_one_provider() {
        install_crypto_provider();
        install_crypto_provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    }
}
