//! Processing a web app manifest as the W3C Web Application Manifest spec says: members of the
//! wrong type are ignored, URLs resolve against the manifest URL, and `start_url`, `id` and `scope`
//! fall back to their defaults when they point outside the app.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use url::Url;

use crate::css_color;

/// Manifest `display` mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Display {
    /// Whole screen, no window decorations.
    Fullscreen,
    /// Its own window, no browser UI.
    Standalone,
    /// Its own window with minimal navigation UI.
    MinimalUi,
    /// The spec's default.
    #[default]
    Browser,
}

impl Display {
    /// Parses a display value; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fullscreen" => Some(Self::Fullscreen),
            "standalone" => Some(Self::Standalone),
            "minimal-ui" => Some(Self::MinimalUi),
            "browser" => Some(Self::Browser),
            _ => None,
        }
    }

    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fullscreen => "fullscreen",
            Self::Standalone => "standalone",
            Self::MinimalUi => "minimal-ui",
            Self::Browser => "browser",
        }
    }
}

/// What an icon is meant for (manifest `purpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// Shown as is.
    Any,
    /// Has a safe zone for masking.
    Maskable,
    /// A single-colour silhouette.
    Monochrome,
}

/// An icon size: `WxH`, or `any` (scalable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum IconSize {
    /// Any size (a vector image).
    Any,
    /// Fixed pixel size.
    Px(u32, u32),
}

/// A processed `icons` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestIcon {
    /// Absolute URL of the image.
    pub src: Url,
    /// Parsed `sizes`; empty when absent or unparseable.
    pub sizes: Vec<IconSize>,
    /// Declared MIME type, lowercased.
    pub mime: Option<String>,
    /// Purposes; `[Any]` when absent.
    pub purposes: Vec<Purpose>,
}

/// A processed manifest: every URL absolute and every member valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// The app's identity: `id` resolved against the start URL's origin, without fragment.
    pub id: Url,
    /// `name`, trimmed.
    pub name: Option<String>,
    /// `short_name`, trimmed.
    pub short_name: Option<String>,
    /// `description`, trimmed.
    pub description: Option<String>,
    /// Where the app starts; same origin as the document.
    pub start_url: Url,
    /// Navigation scope; contains `start_url`.
    pub scope: Url,
    /// Display mode.
    pub display: Display,
    /// Valid CSS colour or none.
    pub theme_color: Option<String>,
    /// Valid CSS colour or none.
    pub background_color: Option<String>,
    /// Icons with a valid `src`.
    pub icons: Vec<ManifestIcon>,
}

/// Why a manifest could not be processed at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// Not JSON.
    #[error("the manifest is not valid JSON ({0})")]
    InvalidJson(String),
    /// JSON, but not an object.
    #[error("the manifest is not a JSON object")]
    NotAnObject,
}

/// The result of processing: the manifest and what was ignored in it, for the user to see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    /// The manifest.
    pub manifest: Manifest,
    /// Members that were ignored, and why.
    pub warnings: Vec<String>,
}

/// Processes `text`, fetched from `manifest_url` and linked from the page at `document_url`.
pub fn process(
    text: &str,
    manifest_url: &Url,
    document_url: &Url,
) -> Result<Processed, ManifestError> {
    // A UTF-8 byte order mark is allowed before the JSON.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let json: Value =
        serde_json::from_str(text).map_err(|e| ManifestError::InvalidJson(e.to_string()))?;
    let Value::Object(obj) = json else {
        return Err(ManifestError::NotAnObject);
    };
    let mut warnings = Vec::new();

    let start_url = process_start_url(&obj, manifest_url, document_url, &mut warnings);
    let id = process_id(&obj, &start_url, &mut warnings);
    let scope = process_scope(&obj, manifest_url, &start_url, &mut warnings);
    let display = match obj.get("display") {
        None => Display::default(),
        Some(Value::String(s)) => Display::parse(s).unwrap_or_else(|| {
            warnings.push(format!(
                "display \"{s}\" is not a display mode; using browser"
            ));
            Display::default()
        }),
        Some(_) => {
            warnings.push("display is not a string; ignored".into());
            Display::default()
        }
    };
    let color = |key: &str, warnings: &mut Vec<String>| match obj.get(key) {
        None => None,
        Some(Value::String(s)) => css_color::parse(s).or_else(|| {
            warnings.push(format!("{key} \"{s}\" is not a CSS colour; ignored"));
            None
        }),
        Some(_) => {
            warnings.push(format!("{key} is not a string; ignored"));
            None
        }
    };
    let theme_color = color("theme_color", &mut warnings);
    let background_color = color("background_color", &mut warnings);
    let icons = process_icons(&obj, manifest_url, &mut warnings);

    Ok(Processed {
        manifest: Manifest {
            id,
            name: text_member(&obj, "name", &mut warnings),
            short_name: text_member(&obj, "short_name", &mut warnings),
            description: text_member(&obj, "description", &mut warnings),
            start_url,
            scope,
            display,
            theme_color,
            background_color,
            icons,
        },
        warnings,
    })
}

