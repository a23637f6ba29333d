//! The install page scan (`syncshell_core::html::scan`: `<base href>`, `<link rel=manifest>`, icon
//! links, `<title>`) on any text. Beyond "no panic": the title is what `PageInfo` documents
//! (ASCII whitespace collapsed, never empty), and scanning is deterministic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use syncshell_core::html::scan;
use url::Url;

fuzz_target!(|data: &[u8]| {
    // Pages are decoded before they are scanned; invalid UTF-8 never reaches `scan`.
    let html = String::from_utf8_lossy(data);
    let Ok(document_url) = Url::parse("https://app.test/app/index.html?x=1") else {
        return;
    };
    let page = scan(&html, &document_url);
    if let Some(title) = &page.title {
        assert!(!title.is_empty());
        assert_eq!(
            title.split_ascii_whitespace().collect::<Vec<_>>().join(" "),
            *title,
            "title whitespace not collapsed"
        );
    }
    assert_eq!(scan(&html, &document_url), page);
});
