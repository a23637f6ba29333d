//! syncshell's local certificate authority: created on first run, its key owner-only on disk,
//! and one leaf certificate per installed host, kept in memory and renewed before it expires.
//!
//! Nothing trusts the CA itself: WebKit is told to accept one exact leaf for one host, in the
//! app's own context only. The CA exists so every leaf has a proper issuer (and tests can check
//! the chain), and so leaves can be renewed without a new trust anchor anywhere.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// How long a leaf is valid.
pub const LEAF_LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);
/// A leaf with less than this left is replaced.
pub const LEAF_RENEW_BEFORE: Duration = Duration::from_secs(30 * 24 * 3600);
/// How long the CA is valid.
const CA_LIFETIME: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
/// Leaves start a day in the past, so a clock a little behind still accepts them.
const BACKDATE: Duration = Duration::from_secs(24 * 3600);

const CA_CERT_FILE: &str = "ca.pem";
const CA_KEY_FILE: &str = "ca-key.pem";

/// Why the authority cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// Reading or writing its files.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// Making or parsing keys and certificates.
    #[error("certificate authority: {0}")]
    Certificate(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CaError + '_ {
    move |source| CaError::Io {
        path: path.to_owned(),
        source,
    }
}

fn cert_error(e: impl std::fmt::Display) -> CaError {
    CaError::Certificate(e.to_string())
}

/// A leaf certificate for one host, with what a TLS server needs.
pub struct Leaf {
    /// The host it is for (a DNS name or an IP address).
    pub host: String,
    /// The leaf in PEM, as WebKit is given it.
    pub cert_pem: String,
    /// The chain served: the leaf, then the CA.
    pub chain: Vec<CertificateDer<'static>>,
    /// Its private key (PKCS#8).
    pub key: PrivatePkcs8KeyDer<'static>,
    /// When it stops being valid.
    pub not_after: SystemTime,
    /// A TLS server configuration presenting it (HTTP/1.1 only, so upgrades keep working).
    pub server_config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for Leaf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leaf")
            .field("host", &self.host)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

/// Called with the host whose leaf was replaced, so whoever trusts the old one can be told.
pub type RenewHook = Box<dyn Fn(&Leaf) + Send + Sync>;

/// The local CA and its leaves.
pub struct Authority {
    issuer: Issuer<'static, KeyPair>,
    ca_der: CertificateDer<'static>,
    leaves: Mutex<HashMap<String, Arc<Leaf>>>,
    on_renew: Mutex<Option<RenewHook>>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority").finish_non_exhaustive()
    }
}

/// The CA's distinguished name. Always the same, so a CA read back from disk issues leaves
/// whose issuer matches its subject without parsing its certificate.
fn ca_name() -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "syncshell");
    name.push(
        DnType::CommonName,
        "syncshell local CA (trusted per host, per app)",
    );
    name
}

fn ca_params(now: SystemTime) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = ca_name();
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = (now - BACKDATE).into();
    params.not_after = (now + CA_LIFETIME).into();
    params
}

