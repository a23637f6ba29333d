//! The trust store check. Two readers of it disagree unless the user keeps them in step: the
//! proxy and the installer (rustls, through rustls-platform-verifier) read `SSL_CERT_FILE` when it
//! is set, *instead of* the system store; WebKit (GnuTLS) reads the system store only, and it is
//! WebKit that checks https origins that are not installed apps (tunnelled through the proxy, such
//! as an app's API on another host). So a private CA given in `SSL_CERT_FILE` alone makes the
//! app's own pages load and its cross-origin API fail, and a bundle lacking the public CAs the
//! system store has breaks installed apps on public sites. The one setup that works everywhere:
//! the CA in the system store and `SSL_CERT_FILE` unset.

use std::collections::HashSet;
use std::path::Path;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use super::{finding, Finding, Level};

const WHAT: &str = "trust store";

/// The system bundle on Debian and its derivatives, which both GnuTLS and rustls read.
pub const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Where `update-ca-certificates` picks up a local CA.
const LOCAL_CAS: &str = "/usr/local/share/ca-certificates";

/// A bundle as read: its path and its text, or why it could not be read.
pub struct Bundle<'a> {
    /// Where it is.
    pub path: &'a Path,
    /// Its text.
    pub text: std::io::Result<String>,
}

/// The certificates (DER) in a PEM bundle.
fn certificates(text: &str) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(text.as_bytes())
        .filter_map(Result::ok)
        .collect()
}

