//! What installing needs from an app's page: the `<base href>`, the manifest link, icon links and
//! the title, found as a browser finds them.
//!
//! The page is parsed by html5ever's tree builder (the WHATWG parsing algorithm that browsers
//! implement) into a dom_query tree. Considered instead: html5ever's tokenizer alone leaves the tree
//! builder's decisions to us (raw text in `<title>`, `<script>`, `<style>`, `<noscript>`; template
//! contents; SVG's own `<title>`), which is where the hand-written scanner this replaces was fragile;
//! lol_html streams with little memory but keeps no tree, so "not inside a `<template>`" would again
//! be ours to track, and it would compile second copies of `selectors` and `cssparser`; scraper is
//! the same engine as dom_query under another API, not otherwise in our dependency graph.
//! dom_query and html5ever are the versions tauri-utils already depends on, so the lock file gains
//! no crate (on 2 cores the core crate's first build with them took about 15 s more). A tree costs
//! memory, a few times the page, and the page is capped at [`crate::fetch::MAX_PAGE_BYTES`] before
//! it gets here.

use dom_query::{Document, NodeRef};
use html5ever::tendril::TendrilSink;
use html5ever::tree_builder::TreeBuilderOpts;
use html5ever::{ns, ParseOpts};
use url::Url;

/// What an install learns from the app's page.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PageInfo {
    /// The first `<link rel="manifest">`'s href, resolved.
    pub manifest: Option<Url>,
    /// `<title>` text, whitespace collapsed.
    pub title: Option<String>,
    /// `<link rel="icon">` (and `apple-touch-icon`) hrefs, resolved, with their `sizes` attribute.
    pub icons: Vec<PageIcon>,
}

/// An icon link found in the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageIcon {
    /// The icon's URL.
    pub url: Url,
    /// The `sizes` attribute, unparsed.
    pub sizes: Option<String>,
}

/// Reads `html`, a document fetched from `document_url`. Elements count in tree order, wherever
/// they stand, except inside a `<template>`, whose contents are not part of the document. Chromium
/// reads the manifest link from the `<head>` only; a link after the body's content is found here
/// all the same, since pages do put it there and installing is what the user asked for.
pub fn scan(html: &str, document_url: &Url) -> PageInfo {
    let document = parse(html);
    let root = document.root();
    let elements = || root.descendants_it().filter(is_html_element);

    // The base URL is the first <base href>; links resolve against it wherever they stand.
    let base = elements()
        .filter(|e| e.has_name("base"))
        .find_map(|e| e.attr("href"))
        .and_then(|href| document_url.join(&href).ok())
        .unwrap_or_else(|| document_url.clone());

    // As document.title: the first <title>, its text with ASCII whitespace collapsed.
    let title = elements()
        .find(|e| e.has_name("title"))
        .map(|t| collapse_whitespace(&t.text()))
        .filter(|t| !t.is_empty());

    let links: Vec<Link> = elements()
        .filter(|e| e.has_name("link"))
        .map(|link| Link::read(&link, &base))
        .collect();
    // The first manifest link with a usable href. (Chromium stops at the first manifest link
    // even when its href is empty; a page like that still installs here, as it always did.)
    let manifest = links
        .iter()
        .filter(|link| link.is("manifest"))
        .find_map(|link| link.url.clone());
    let icons = links
        .into_iter()
        .filter(|link| link.is("icon") || link.is("apple-touch-icon"))
        .filter_map(|link| {
            Some(PageIcon {
                url: link.url?,
                sizes: link.sizes,
            })
        })
        .collect();
    PageInfo {
        manifest,
        title,
        icons,
    }
}

/// A `<link>` as far as installing cares.
struct Link {
    /// The `rel` tokens, lowercased (they match ASCII case-insensitively).
    rels: Vec<String>,
    /// The href resolved against the base URL; `None` if absent, empty or not a URL.
    url: Option<Url>,
    sizes: Option<String>,
}