fn text_member(obj: &Map<String, Value>, key: &str, warnings: &mut Vec<String>) -> Option<String> {
    match obj.get(key) {
        Some(Value::String(s)) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Some(_) => {
            warnings.push(format!("{key} is not a string; ignored"));
            None
        }
        None => None,
    }
}

fn process_start_url(
    obj: &Map<String, Value>,
    manifest_url: &Url,
    document_url: &Url,
    warnings: &mut Vec<String>,
) -> Url {
    let Some(value) = obj.get("start_url") else {
        return document_url.clone();
    };
    let Value::String(s) = value else {
        warnings.push("start_url is not a string; using the page URL".into());
        return document_url.clone();
    };
    if s.is_empty() {
        return document_url.clone();
    }
    match manifest_url.join(s) {
        Ok(url) if url.origin() == document_url.origin() => url,
        Ok(url) => {
            warnings.push(format!(
                "start_url {url} is not on the page's origin; using the page URL"
            ));
            document_url.clone()
        }
        Err(_) => {
            warnings.push(format!(
                "start_url \"{s}\" is not a valid URL; using the page URL"
            ));
            document_url.clone()
        }
    }
}

fn process_id(obj: &Map<String, Value>, start_url: &Url, warnings: &mut Vec<String>) -> Url {
    let mut id = match obj.get("id") {
        Some(Value::String(s)) if !s.is_empty() => {
            // `id` resolves against the start URL's origin, not the manifest URL.
            let base = Url::parse(&start_url.origin().ascii_serialization())
                .unwrap_or_else(|_| start_url.clone());
            match base.join(s) {
                Ok(url) if url.origin() == start_url.origin() => url,
                _ => {
                    warnings.push(format!(
                        "id \"{s}\" is not on the start URL's origin; using start_url"
                    ));
                    start_url.clone()
                }
            }
        }
        Some(Value::String(_)) | None => start_url.clone(),
        Some(_) => {
            warnings.push("id is not a string; using start_url".into());
            start_url.clone()
        }
    };
    id.set_fragment(None);
    id
}

/// The default scope: the start URL's directory, without query or fragment.
fn default_scope(start_url: &Url) -> Url {
    let mut scope = start_url.clone();
    scope.set_query(None);
    scope.set_fragment(None);
    let path = scope.path();
    let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    let dir = if dir.is_empty() { "/" } else { dir }.to_owned();
    scope.set_path(&dir);
    scope
}

/// Whether `url` is within `scope`: same origin, and the scope's path is a prefix of the URL's.
pub fn within_scope(url: &Url, scope: &Url) -> bool {
    url.origin() == scope.origin() && url.path().starts_with(scope.path())
}

/// Whether a top-level navigation to `url` may stay in the app's window: within `scope`, or
/// `about:blank` (a page that opens a window and writes into it). Everything else belongs in the
/// user's browser.
pub fn stays_in_app(url: &Url, scope: &Url) -> bool {
    within_scope(url, scope) || url.as_str() == "about:blank"
}

fn process_scope(
    obj: &Map<String, Value>,
    manifest_url: &Url,
    start_url: &Url,
    warnings: &mut Vec<String>,
) -> Url {
    let default = default_scope(start_url);
    let Some(value) = obj.get("scope") else {
        return default;
    };
    let Value::String(s) = value else {
        warnings.push("scope is not a string; using the default scope".into());
        return default;
    };
    if s.is_empty() {
        return default;
    }
    let Ok(mut scope) = manifest_url.join(s) else {
        warnings.push(format!(
            "scope \"{s}\" is not a valid URL; using the default scope"
        ));
        return default;
    };
    scope.set_query(None);
    scope.set_fragment(None);
    if scope.origin() != start_url.origin() {
        warnings.push(format!(
            "scope {scope} is on another origin; using the default scope"
        ));
        return default;
    }
    if !within_scope(start_url, &scope) {
        warnings.push(format!(
            "start_url {start_url} is outside scope {scope}; using the default scope"
        ));
        return default;
    }
    scope
}

