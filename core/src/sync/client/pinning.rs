//! Certificate pinning: a force can give a device, at enrolment, the SHA-256 of its sync
//! server's public key (the certificate's SubjectPublicKeyInfo, base64, as HPKP wrote pins),
//! one or more so that the next key can be pinned before it is rolled out. With pins set, a
//! server whose certificate carries none of the pinned keys is refused even when a trusted CA
//! signed it: a CA that was tricked, compromised or compelled into issuing a certificate for the
//! force's server name does not get the devices' tokens.
//!
//! Pinning is on top of the CA checks, never instead of them: [`PinnedVerifier`] asks the usual
//! verifier (the operating system's store, plus the force's private CA) first, then compares the
//! leaf certificate's key with the pins. The refusal travels up through rustls, hyper and
//! reqwest as an error source, and [`pin_mismatch_in`] finds it there, so that the app gets
//! [`super::SyncError::CertificatePinMismatch`] rather than a generic network error.

use base64::Engine;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, OtherError};
use rustls::{Error as TlsError, SignatureScheme};
use std::sync::Arc;

/// The SHA-256 of a certificate's SubjectPublicKeyInfo (DER).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpkiPin([u8; 32]);

impl std::fmt::Debug for SpkiPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SpkiPin({self})")
    }
}

impl std::fmt::Display for SpkiPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&base64::engine::general_purpose::STANDARD.encode(self.0))
    }
}

/// Why a pin could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("a pinned key is empty")]
    Empty,
    #[error("pinned key {0:?} is not base64")]
    NotBase64(String),
    #[error(
        "pinned key {pin:?} is {bytes} bytes once decoded; a SHA-256 is 32 \
         (base64 of `openssl dgst -sha256 -binary` over the DER public key)"
    )]
    WrongLength { pin: String, bytes: usize },
}

impl SpkiPin {
    /// Reads a pin: base64 (standard alphabet, padded or not) of 32 bytes. A `sha256/` prefix,
    /// as HPKP headers and some tools write it, is accepted.
    pub fn parse(text: &str) -> Result<SpkiPin, PinError> {
        let trimmed = text.trim();
        let bare = trimmed.strip_prefix("sha256/").unwrap_or(trimmed);
        if bare.is_empty() {
            return Err(PinError::Empty);
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(bare)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(bare))
            .map_err(|_| PinError::NotBase64(shorten(bare)))?;
        let digest: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| PinError::WrongLength {
                pin: shorten(bare),
                bytes: bytes.len(),
            })?;
        Ok(SpkiPin(digest))
    }

    /// The pin of a DER certificate's key. `None` if the certificate cannot be parsed.
    pub fn of_certificate(der: &[u8]) -> Option<SpkiPin> {
        let der = CertificateDer::from(der);
        let cert = webpki::EndEntityCert::try_from(&der).ok()?;
        Some(SpkiPin(openssl::sha::sha256(
            cert.subject_public_key_info().as_ref(),
        )))
    }
}

/// Parses every pin, in order; the first bad one is the error.
pub fn parse_pins(pins: &[String]) -> Result<Vec<SpkiPin>, PinError> {
    pins.iter().map(|p| SpkiPin::parse(p)).collect()
}

/// Pins are not secret, but a pasted mistake can be long: quote at most 60 characters.
fn shorten(text: &str) -> String {
    text.chars().take(60).collect()
}

/// The server's certificate key matched no pin. Carried inside rustls's error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the server's certificate key {presented} matches none of the pinned keys")]
pub struct PinMismatch {
    /// The pin of the key the server presented (what an operator compares with the pins).
    pub presented: String,
}

/// The usual certificate checks, then the pins.
#[derive(Debug)]
pub struct PinnedVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    pins: Vec<SpkiPin>,
}

impl PinnedVerifier {
    pub fn new(inner: Arc<dyn ServerCertVerifier>, pins: Vec<SpkiPin>) -> PinnedVerifier {
        PinnedVerifier { inner, pins }
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        let presented = SpkiPin::of_certificate(end_entity)
            .ok_or(TlsError::InvalidCertificate(CertificateError::BadEncoding))?;
        if self.pins.contains(&presented) {
            return Ok(verified);
        }
        Err(TlsError::InvalidCertificate(CertificateError::Other(
            OtherError(Arc::new(PinMismatch {
                presented: presented.to_string(),
            })),
        )))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn root_hint_subjects(&self) -> Option<&[DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}

/// The pin refusal somewhere in `error`'s chain of sources, if it is there. `std::io::Error`
/// hides the error it wraps from `source()`, so each one met is opened too.
pub fn pin_mismatch_in(error: &(dyn std::error::Error + 'static)) -> Option<PinMismatch> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = as_pin_mismatch(e) {
            return Some(found);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(found) = pin_mismatch_in(inner) {
                    return Some(found);
                }
            }
        }
        current = e.source();
    }
    None
}

fn as_pin_mismatch(e: &(dyn std::error::Error + 'static)) -> Option<PinMismatch> {
    if let Some(found) = e.downcast_ref::<PinMismatch>() {
        return Some(found.clone());
    }
    match e.downcast_ref::<TlsError>() {
        Some(TlsError::InvalidCertificate(CertificateError::Other(OtherError(other)))) => {
            other.downcast_ref::<PinMismatch>().cloned()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::pem::PemObject;

    const CERT_PEM: &[u8] = include_bytes!("tls_test_cert.pem");

    #[test]
    fn a_pin_is_base64_of_32_bytes_with_or_without_padding_or_prefix() {
        let padded = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
        let pin = SpkiPin::parse(padded).expect("padded");
        assert_eq!(pin.to_string(), padded);
        assert_eq!(SpkiPin::parse(padded.trim_end_matches('=')), Ok(pin));
        assert_eq!(SpkiPin::parse(&format!(" sha256/{padded} ")), Ok(pin));
        assert_eq!(SpkiPin::parse(""), Err(PinError::Empty));
        assert!(matches!(
            SpkiPin::parse("not base64!"),
            Err(PinError::NotBase64(_))
        ));
        assert_eq!(
            SpkiPin::parse("AAAA"),
            Err(PinError::WrongLength {
                pin: "AAAA".into(),
                bytes: 3
            })
        );
    }

    #[test]
    fn the_pin_of_a_certificate_is_the_sha256_of_its_subject_public_key_info() {
        // Worked out independently with the command docs/operations.md gives operators:
        // openssl x509 -in tls_test_cert.pem -pubkey -noout | openssl pkey -pubin -outform der
        //   | openssl dgst -sha256 -binary | base64
        let der = CertificateDer::from_pem_slice(CERT_PEM).expect("test certificate");
        let pin = SpkiPin::of_certificate(&der).expect("parsed");
        assert_eq!(pin.to_string(), include_str!("tls_test_cert.pin").trim());
        assert_eq!(SpkiPin::of_certificate(b"not a certificate"), None);
    }

    #[test]
    fn a_pin_mismatch_is_found_through_io_errors_and_rustls() {
        let mismatch = PinMismatch {
            presented: "abc".into(),
        };
        let tls = TlsError::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(
            mismatch.clone(),
        ))));
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
        assert_eq!(pin_mismatch_in(&io), Some(mismatch));
        let other = std::io::Error::new(std::io::ErrorKind::InvalidData, "something else");
        assert_eq!(pin_mismatch_in(&other), None);
    }
}