impl Link {
    fn read(link: &NodeRef<'_>, base: &Url) -> Self {
        let rel = link.attr("rel").unwrap_or_default().to_ascii_lowercase();
        Self {
            rels: rel.split_ascii_whitespace().map(str::to_owned).collect(),
            url: link
                .attr("href")
                .filter(|href| !href.trim().is_empty())
                .and_then(|href| base.join(href.trim()).ok()),
            sizes: link.attr("sizes").map(|s| s.to_string()),
        }
    }

    fn is(&self, rel: &str) -> bool {
        self.rels.iter().any(|r| r == rel)
    }
}

/// Parses as the app's webview does: with scripting on, so `<noscript>` holds text, not elements.
/// (dom_query's own `Document::from` parses with scripting off.)
fn parse(html: &str) -> Document {
    let opts = ParseOpts {
        tree_builder: TreeBuilderOpts {
            scripting_enabled: true,
            ..TreeBuilderOpts::default()
        },
        ..ParseOpts::default()
    };
    html5ever::parse_document(Document::default(), opts).one(html)
}

/// HTML elements only: an SVG `<title>` or MathML element is not what the page's head declares.
fn is_html_element(node: &NodeRef<'_>) -> bool {
    node.qual_name_ref()
        .is_some_and(|name| name.ns == ns!(html))
}

