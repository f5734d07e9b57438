//! Opening connections to PostgreSQL, over TLS when the URL asks for it.
//!
//! The URL takes libpq's `sslmode` (`disable`, `prefer` by default, `require`, `verify-ca`,
//! `verify-full`) and `sslrootcert` (a PEM file of trusted authorities; without it, the
//! public authorities of Mozilla's list, built in). The README's "TLS to PostgreSQL" says
//! what each mode checks.
//!
//! tokio-postgres itself knows only `disable`, `prefer` and `require`; the two parameters
//! are taken off the URL here and turned into the TLS configuration it is handed.

use std::sync::Arc;

use diesel::ConnectionError;
use diesel_async::AsyncPgConnection;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore};
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

/// Everything needed to open a connection: the parsed URL and the TLS it asks for. Cheap to
/// clone.
#[derive(Clone)]
pub struct Connector {
    config: Arc<tokio_postgres::Config>,
    tls: MakeRustlsConnect,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("ssl_mode", &self.config.get_ssl_mode())
            .finish_non_exhaustive()
    }
}

impl Connector {
    /// Reads a `postgres://` URL. The error says what is wrong without repeating the URL,
    /// which may hold a password.
    pub fn from_url(url: &str) -> Result<Self, String> {
        let (url, mode, root_cert) = take_tls_parameters(url)?;
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|error| format!("invalid PostgreSQL URL: {error}"))?;
        let roots = match &root_cert {
            Some(path) => Some(read_roots(path)?),
            None => None,
        };
        let verify = match (mode, roots.is_some()) {
            (Mode::Disable | Mode::Prefer, _) | (Mode::Require, false) => Verify::Nothing,
            (Mode::Require | Mode::VerifyCa, _) => Verify::Chain,
            (Mode::VerifyFull, _) => Verify::ChainAndHost,
        };
        config.ssl_mode(match mode {
            Mode::Disable => SslMode::Disable,
            Mode::Prefer => SslMode::Prefer,
            Mode::Require | Mode::VerifyCa | Mode::VerifyFull => SslMode::Require,
        });
        let roots = roots.unwrap_or_else(|| {
            RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned())
        });

        Ok(Self {
            config: Arc::new(config),
            tls: MakeRustlsConnect::new(client_config(verify, roots)?),
        })
    }

    /// Opens a connection, with no instrumentation set.
    pub async fn connect(&self) -> Result<AsyncPgConnection, ConnectionError> {
        let (client, connection) = self
            .config
            .connect(self.tls.clone())
            .await
            .map_err(|error| ConnectionError::BadConnection(describe(&error)))?;
        AsyncPgConnection::try_from_client_and_connection(client, connection).await
    }
}

/// tokio-postgres says "error performing TLS handshake" and keeps the reason as the source.
fn describe(error: &tokio_postgres::Error) -> String {
    use std::error::Error as _;
    match error.source() {
        Some(source) => format!("{error}: {source}"),
        None => error.to_string(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verify {
    Nothing,
    Chain,
    ChainAndHost,
}

/// Splits `sslmode` and `sslrootcert` off the URL's query, returning the rest of the URL.
fn take_tls_parameters(url: &str) -> Result<(String, Mode, Option<String>), String> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut mode = Mode::Prefer;
    let mut root_cert = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => {
                mode = match value {
                    "disable" => Mode::Disable,
                    "prefer" => Mode::Prefer,
                    "require" => Mode::Require,
                    "verify-ca" => Mode::VerifyCa,
                    "verify-full" => Mode::VerifyFull,
                    other => {
                        return Err(format!(
                            "unsupported sslmode `{other}`: use disable, prefer, require, \
                             verify-ca or verify-full"
                        ));
                    }
                }
            }
            "sslrootcert" => root_cert = Some(percent_decode(value)?),
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, mode, root_cert))
}

/// Decodes the `%XX` escapes of a URL parameter.
fn percent_decode(value: &str) -> Result<String, String> {
    let invalid = || format!("invalid percent-encoding in `{value}`");
    let mut bytes = Vec::with_capacity(value.len());
    let mut rest = value.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = tail.get(..2).ok_or_else(invalid)?;
            let hex = std::str::from_utf8(hex).map_err(|_| invalid())?;
            bytes.push(u8::from_str_radix(hex, 16).map_err(|_| invalid())?);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(bytes).map_err(|_| invalid())
}

fn read_roots(path: &str) -> Result<RootCertStore, String> {
    let unreadable =
        |error: &dyn std::fmt::Display| format!("cannot read sslrootcert {path}: {error}");
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))? {
        let cert = cert.map_err(|e| unreadable(&e))?;
        roots.add(cert).map_err(|e| unreadable(&e))?;
    }
    if roots.is_empty() {
        return Err(unreadable(&"it holds no certificate"));
    }
    Ok(roots)
}

fn client_config(verify: Verify, roots: RootCertStore) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("cannot set up TLS: {error}"))?;
    let verifier: Arc<dyn ServerCertVerifier> = match verify {
        Verify::Nothing => Arc::new(AnyCertificate(provider.signature_verification_algorithms)),
        Verify::Chain | Verify::ChainAndHost => {
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|error| format!("cannot set up TLS: {error}"))?;
            if verify == Verify::Chain {
                Arc::new(AnyHost(webpki))
            } else {
                webpki
            }
        }
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// `prefer` and `require` without `sslrootcert`, as libpq has them: the traffic is
/// encrypted, but whoever answers is believed. The handshake's signatures are still checked,
/// so the session key belongs to the certificate presented.
#[derive(Debug)]
struct AnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, signature, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, signature, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted authority, whatever host it names.
#[derive(Debug)]
struct AnyHost(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyHost {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, signature)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, signature)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_parameters_come_off_the_url_and_the_rest_stays() {
        let (url, mode, root) = take_tls_parameters(
            "postgres://hub@db:5432/hub?sslmode=verify-full&application_name=hub\
             &sslrootcert=%2Fetc%2Fca%20bundle.pem",
        )
        .unwrap();

        assert_eq!(url, "postgres://hub@db:5432/hub?application_name=hub");
        assert_eq!(mode, Mode::VerifyFull);
        assert_eq!(root.as_deref(), Some("/etc/ca bundle.pem"));
    }

    #[test]
    fn the_default_is_prefer_as_in_libpq() {
        let (url, mode, root) = take_tls_parameters("postgres://hub@db/hub").unwrap();

        assert_eq!(url, "postgres://hub@db/hub");
        assert_eq!(mode, Mode::Prefer);
        assert_eq!(root, None);
    }

    #[test]
    fn unknown_modes_and_missing_files_are_refused_by_name() {
        let mode = Connector::from_url("postgres://db/hub?sslmode=allow").unwrap_err();
        let file = Connector::from_url("postgres://db/hub?sslmode=verify-ca&sslrootcert=nope")
            .unwrap_err();

        assert!(mode.contains("unsupported sslmode `allow`"), "{mode}");
        assert!(file.starts_with("cannot read sslrootcert nope"), "{file}");
    }
}