/// Judges the system bundle and, if `SSL_CERT_FILE` is set, the bundle it names.
pub fn judge(system: Bundle<'_>, env: Option<Bundle<'_>>) -> Finding {
    let system_certs = match &system.text {
        Ok(text) => certificates(text),
        Err(_) => Vec::new(),
    };
    let Some(env) = env else {
        return match system.text {
            Err(e) => finding(Level::Fail, WHAT, format!("{}: {e}", system.path.display()))
                .fix("install ca-certificates (sudo apt install ca-certificates)"),
            Ok(_) if system_certs.is_empty() => finding(
                Level::Fail,
                WHAT,
                format!("no certificates in {}", system.path.display()),
            )
            .fix("reinstall ca-certificates (sudo update-ca-certificates --fresh)"),
            Ok(_) => finding(
                Level::Ok,
                WHAT,
                format!(
                    "{} certificates from the system ({})",
                    system_certs.len(),
                    system.path.display()
                ),
            ),
        };
    };
    let text = match env.text {
        Ok(text) => text,
        Err(e) => {
            return finding(
                Level::Fail,
                WHAT,
                format!("SSL_CERT_FILE: {}: {e}", env.path.display()),
            )
            .fix("unset SSL_CERT_FILE, or point it at a readable bundle")
        }
    };
    let env_certs = certificates(&text);
    if env_certs.is_empty() {
        return finding(
            Level::Fail,
            WHAT,
            format!("SSL_CERT_FILE: no certificates in {}", env.path.display()),
        )
        .fix("unset SSL_CERT_FILE, or point it at a bundle");
    }
    let in_system: HashSet<&[u8]> = system_certs.iter().map(|c| c.as_ref()).collect();
    let in_env: HashSet<&[u8]> = env_certs.iter().map(|c| c.as_ref()).collect();
    let only_env = env_certs
        .iter()
        .filter(|c| !in_system.contains(c.as_ref()))
        .count();
    let only_system = system_certs
        .iter()
        .filter(|c| !in_env.contains(c.as_ref()))
        .count();
    let mut detail = format!(
        "{} certificates from SSL_CERT_FILE ({})",
        env_certs.len(),
        env.path.display()
    );
    if only_env == 0 && only_system == 0 {
        return finding(Level::Ok, WHAT, detail);
    }
    if only_env > 0 {
        detail.push_str(&format!(
            "; {only_env} of them not in the system store: WebKit does not trust them for https \
             origins that are not installed apps (an app's API on another host)"
        ));
    }
    if only_system > 0 {
        detail.push_str(&format!(
            "; {only_system} system certificates missing from it: the proxy and installer do not \
             trust those"
        ));
    }
    let fix = if only_env > 0 {
        format!(
            "put your CA in the system store and unset SSL_CERT_FILE: sudo cp CA.pem \
             {LOCAL_CAS}/my-ca.crt && sudo update-ca-certificates"
        )
    } else {
        "unset SSL_CERT_FILE (the system store has what it has)".to_owned()
    };
    finding(Level::Warn, WHAT, detail).fix(fix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pem(der: &[u8]) -> String {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n")
    }

    fn bundle<'a>(path: &'a str, text: &str) -> Bundle<'a> {
        Bundle {
            path: Path::new(path),
            text: Ok(text.to_owned()),
        }
    }

    // The checks compare certificates byte for byte and never parse them: any bytes will do.
    const PUBLIC: &[u8] = b"public root";
    const PRIVATE: &[u8] = b"private root";

    #[test]
    fn the_system_store_alone_is_fine_when_it_has_certificates() {
        let system = pem(PUBLIC) + &pem(b"another");
        let f = judge(bundle(SYSTEM_BUNDLE, &system), None);
        assert_eq!(f.level, Level::Ok);
        assert_eq!(
            f.detail,
            format!("2 certificates from the system ({SYSTEM_BUNDLE})")
        );
        assert_eq!(judge(bundle(SYSTEM_BUNDLE, ""), None).level, Level::Fail);
        let missing = Bundle {
            path: Path::new(SYSTEM_BUNDLE),
            text: Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
        };
        assert_eq!(judge(missing, None).level, Level::Fail);
    }

    #[test]
    fn a_private_ca_only_in_ssl_cert_file_is_a_warning_that_says_where_it_belongs() {
        let f = judge(
            bundle(SYSTEM_BUNDLE, &pem(PUBLIC)),
            Some(bundle("/home/u/ca.pem", &pem(PRIVATE))),
        );
        assert_eq!(f.level, Level::Warn);
        assert!(f
            .detail
            .contains("1 of them not in the system store: WebKit does not trust them"));
        assert!(f.detail.contains("1 system certificates missing from it"));
        assert!(f
            .fix
            .unwrap()
            .contains("/usr/local/share/ca-certificates/my-ca.crt && sudo update-ca-certificates"));
    }

    #[test]
    fn ssl_cert_file_matching_the_system_store_is_fine_and_a_subset_is_a_warning() {
        let system = pem(PUBLIC) + &pem(PRIVATE);
        let same = judge(
            bundle(SYSTEM_BUNDLE, &system),
            Some(bundle("/b.pem", &system)),
        );
        assert_eq!(same.level, Level::Ok, "{}", same.detail);
        let subset = judge(
            bundle(SYSTEM_BUNDLE, &system),
            Some(bundle("/b.pem", &pem(PUBLIC))),
        );
        assert_eq!(subset.level, Level::Warn);
        assert_eq!(
            subset.fix.unwrap(),
            "unset SSL_CERT_FILE (the system store has what it has)"
        );
    }

    #[test]
    fn an_unreadable_or_empty_ssl_cert_file_fails() {
        let unreadable = Bundle {
            path: Path::new("/nope.pem"),
            text: Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
        };
        let f = judge(bundle(SYSTEM_BUNDLE, &pem(PUBLIC)), Some(unreadable));
        assert_eq!(f.level, Level::Fail);
        assert!(
            f.detail.starts_with("SSL_CERT_FILE: /nope.pem:"),
            "{}",
            f.detail
        );
        let empty = judge(
            bundle(SYSTEM_BUNDLE, &pem(PUBLIC)),
            Some(bundle("/e.pem", "junk")),
        );
        assert_eq!(empty.level, Level::Fail);
    }
}
