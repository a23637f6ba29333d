//! A notification's own icon: the desktop's server wants a file, apps give a URL. An icon of the
//! app's own origin is fetched by the page or worker that shows the notification (so the app's
//! cookies go with it) and arrives as bytes; any other the host fetches itself (time-limited,
//! size-capped). Either is kept, PNG or SVG by content, in the app's data directory; when there is
//! none the app's installed icon is shown instead, and the notification is never held up for long.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use syncshell_core::icon;
use syncshell_core::install::window_icon_path;
use syncshell_core::store::apps::App;
use url::Url;

use super::Notifier;

/// The longest a notification waits for its icon.
const ICON_TIMEOUT: Duration = Duration::from_secs(2);
/// The largest icon fetched or taken.
const MAX_ICON_BYTES: usize = 1024 * 1024;

/// Where a notification's icon comes from.
#[derive(Debug, PartialEq)]
pub enum IconSource {
    /// The app's installed icon.
    Installed,
    /// A URL the host fetches (once: it is kept by URL).
    Url(Url),
    /// The icon's bytes, as the page or worker fetched them.
    Bytes(Vec<u8>),
}

impl IconSource {
    /// The source of a show call's icon: the caller's bytes (`data`, base64) when it sent them,
    /// else the `icon` URL when it is http(s). Bytes that do not decode, or are too many, mean the
    /// installed icon: the caller did fetch the URL, and the host would fetch it without cookies.
    pub fn from_call(url: &str, data: Option<&str>) -> Self {
        if let Some(data) = data {
            return match base64::engine::general_purpose::STANDARD.decode(data) {
                Ok(bytes) if !bytes.is_empty() && bytes.len() <= MAX_ICON_BYTES => {
                    Self::Bytes(bytes)
                }
                _ => Self::Installed,
            };
        }
        match Url::parse(url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Self::Url(url),
            _ => Self::Installed,
        }
    }
}

fn stem_of(value: impl Hash) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

impl Notifier {
    /// The icon file for a notification of `app` whose icon comes from `source`.
    pub(super) async fn icon_file(&self, app: &App, source: IconSource) -> Option<String> {
        let dir = self.ctx.paths.app_dir(&app.id).join("notification-icons");
        let own = match source {
            IconSource::Url(url) => self.fetched_icon(app, &dir, &url).await,
            // Kept by content: an icon behind the app's login may differ from one user to the next.
            IconSource::Bytes(bytes) => keep_icon(&dir, &stem_of(&bytes), &bytes),
            IconSource::Installed => None,
        };
        own.or_else(|| {
            let installed = window_icon_path(&self.ctx.paths, &app.id);
            installed.exists().then_some(installed)
        })
        .map(|path| path.to_string_lossy().into_owned())
    }

    async fn fetched_icon(&self, app: &App, dir: &Path, url: &Url) -> Option<PathBuf> {
        let stem = stem_of(url.as_str());
        if let Some(cached) = kept_icon(dir, &stem) {
            return Some(cached);
        }
        let fetched = tokio::time::timeout(ICON_TIMEOUT, self.ctx.fetcher.get(url, MAX_ICON_BYTES))
            .await
            .ok()?
            .map_err(|e| eprintln!("syncshell: notification icon {url} of {}: {e}", app.id))
            .ok()?;
        keep_icon(dir, &stem, &fetched.body)
    }
}

/// The file kept under `stem`, if any.
fn kept_icon(dir: &Path, stem: &str) -> Option<PathBuf> {
    ["png", "svg"]
        .into_iter()
        .map(|ext| dir.join(format!("{stem}.{ext}")))
        .find(|path| path.exists())
}

/// Keeps `bytes` under `stem` when they are a PNG or an SVG (none of anything else).
fn keep_icon(dir: &Path, stem: &str, bytes: &[u8]) -> Option<PathBuf> {
    let ext = match icon::sniff(bytes)? {
        icon::ImageKind::Png { .. } => "png",
        icon::ImageKind::Svg => "svg",
    };
    if let Some(kept) = kept_icon(dir, stem) {
        return Some(kept);
    }
    let path = dir.join(format!("{stem}.{ext}"));
    std::fs::create_dir_all(dir).ok()?;
    // Written whole then renamed: a server never reads half a file.
    let partial = dir.join(format!("{stem}.part"));
    std::fs::write(&partial, bytes).ok()?;
    std::fs::rename(&partial, &path).ok()?;
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callers_bytes_win_over_the_url_and_bad_bytes_mean_the_installed_icon() {
        let url = "https://app.test/icon.png";
        assert_eq!(
            IconSource::from_call(url, Some("iVBORw0=")),
            IconSource::Bytes(vec![0x89, b'P', b'N', b'G', 13])
        );
        assert_eq!(
            IconSource::from_call(url, None),
            IconSource::Url(Url::parse(url).unwrap())
        );
        assert_eq!(
            IconSource::from_call(url, Some("not base64!")),
            IconSource::Installed
        );
        assert_eq!(IconSource::from_call(url, Some("")), IconSource::Installed);
        let too_big = base64::engine::general_purpose::STANDARD.encode(vec![0; MAX_ICON_BYTES + 1]);
        assert_eq!(
            IconSource::from_call(url, Some(&too_big)),
            IconSource::Installed
        );
        assert_eq!(IconSource::from_call("", None), IconSource::Installed);
        assert_eq!(
            IconSource::from_call("data:image/png;base64,AA==", None),
            IconSource::Installed
        );
    }

    #[test]
    fn icons_are_kept_only_when_png_or_svg_and_once_per_stem() {
        let dir = tempfile::tempdir().unwrap();
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"/>"#;
        let kept = keep_icon(dir.path(), "a", svg).unwrap();
        assert_eq!(kept, dir.path().join("a.svg"));
        assert_eq!(std::fs::read(&kept).unwrap(), svg);
        assert_eq!(keep_icon(dir.path(), "b", b"<html>not an icon"), None);
        assert_eq!(kept_icon(dir.path(), "a"), Some(kept));
        assert_eq!(kept_icon(dir.path(), "b"), None);
    }
}
