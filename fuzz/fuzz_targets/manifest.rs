//! The web app manifest processor (`syncshell_core::manifest::process`) on any text, with the
//! manifest beside the page and on a CDN of another origin. Beyond "no panic" it checks what the
//! processed `Manifest`'s fields document: start URL on the page's origin, a scope on that origin
//! without query or fragment that contains the start URL, an id on the start URL's origin without
//! fragment, trimmed texts, lower-cased icon types, and that only non-JSON or non-objects fail.

#![no_main]

use libfuzzer_sys::fuzz_target;
use syncshell_core::manifest::{process, within_scope, ManifestError};
use url::Url;

/// (manifest URL, document URL): a manifest in a subdirectory of the page's origin, and one on
/// another origin, which may not move the app off the page's origin.
const PLACES: [(&str, &str); 2] = [
    (
        "https://app.test/static/manifest.json",
        "https://app.test/app/index.html?x=1#top",
    ),
    (
        "https://cdn.test/m/app.webmanifest",
        "http://app.test:8080/deep/er/page",
    ),
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for (manifest_url, document_url) in PLACES {
        let (Ok(manifest_url), Ok(document_url)) =
            (Url::parse(manifest_url), Url::parse(document_url))
        else {
            return;
        };
        check(text, &manifest_url, &document_url);
    }
});

fn check(text: &str, manifest_url: &Url, document_url: &Url) {
    let result = process(text, manifest_url, document_url);
    let json =
        serde_json::from_str::<serde_json::Value>(text.strip_prefix('\u{feff}').unwrap_or(text));
    let processed = match result {
        Ok(p) => p,
        Err(ManifestError::InvalidJson(_)) => {
            assert!(json.is_err(), "valid JSON refused as invalid: {text:?}");
            return;
        }
        Err(ManifestError::NotAnObject) => {
            assert!(
                json.is_ok_and(|v| !v.is_object()),
                "an object refused as not one: {text:?}"
            );
            return;
        }
    };
    let m = &processed.manifest;
    let origin = document_url.origin();
    assert_eq!(
        m.start_url.origin(),
        origin,
        "start_url left the page's origin"
    );
    assert_eq!(m.scope.origin(), origin, "scope left the page's origin");
    assert!(
        within_scope(&m.start_url, &m.scope),
        "scope {} does not contain start_url {}",
        m.scope,
        m.start_url
    );
    assert_eq!(m.scope.query(), None);
    assert_eq!(m.scope.fragment(), None);
    assert_eq!(
        m.id.origin(),
        m.start_url.origin(),
        "id left the start URL's origin"
    );
    assert_eq!(m.id.fragment(), None);
    for name in [&m.name, &m.short_name, &m.description]
        .into_iter()
        .flatten()
    {
        assert!(
            !name.is_empty() && name.trim() == name,
            "untrimmed text {name:?}"
        );
    }
    for icon in &m.icons {
        assert!(!icon.purposes.is_empty());
        if let Some(mime) = &icon.mime {
            assert_eq!(*mime, mime.to_ascii_lowercase());
        }
    }
    // The same input is the same manifest: nothing depends on hash order or state.
    assert_eq!(
        process(text, manifest_url, document_url).as_ref(),
        Ok(&processed)
    );
}
