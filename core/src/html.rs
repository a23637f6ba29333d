//! Just enough of an HTML reader to find what installing needs: `<base href>`, the manifest link,
//! icon links and the title. It skips comments and the raw text of scripts and styles, so markup
//! inside them is never mistaken for a tag.

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

/// Reads `html`, a document fetched from `document_url`.
pub fn scan(html: &str, document_url: &Url) -> PageInfo {
    let tags = Tags::new(html).collect::<Vec<_>>();
    // The base URL is the first <base href>; links resolve against it wherever they stand.
    let base = tags
        .iter()
        .filter(|t| t.name == "base")
        .find_map(|t| t.attr("href"))
        .and_then(|href| document_url.join(href).ok())
        .unwrap_or_else(|| document_url.clone());

    let mut info = PageInfo::default();
    for tag in &tags {
        match tag.name.as_str() {
            "title" if info.title.is_none() => {
                let text = collapse_whitespace(tag.text.as_deref().unwrap_or(""));
                if !text.is_empty() {
                    info.title = Some(text);
                }
            }
            "link" => {
                let rels = tag.attr("rel").unwrap_or("").to_ascii_lowercase();
                let rels: Vec<&str> = rels.split_ascii_whitespace().collect();
                let Some(href) = tag.attr("href").map(str::trim).filter(|h| !h.is_empty()) else {
                    continue;
                };
                let Ok(url) = base.join(href) else { continue };
                if rels.contains(&"manifest") && info.manifest.is_none() {
                    info.manifest = Some(url.clone());
                }
                if rels.contains(&"icon") || rels.contains(&"apple-touch-icon") {
                    info.icons.push(PageIcon {
                        url,
                        sizes: tag.attr("sizes").map(str::to_owned),
                    });
                }
            }
            _ => {}
        }
    }
    info
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A start tag with its attributes; for `<title>`, also its text.
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    text: Option<String>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Iterates over start tags.
struct Tags<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Tags<'a> {
    fn new(src: &'a str) -> Self {
        Self { src, pos: 0 }
    }

    fn skip_past(&mut self, needle: &str) {
        let rest = &self.src[self.pos..];
        self.pos = match find_ascii_ci(rest, needle) {
            Some(i) => self.pos + i + needle.len(),
            None => self.src.len(),
        };
    }
}

/// Case-insensitive search for an ASCII needle.
fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

impl Iterator for Tags<'_> {
    type Item = Tag;

    fn next(&mut self) -> Option<Tag> {
        let bytes = self.src.as_bytes();
        loop {
            let lt = self.src[self.pos..].find('<')? + self.pos;
            self.pos = lt + 1;
            let rest = &self.src[self.pos..];
            if rest.starts_with("!--") {
                self.skip_past("-->");
                continue;
            }
            if rest.starts_with('!') || rest.starts_with('?') || rest.starts_with('/') {
                self.skip_past(">");
                continue;
            }
            if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
                continue;
            }
            let name_len = rest
                .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
                .unwrap_or(rest.len());
            let name = rest[..name_len].to_ascii_lowercase();
            self.pos += name_len;
            let attrs = self.read_attributes(bytes);
            let mut tag = Tag {
                name,
                attrs,
                text: None,
            };
            match tag.name.as_str() {
                // Raw text elements: their content is not markup.
                "script" | "style" | "textarea" | "title" => {
                    let close = format!("</{}", tag.name);
                    let start = self.pos;
                    self.skip_past(&close);
                    let end = if self.pos >= self.src.len() {
                        self.src.len()
                    } else {
                        self.pos - close.len()
                    };
                    if tag.name == "title" {
                        tag.text = Some(decode_entities(&self.src[start..end]));
                    }
                    self.skip_past(">");
                }
                _ => {}
            }
            return Some(tag);
        }
    }
}

impl Tags<'_> {
    /// Reads attributes up to and including the tag's `>`.
    fn read_attributes(&mut self, bytes: &[u8]) -> Vec<(String, String)> {
        let mut attrs = Vec::new();
        loop {
            while self.pos < bytes.len()
                && (bytes[self.pos].is_ascii_whitespace() || bytes[self.pos] == b'/')
            {
                self.pos += 1;
            }
            if self.pos >= bytes.len() {
                return attrs;
            }
            if bytes[self.pos] == b'>' {
                self.pos += 1;
                return attrs;
            }
            let start = self.pos;
            while self.pos < bytes.len()
                && !bytes[self.pos].is_ascii_whitespace()
                && !matches!(bytes[self.pos], b'=' | b'>' | b'/')
            {
                self.pos += 1;
            }
            let name = self.src[start..self.pos].to_ascii_lowercase();
            while self.pos < bytes.len() && bytes[self.pos].is_ascii_whitespace() {
                self.pos += 1;
            }
            let mut value = String::new();
            if self.pos < bytes.len() && bytes[self.pos] == b'=' {
                self.pos += 1;
                while self.pos < bytes.len() && bytes[self.pos].is_ascii_whitespace() {
                    self.pos += 1;
                }
                if self.pos < bytes.len() && matches!(bytes[self.pos], b'"' | b'\'') {
                    let quote = bytes[self.pos] as char;
                    let vstart = self.pos + 1;
                    let vend = self.src[vstart..]
                        .find(quote)
                        .map(|i| vstart + i)
                        .unwrap_or(bytes.len());
                    value = decode_entities(&self.src[vstart..vend]);
                    self.pos = (vend + 1).min(bytes.len());
                } else {
                    let vstart = self.pos;
                    while self.pos < bytes.len()
                        && !bytes[self.pos].is_ascii_whitespace()
                        && bytes[self.pos] != b'>'
                    {
                        self.pos += 1;
                    }
                    value = decode_entities(&self.src[vstart..self.pos]);
                }
            }
            // The first of duplicate attributes wins, as in the HTML parser.
            if !name.is_empty() && !attrs.iter().any(|(n, _)| *n == name) {
                attrs.push((name, value));
            }
        }
    }
}

/// Decodes the character references that appear in URLs and titles in practice.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let semi = rest.find(';').filter(|&i| i <= 10);
        let decoded = semi.and_then(|i| {
            let entity = &rest[1..i];
            let ch = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ if entity.starts_with("#x") || entity.starts_with("#X") => {
                    u32::from_str_radix(&entity[2..], 16)
                        .ok()
                        .and_then(char::from_u32)
                }
                _ if entity.starts_with('#') => entity[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            ch.map(|c| (c, i))
        });
        match decoded {
            Some((c, i)) => {
                out.push(c);
                rest = &rest[i + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
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
}
