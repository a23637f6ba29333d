//! A certificate authority of the tests' own, standing in for a public one: https fixture servers
//! get certificates from it, and syncshell is pointed at it with `SSL_CERT_FILE`, as a user
//! with a private CA would.

use std::path::Path;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A test CA.
pub struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    /// Its certificate (DER).
    pub der: CertificateDer<'static>,
    /// Its certificate (PEM).
    pub pem: String,
}

impl TestCa {
    /// A new CA called `name`.
    pub fn new(name: &str) -> Self {
        let key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).expect("CA certificate");
        Self {
            der: cert.der().clone(),
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// Writes its certificate (PEM) to `path`, for `SSL_CERT_FILE`.
    pub fn write_pem(&self, path: &Path) {
        std::fs::write(path, &self.pem).expect("write the test CA");
    }

    /// A TLS server configuration for 127.0.0.1 (HTTP/1.1) and the certificate it presents.
    pub fn server_config(&self) -> (Arc<rustls::ServerConfig>, CertificateDer<'static>) {
        let key = KeyPair::generate().expect("server key");
        let params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("server params");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("server certificate")
            .der()
            .clone();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .expect("server config");
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        (Arc::new(config), cert)
    }
}

/// What a client going through an HTTP proxy's `CONNECT` to `authority` got: the certificate the
/// other end presented (checked against `roots` only), and the answer to `GET path`.
pub struct Through {
    /// The end-entity certificate presented.
    pub certificate: CertificateDer<'static>,
    /// The status line and headers, then the body, as received.
    pub response: String,
}

/// Connects through the proxy at `proxy` (`host:port`) to `authority`, does TLS trusting only
/// `roots`, and sends `GET path`. Errors say where it failed.
pub fn get_through(
    proxy: &str,
    authority: &str,
    path: &str,
    roots: &[CertificateDer<'static>],
) -> Result<Through, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let proxy = proxy.to_owned();
    let (authority, path) = (authority.to_owned(), path.to_owned());
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store.add(root.clone()).map_err(|e| e.to_string())?;
    }
    runtime.block_on(async move {
        let work = async {
            let mut tcp = tokio::net::TcpStream::connect(&proxy)
                .await
                .map_err(|e| format!("proxy: {e}"))?;
            tcp.write_all(
                format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n").as_bytes(),
            )
            .await
            .map_err(|e| e.to_string())?;
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                tcp.read_exact(&mut byte).await.map_err(|e| e.to_string())?;
                head.push(byte[0]);
            }
            if !head.starts_with(b"HTTP/1.1 200") {
                return Err(format!("CONNECT: {}", String::from_utf8_lossy(&head)));
            }
            let config = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(store)
            .with_no_client_auth();
            let host = authority
                .rsplit_once(':')
                .map_or(authority.as_str(), |(h, _)| h);
            let name = rustls::pki_types::ServerName::try_from(host.to_owned())
                .map_err(|e| e.to_string())?;
            let mut tls = tokio_rustls::TlsConnector::from(Arc::new(config))
                .connect(name, tcp)
                .await
                .map_err(|e| format!("TLS: {e}"))?;
            let certificate = tls
                .get_ref()
                .1
                .peer_certificates()
                .ok_or("no certificate")?[0]
                .clone();
            tls.write_all(
                format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await
            .map_err(|e| e.to_string())?;
            let mut response = Vec::new();
            // A server may close without close_notify; what arrived is still the answer.
            let _ = tls.read_to_end(&mut response).await;
            Ok(Through {
                certificate,
                response: String::from_utf8_lossy(&response).into_owned(),
            })
        };
        tokio::time::timeout(std::time::Duration::from_secs(30), work)
            .await
            .map_err(|_| "timed out".to_owned())?
    })
}