fn collapse_whitespace(s: &str) -> String {
    s.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Url {
        Url::parse("https://app.test/path/page.html").unwrap()
    }

    #[test]
    fn finds_manifest_title_and_icons() {
        let html = r#"<!doctype html><html><head>
            <title>  My
              App </title>
            <LINK REL="Manifest" HREF="/m.webmanifest">
            <link rel="shortcut icon" href="fav.png" sizes="32x32">
            <link rel=apple-touch-icon href=touch.png>
            </head><body></body></html>"#;
        let info = scan(html, &doc());
        assert_eq!(
            info.manifest.unwrap().as_str(),
            "https://app.test/m.webmanifest"
        );
        assert_eq!(info.title.as_deref(), Some("My App"));
        assert_eq!(info.icons.len(), 2);
        assert_eq!(info.icons[0].url.as_str(), "https://app.test/path/fav.png");
        assert_eq!(info.icons[0].sizes.as_deref(), Some("32x32"));
        assert_eq!(
            info.icons[1].url.as_str(),
            "https://app.test/path/touch.png"
        );
    }

    #[test]
    fn links_resolve_against_the_base_element() {
        let html =
            r#"<head><link rel="manifest" href="m.json"><base href="https://cdn.test/x/"></head>"#;
        let info = scan(html, &doc());
        assert_eq!(info.manifest.unwrap().as_str(), "https://cdn.test/x/m.json");
    }

    #[test]
    fn markup_in_comments_and_scripts_is_ignored() {
        let html = r#"<!-- <link rel="manifest" href="/commented.json"> -->
            <script>document.write('<link rel="manifest" href="/scripted.json">')</script>
            <style>/* <link rel=manifest href=/styled.json> */</style>
            <link rel="manifest" href="/real.json">"#;
        let info = scan(html, &doc());
        assert_eq!(info.manifest.unwrap().path(), "/real.json");
    }

    #[test]
    fn the_first_manifest_link_wins_and_entities_are_decoded() {
        let html = r#"<link rel="manifest" href="/a.json?x=1&amp;y=2"><link rel="manifest" href="/b.json">
            <title>Tom &amp; Jerry&#39;s &#x263A;</title>"#;
        let info = scan(html, &doc());
        assert_eq!(
            info.manifest.unwrap().as_str(),
            "https://app.test/a.json?x=1&y=2"
        );
        assert_eq!(info.title.as_deref(), Some("Tom & Jerry's \u{263A}"));
    }

    #[test]
    fn a_page_without_a_manifest_link_has_none() {
        let info = scan(
            "<html><link rel=stylesheet href=a.css><link rel=manifest></html>",
            &doc(),
        );
        assert_eq!(info.manifest, None);
    }

    #[test]
    fn truncated_markup_does_not_panic() {
        for html in [
            "<",
            "<link rel=\"manifest",
            "<title>unterminated",
            "<!--",
            "<a b='",
            "&#xZZ;<x",
        ] {
            let _ = scan(html, &doc());
        }
    }

    #[test]
    fn a_manifest_link_after_the_body_content_is_found() {
        let html = r#"<!doctype html><html><head><title>Late</title></head>
            <body><h1>Hello</h1><p>Content first.</p>
            <link rel="manifest" href="/late.webmanifest"></body></html>"#;
        let info = scan(html, &doc());
        assert_eq!(info.manifest.unwrap().path(), "/late.webmanifest");
        assert_eq!(info.title.as_deref(), Some("Late"));
    }

    #[test]
    fn uppercase_tags_attributes_and_rel_values_are_read() {
        let html = r#"<HTML><HEAD><BASE HREF="https://cdn.test/app/">
            <TITLE>LOUD</TITLE>
            <LINK REL="Manifest" HREF="M.JSON">
            <LINK REL="Shortcut ICON" HREF="Fav.png" SIZES="16x16">
            </HEAD></HTML>"#;
        let info = scan(html, &doc());
        assert_eq!(
            info.manifest.unwrap().as_str(),
            "https://cdn.test/app/M.JSON"
        );
        assert_eq!(info.title.as_deref(), Some("LOUD"));
        assert_eq!(info.icons.len(), 1);
        assert_eq!(info.icons[0].url.as_str(), "https://cdn.test/app/Fav.png");
        assert_eq!(info.icons[0].sizes.as_deref(), Some("16x16"));
    }

    #[test]
    fn character_references_in_an_href_are_decoded_as_browsers_do() {
        let info = scan(r#"<link rel=manifest href="/m.json?a=1&amp;b=2">"#, &doc());
        assert_eq!(
            info.manifest.unwrap().as_str(),
            "https://app.test/m.json?a=1&b=2"
        );
        // In an attribute, "&copy" before "=" is not a reference (a query string stays intact).
        let info = scan(r#"<link rel=manifest href="/m.json?a=1&copy=2">"#, &doc());
        assert_eq!(
            info.manifest.unwrap().as_str(),
            "https://app.test/m.json?a=1&copy=2"
        );
    }

    #[test]
    fn a_manifest_link_inside_a_template_or_noscript_is_ignored() {
        let html = r#"<head>
            <template><link rel="manifest" href="/template.json"><title>Template</title></template>
            <noscript><link rel="manifest" href="/noscript.json"></noscript>
            <link rel="manifest" href="/real.json"><title>Real</title></head>"#;
        let info = scan(html, &doc());
        assert_eq!(info.manifest.unwrap().path(), "/real.json");
        assert_eq!(info.title.as_deref(), Some("Real"));
    }

    #[test]
    fn rel_is_a_set_of_tokens() {
        let html = r#"<link rel="icon manifest" href="/both.json">
            <link rel="shortcut icon" href="/fav.ico">
            <link rel="manifest-v2" href="/not-a-manifest.json">
            <link rel="	APPLE-TOUCH-ICON " href="/touch.png">"#;
        let info = scan(html, &doc());
        assert_eq!(info.manifest.unwrap().path(), "/both.json");
        let icons: Vec<&str> = info.icons.iter().map(|i| i.url.path()).collect();
        assert_eq!(icons, ["/both.json", "/fav.ico", "/touch.png"]);
    }

    #[test]
    fn the_first_manifest_link_with_a_usable_href_wins() {
        let html = r#"<link rel="manifest" href="/first.json">
            <link rel="manifest" href="/second.json">"#;
        assert_eq!(scan(html, &doc()).manifest.unwrap().path(), "/first.json");
        let html = r#"<link rel="manifest"><link rel="manifest" href=" ">
            <link rel="manifest" href="/third.json">"#;
        assert_eq!(scan(html, &doc()).manifest.unwrap().path(), "/third.json");
    }

    #[test]
    fn an_svg_title_is_not_the_page_title() {
        let html = r#"<body><svg><title>Logo</title></svg><p>No title here</p></body>"#;
        assert_eq!(scan(html, &doc()).title, None);
    }
}