fn process_icons(
    obj: &Map<String, Value>,
    manifest_url: &Url,
    warnings: &mut Vec<String>,
) -> Vec<ManifestIcon> {
    let Some(value) = obj.get("icons") else {
        return Vec::new();
    };
    let Value::Array(items) = value else {
        warnings.push("icons is not an array; ignored".into());
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let Value::Object(icon) = item else {
                return None;
            };
            let Some(Value::String(src)) = icon.get("src") else {
                return None;
            };
            let Ok(src) = manifest_url.join(src.trim()) else {
                warnings.push(format!("icon src \"{src}\" is not a valid URL; ignored"));
                return None;
            };
            let sizes = match icon.get("sizes") {
                Some(Value::String(s)) => parse_sizes(s),
                _ => Vec::new(),
            };
            let mime = match icon.get("type") {
                Some(Value::String(t)) => {
                    Some(t.trim().to_ascii_lowercase()).filter(|t| !t.is_empty())
                }
                _ => None,
            };
            let purposes = match icon.get("purpose") {
                Some(Value::String(p)) if !p.trim().is_empty() => {
                    let purposes = parse_purposes(p);
                    if purposes.is_empty() {
                        warnings.push(format!("icon {src} has no known purpose \"{p}\"; ignored"));
                        return None;
                    }
                    purposes
                }
                _ => vec![Purpose::Any],
            };
            Some(ManifestIcon {
                src,
                sizes,
                mime,
                purposes,
            })
        })
        .collect()
}

/// Parses an HTML `sizes` value ("16x16 32x32", "any"); malformed tokens are skipped.
pub fn parse_sizes(s: &str) -> Vec<IconSize> {
    s.split_ascii_whitespace()
        .filter_map(|tok| {
            if tok.eq_ignore_ascii_case("any") {
                return Some(IconSize::Any);
            }
            let (w, h) = tok.split_once(['x', 'X'])?;
            let dim = |d: &str| -> Option<u32> {
                // Valid sizes have no leading zero and only digits.
                (!d.is_empty() && !d.starts_with('0') && d.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| d.parse().ok())
                    .flatten()
            };
            Some(IconSize::Px(dim(w)?, dim(h)?))
        })
        .collect()
}