impl Authority {
    /// Opens the authority kept in `dir`, creating it (the directory 0700, the key 0600) on
    /// first use. A key file with looser permissions is tightened. A key without its
    /// certificate, or one that cannot be read, is replaced by a new CA.
    pub fn open(dir: &Path, now: SystemTime) -> Result<Self, CaError> {
        fs::create_dir_all(dir).map_err(io(dir))?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io(dir))?;
        let (key_path, cert_path) = (dir.join(CA_KEY_FILE), dir.join(CA_CERT_FILE));
        if let Some(authority) = Self::load(&key_path, &cert_path)? {
            return Ok(authority);
        }
        let key = KeyPair::generate().map_err(cert_error)?;
        let cert = ca_params(now).self_signed(&key).map_err(cert_error)?;
        write_private(&key_path, key.serialize_pem().as_bytes())?;
        write_public(&cert_path, cert.pem().as_bytes())?;
        Self::from_parts(key, cert.der().clone(), now)
    }

    fn load(key_path: &Path, cert_path: &Path) -> Result<Option<Self>, CaError> {
        let (Ok(key_pem), Ok(cert_pem)) =
            (fs::read_to_string(key_path), fs::read_to_string(cert_path))
        else {
            return Ok(None);
        };
        let mode = fs::metadata(key_path)
            .map_err(io(key_path))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            fs::set_permissions(key_path, fs::Permissions::from_mode(0o600))
                .map_err(io(key_path))?;
        }
        let Ok(key) = KeyPair::from_pem(&key_pem) else {
            return Ok(None);
        };
        let Some(der) = pem_certificates(&cert_pem).into_iter().next() else {
            return Ok(None);
        };
        Self::from_parts(key, der, SystemTime::now()).map(Some)
    }

    fn from_parts(
        key: KeyPair,
        ca_der: CertificateDer<'static>,
        now: SystemTime,
    ) -> Result<Self, CaError> {
        Ok(Self {
            issuer: Issuer::new(ca_params(now), key),
            ca_der,
            leaves: Mutex::new(HashMap::new()),
            on_renew: Mutex::new(None),
        })
    }

    /// The CA certificate (DER).
    pub fn ca_certificate(&self) -> &CertificateDer<'static> {
        &self.ca_der
    }

    /// Sets what to call when a leaf in use is replaced before it expires.
    pub fn on_renew(&self, hook: RenewHook) {
        *self.on_renew.lock().unwrap_or_else(|e| e.into_inner()) = Some(hook);
    }

    /// The leaf for `host` at `now`: the cached one while more than [`LEAF_RENEW_BEFORE`]
    /// of it is left, else a new one (and the renew hook is told).
    pub fn leaf(&self, host: &str, now: SystemTime) -> Result<Arc<Leaf>, CaError> {
        let mut leaves = self.leaves.lock().unwrap_or_else(|e| e.into_inner());
        let old = leaves.get(host).cloned();
        if let Some(leaf) = &old {
            if leaf.not_after > now + LEAF_RENEW_BEFORE {
                return Ok(leaf.clone());
            }
        }
        let leaf = Arc::new(self.issue(host, now)?);
        leaves.insert(host.to_owned(), leaf.clone());
        drop(leaves);
        if old.is_some() {
            if let Some(hook) = &*self.on_renew.lock().unwrap_or_else(|e| e.into_inner()) {
                hook(&leaf);
            }
        }
        Ok(leaf)
    }

    /// Forgets `host`'s leaf (its app was uninstalled). A later [`Authority::leaf`] makes a
    /// new one with a new key.
    pub fn revoke(&self, host: &str) {
        self.leaves
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(host);
    }

    fn issue(&self, host: &str, now: SystemTime) -> Result<Leaf, CaError> {
        let mut params = CertificateParams::new(vec![host.to_owned()]).map_err(cert_error)?;
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, host);
        params.distinguished_name = name;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let not_after = now + LEAF_LIFETIME;
        params.not_before = (now - BACKDATE).into();
        params.not_after = not_after.into();
        let key = KeyPair::generate().map_err(cert_error)?;
        let cert = params.signed_by(&key, &self.issuer).map_err(cert_error)?;
        let chain = vec![cert.der().clone(), self.ca_der.clone()];
        let key_der = PrivatePkcs8KeyDer::from(key.serialize_der());
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(cert_error)?
        .with_no_client_auth()
        .with_single_cert(chain.clone(), PrivateKeyDer::Pkcs8(key_der.clone_key()))
        .map_err(cert_error)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Leaf {
            host: host.to_owned(),
            cert_pem: cert.pem(),
            chain,
            key: key_der,
            not_after,
            server_config: Arc::new(config),
        })
    }
}

/// Every certificate in a PEM text.
pub fn pem_certificates(pem: &str) -> Vec<CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .filter_map(Result::ok)
        .collect()
}

