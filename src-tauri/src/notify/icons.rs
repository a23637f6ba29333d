//! A notification's own icon: the desktop's server wants a file, apps give a URL. The host fetches
//! it (time-limited, size-capped, PNG or SVG by content) into the app's data directory, once per
//! URL; when that fails the app's installed icon is shown instead, and the notification is never
//! held up for long.

use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::time::Duration;

use syncshell_core::icon;
use syncshell_core::install::window_icon_path;
use syncshell_core::store::apps::App;
use url::Url;

use super::Notifier;

/// The longest a notification waits for its icon.
const ICON_TIMEOUT: Duration = Duration::from_secs(2);
/// The largest icon fetched.
const MAX_ICON_BYTES: usize = 1024 * 1024;

impl Notifier {
    /// The icon file for a notification of `app` asking for `url` (may be empty).
    pub(super) async fn icon_file(&self, app: &App, url: &str) -> Option<String> {
        let own = match Url::parse(url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {
                self.fetched_icon(app, &url).await
            }
            _ => None,
        };
        own.or_else(|| {
            let installed = window_icon_path(&self.ctx.paths, &app.id);
            installed.exists().then_some(installed)
        })
        .map(|path| path.to_string_lossy().into_owned())
    }

    async fn fetched_icon(&self, app: &App, url: &Url) -> Option<PathBuf> {
        let dir = self.ctx.paths.app_dir(&app.id).join("notification-icons");
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        url.as_str().hash(&mut hasher);
        let stem = format!("{:016x}", hasher.finish());
        for ext in ["png", "svg"] {
            let cached = dir.join(format!("{stem}.{ext}"));
            if cached.exists() {
                return Some(cached);
            }
        }
        let fetched = tokio::time::timeout(ICON_TIMEOUT, self.ctx.fetcher.get(url, MAX_ICON_BYTES))
            .await
            .ok()?
            .map_err(|e| eprintln!("syncshell: notification icon {url} of {}: {e}", app.id))
            .ok()?;
        let ext = match icon::sniff(&fetched.body)? {
            icon::ImageKind::Png { .. } => "png",
            icon::ImageKind::Svg => "svg",
        };
        let path = dir.join(format!("{stem}.{ext}"));
        std::fs::create_dir_all(&dir).ok()?;
        // Written whole then renamed: a server never reads half a file.
        let partial = dir.join(format!("{stem}.part"));
        std::fs::write(&partial, &fetched.body).ok()?;
        std::fs::rename(&partial, &path).ok()?;
        Some(path)
    }
}
