//! URL origins as the web compares them (scheme, host, port) in their ASCII form: the form apps
//! are stored under and callers are checked against. A page or worker speaks only for its own
//! origin, so every scope a call names is checked with [`is_of`].

use url::Url;

/// Whether `url` parses and is on `origin` (an origin's ASCII serialization, e.g.
/// `https://app.example` or `http://127.0.0.1:8000`).
pub fn is_of(url: &str, origin: &str) -> bool {
    Url::parse(url).is_ok_and(|u| u.origin().ascii_serialization() == origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_of_its_scheme_host_and_port_only() {
        assert!(is_of("http://127.0.0.1:8000/app/", "http://127.0.0.1:8000"));
        assert!(is_of("https://app.example/", "https://app.example"));
        assert!(!is_of("https://app.example/", "http://app.example"));
        assert!(!is_of("http://127.0.0.1:8001/", "http://127.0.0.1:8000"));
        assert!(!is_of("not a url", "http://127.0.0.1:8000"));
    }
}