/// Writes a secret: created 0600 (never readable by others, not even briefly), then renamed
/// into place so a crash never leaves half a key.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CaError> {
    let tmp = path.with_extension("tmp");
    let _ = fs::remove_file(&tmp);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io(&tmp))?;
    file.write_all(bytes).map_err(io(&tmp))?;
    file.sync_all().map_err(io(&tmp))?;
    fs::rename(&tmp, path).map_err(io(path))
}

fn write_public(path: &Path, bytes: &[u8]) -> Result<(), CaError> {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, bytes).map_err(io(&tmp))?;
    fs::rename(&tmp, path).map_err(io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(24 * 3600);

    fn at(days: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000) + DAY * days as u32
    }

    #[test]
    fn the_ca_key_is_owner_only_and_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let ca_dir = dir.path().join("tls");
        let first = Authority::open(&ca_dir, at(0)).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&ca_dir.join(CA_KEY_FILE)), 0o600);
        assert_eq!(mode(&ca_dir), 0o700);
        let again = Authority::open(&ca_dir, at(1)).unwrap();
        assert_eq!(first.ca_certificate(), again.ca_certificate());
    }

    #[test]
    fn a_loosened_key_is_tightened_and_a_broken_one_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let first = Authority::open(dir.path(), at(0)).unwrap();
        let key = dir.path().join(CA_KEY_FILE);
        fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
        Authority::open(dir.path(), at(0)).unwrap();
        assert_eq!(
            fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
        fs::write(&key, "not a key").unwrap();
        let replaced = Authority::open(dir.path(), at(0)).unwrap();
        assert_ne!(first.ca_certificate(), replaced.ca_certificate());
    }

    #[test]
    fn leaves_are_cached_renewed_before_expiry_and_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Authority::open(dir.path(), at(0)).unwrap();
        let renewed = Arc::new(Mutex::new(Vec::new()));
        let seen = renewed.clone();
        ca.on_renew(Box::new(move |leaf| {
            seen.lock().unwrap().push(leaf.host.clone())
        }));
        let a = ca.leaf("app.example", at(0)).unwrap();
        assert_eq!(a.not_after, at(90));
        // Cached while more than 30 days are left.
        assert!(Arc::ptr_eq(&a, &ca.leaf("app.example", at(59)).unwrap()));
        assert!(renewed.lock().unwrap().is_empty());
        let b = ca.leaf("app.example", at(61)).unwrap();
        assert!(!Arc::ptr_eq(&a, &b));
        assert_eq!(b.not_after, at(151));
        assert_eq!(*renewed.lock().unwrap(), ["app.example"]);
        // Other hosts have their own leaf.
        let other = ca.leaf("127.0.0.1", at(61)).unwrap();
        assert_ne!(other.cert_pem, b.cert_pem);
        ca.revoke("app.example");
        let c = ca.leaf("app.example", at(62)).unwrap();
        assert_ne!(c.cert_pem, b.cert_pem);
        assert_eq!(
            renewed.lock().unwrap().len(),
            1,
            "a revoked host is not a renewal"
        );
    }

    #[test]
    fn a_leaf_verifies_against_the_ca_for_its_host_only() {
        use rustls::client::danger::ServerCertVerifier;
        use rustls::pki_types::{ServerName, UnixTime};
        let dir = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        let ca = Authority::open(dir.path(), now).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca.ca_certificate().clone()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier =
            rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        let time = UnixTime::since_unix_epoch(now.duration_since(SystemTime::UNIX_EPOCH).unwrap());
        for host in ["app.example", "127.0.0.1"] {
            let leaf = ca.leaf(host, now).unwrap();
            let name = ServerName::try_from(host.to_owned()).unwrap();
            verifier
                .verify_server_cert(&leaf.chain[0], &leaf.chain[1..], &name, &[], time)
                .unwrap_or_else(|e| panic!("{host}: {e}"));
            let wrong = ServerName::try_from("other.example").unwrap();
            assert!(verifier
                .verify_server_cert(&leaf.chain[0], &leaf.chain[1..], &wrong, &[], time)
                .is_err());
        }
    }
}