fn parse_purposes(s: &str) -> Vec<Purpose> {
    let mut out = Vec::new();
    for tok in s.split_ascii_whitespace() {
        let p = match tok.to_ascii_lowercase().as_str() {
            "any" => Purpose::Any,
            "maskable" => Purpose::Maskable,
            "monochrome" => Purpose::Monochrome,
            _ => continue,
        };
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn run(json: &str) -> Processed {
        process(
            json,
            &url("https://app.test/static/manifest.json"),
            &url("https://app.test/app/index.html?x=1"),
        )
        .unwrap()
    }

    #[test]
    fn an_empty_manifest_gets_the_spec_defaults() {
        let p = run("{}");
        let m = p.manifest;
        assert_eq!(m.start_url.as_str(), "https://app.test/app/index.html?x=1");
        assert_eq!(m.id.as_str(), "https://app.test/app/index.html?x=1");
        assert_eq!(m.scope.as_str(), "https://app.test/app/");
        assert_eq!(m.display, Display::Browser);
        assert!(m.icons.is_empty() && m.name.is_none());
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn urls_resolve_against_the_manifest_url() {
        let m = run(
            r#"{"start_url": "../app/start", "scope": "../app/", "icons": [{"src": "i/a.png"}]}"#,
        )
        .manifest;
        assert_eq!(m.start_url.as_str(), "https://app.test/app/start");
        assert_eq!(m.scope.as_str(), "https://app.test/app/");
        assert_eq!(m.icons[0].src.as_str(), "https://app.test/static/i/a.png");
    }

    #[test]
    fn a_start_url_on_another_origin_is_ignored() {
        let p = run(r#"{"start_url": "https://evil.test/"}"#);
        assert_eq!(
            p.manifest.start_url.as_str(),
            "https://app.test/app/index.html?x=1"
        );
        assert_eq!(p.warnings.len(), 1);
    }

    #[test]
    fn a_scope_that_excludes_start_url_falls_back_to_the_default() {
        let p = run(r#"{"start_url": "/app/x", "scope": "/other/"}"#);
        assert_eq!(p.manifest.scope.as_str(), "https://app.test/app/");
        assert!(p.warnings[0].contains("outside scope"));
        let p = run(r#"{"start_url": "/app/x", "scope": "https://else.test/app/"}"#);
        assert_eq!(p.manifest.scope.as_str(), "https://app.test/app/");
    }

    #[test]
    fn scope_drops_query_and_fragment() {
        let m = run(r#"{"start_url": "/", "scope": "/?a=b#c"}"#).manifest;
        assert_eq!(m.scope.as_str(), "https://app.test/");
    }

    #[test]
    fn id_resolves_against_the_start_url_origin_without_fragment() {
        let m = run(r#"{"id": "notes#frag", "start_url": "/app/start"}"#).manifest;
        assert_eq!(m.id.as_str(), "https://app.test/notes");
        let m = run(r#"{"id": "https://other.test/x", "start_url": "/app/start"}"#).manifest;
        assert_eq!(m.id.as_str(), "https://app.test/app/start");
        let m = run(r#"{"id": "", "start_url": "/app/start#top"}"#).manifest;
        assert_eq!(m.id.as_str(), "https://app.test/app/start");
    }

    #[test]
    fn members_of_the_wrong_type_are_ignored_with_a_warning() {
        let p = run(
            r#"{"name": 5, "display": "kiosk", "theme_color": "not-a-colour", "icons": {}, "start_url": 3}"#,
        );
        assert_eq!(p.manifest.name, None);
        assert_eq!(p.manifest.display, Display::Browser);
        assert_eq!(p.manifest.theme_color, None);
        assert_eq!(p.warnings.len(), 5, "{:?}", p.warnings);
    }

    #[test]
    fn names_are_trimmed_and_colours_kept() {
        let m = run(r##"{"name": "  Notes  ", "short_name": "N", "display": "standalone", "theme_color": "#123456", "background_color": "white"}"##).manifest;
        assert_eq!(m.name.as_deref(), Some("Notes"));
        assert_eq!(m.short_name.as_deref(), Some("N"));
        assert_eq!(m.display, Display::Standalone);
        assert_eq!(m.theme_color.as_deref(), Some("#123456"));
        assert_eq!(m.background_color.as_deref(), Some("white"));
    }

    #[test]
    fn icons_parse_sizes_type_and_purpose() {
        let m = run(r#"{"icons": [
            {"src": "a.png", "sizes": "48x48 96X96 0x5 10x", "type": "IMAGE/PNG"},
            {"src": "b.svg", "sizes": "any", "purpose": "maskable any"},
            {"src": "c.png", "purpose": "decorative"},
            {"sizes": "1x1"}
        ]}"#)
        .manifest;
        assert_eq!(m.icons.len(), 2);
        assert_eq!(
            m.icons[0].sizes,
            vec![IconSize::Px(48, 48), IconSize::Px(96, 96)]
        );
        assert_eq!(m.icons[0].mime.as_deref(), Some("image/png"));
        assert_eq!(m.icons[0].purposes, vec![Purpose::Any]);
        assert_eq!(m.icons[1].sizes, vec![IconSize::Any]);
        assert_eq!(m.icons[1].purposes, vec![Purpose::Maskable, Purpose::Any]);
    }

    #[test]
    fn invalid_json_and_non_objects_are_errors() {
        let (m, d) = (url("https://a.test/m.json"), url("https://a.test/"));
        assert!(matches!(
            process("{", &m, &d),
            Err(ManifestError::InvalidJson(_))
        ));
        assert_eq!(process("[]", &m, &d), Err(ManifestError::NotAnObject));
        assert!(process("\u{feff}{}", &m, &d).is_ok());
    }

    #[test]
    fn within_scope_is_a_path_prefix_on_the_same_origin() {
        let scope = url("https://a.test/app/");
        assert!(within_scope(&url("https://a.test/app/x?y"), &scope));
        assert!(!within_scope(&url("https://a.test/apple"), &scope));
        assert!(!within_scope(&url("http://a.test/app/"), &scope));
    }
}
