//! URL origins as the web compares them (scheme, host, port) in their ASCII form: the form apps
//! are stored under and callers are checked against. A page or worker speaks only for its own
//! origin, so every scope a call names is checked with [`is_of`].

use url::Url;

/// Whether `url` parses and is on `origin` (an origin's ASCII serialization, e.g.
/// `https://app.example` or `http://127.0.0.1:8000`).
pub fn is_of(url: &str, origin: &str) -> bool {
    Url::parse(url).is_ok_and(|u| u.origin().ascii_serialization() == origin)
}

/// The host an https origin's certificate names (no brackets around IPv6); `None` for any
/// other scheme: the host the proxy intercepts TLS for while an app of that origin is installed.
pub fn https_host(origin: &str) -> Option<String> {
    let url = Url::parse(origin).ok().filter(|u| u.scheme() == "https")?;
    url.host_str()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_name_the_bare_host_of_https_origins_only() {
        assert_eq!(
            https_host("https://app.example").as_deref(),
            Some("app.example")
        );
        assert_eq!(
            https_host("https://127.0.0.1:8443").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(https_host("https://[::1]:8443").as_deref(), Some("::1"));
        assert_eq!(https_host("http://127.0.0.1:8080"), None);
    }

    #[test]
    fn a_url_is_of_its_scheme_host_and_port_only() {
        assert!(is_of("http://127.0.0.1:8000/app/", "http://127.0.0.1:8000"));
        assert!(is_of("https://app.example/", "https://app.example"));
        assert!(!is_of("https://app.example/", "http://app.example"));
        assert!(!is_of("http://127.0.0.1:8001/", "http://127.0.0.1:8000"));
        assert!(!is_of("not a url", "http://127.0.0.1:8000"));
    }
}
