//! Installing a web app from its URL. Two phases: `prepare` does all the network work and
//! validation and touches nothing local; `commit` writes the row and the launcher together, so a
//! failure at any point leaves nothing half-installed.

use std::path::{Path, PathBuf};

use url::Url;

use crate::app_id;
use crate::clock::Clock;
use crate::fetch::{self, FetchError, Fetcher};
use crate::html;
use crate::icon::{self, ImageKind};
use crate::launcher;
use crate::manifest::{self, Manifest, ManifestError};
use crate::paths::Paths;
use crate::store::apps::{self, App};
use crate::store::{Store, StoreError};

/// Why an install failed. Each message is one line a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// The argument is not an absolute http(s) URL.
    #[error(
        "\"{0}\" is not a valid URL (give the full address, starting with https:// or http://)"
    )]
    InvalidUrl(String),
    /// The page could not be fetched.
    #[error("{0}")]
    Page(FetchError),
    /// The page is not HTML.
    #[error("{url} is not an HTML page (Content-Type: {mime})")]
    NotHtml {
        /// The page.
        url: Url,
        /// Its MIME type.
        mime: String,
    },
    /// The page links no manifest, so it is not an installable web app.
    #[error("{0} has no <link rel=\"manifest\">: it is not an installable web app")]
    NoManifestLink(Url),
    /// The manifest could not be fetched.
    #[error("cannot fetch the web app manifest: {0}")]
    ManifestFetch(FetchError),
    /// The manifest could not be processed.
    #[error("web app manifest {url}: {source}")]
    Manifest {
        /// The manifest.
        url: Url,
        /// Why.
        source: ManifestError,
    },
    /// The database refused.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A launcher or icon file could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl From<rusqlite::Error> for InstallError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(StoreError::Sql(e))
    }
}

/// An icon that was downloaded and recognised.
#[derive(Debug, Clone)]
pub struct FetchedIcon {
    /// Where it came from.
    pub url: Url,
    /// Its format.
    pub kind: ImageKind,
    /// The image.
    pub bytes: Vec<u8>,
}

/// Everything fetched and validated; nothing written yet.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The processed manifest.
    pub manifest: Manifest,
    /// The name to show.
    pub name: String,
    /// Where the manifest came from (after redirects).
    pub manifest_url: Url,
    /// The page (after redirects).
    pub document_url: Url,
    /// The chosen icon, if one could be had.
    pub icon: Option<FetchedIcon>,
    /// Things ignored or missing, for the user.
    pub warnings: Vec<String>,
}

/// What `commit` did.
#[derive(Debug, Clone)]
pub struct Installed {
    /// The app as stored.
    pub app: App,
    /// True when an app with the same manifest id was already installed and got updated.
    pub updated: bool,
    /// Things ignored or missing, for the user.
    pub warnings: Vec<String>,
}

/// Parses the user's URL argument.
pub fn parse_install_url(input: &str) -> Result<Url, InstallError> {
    let input = input.trim();
    match Url::parse(input) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
        _ => Err(InstallError::InvalidUrl(input.to_owned())),
    }
}

/// A step of an install, as a progress display names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallStep {
    /// Fetching the page.
    Page,
    /// Fetching and reading the manifest.
    Manifest,
    /// Fetching the icon.
    Icon,
    /// Writing the launcher and storing the app ([`Prepared::commit`]).
    Launcher,
}

impl InstallStep {
    /// Its name: `page`, `manifest`, `icon`, `launcher`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Page => "page",
            Self::Manifest => "manifest",
            Self::Icon => "icon",
            Self::Launcher => "launcher",
        }
    }
}

/// Fetches the page, its manifest and the best icon, and validates them. Writes nothing.
pub async fn prepare(fetcher: &Fetcher, input: &str) -> Result<Prepared, InstallError> {
    prepare_with_progress(fetcher, input, &|_| {}).await
}

/// [`prepare`], telling `progress` of each step as it starts.
pub async fn prepare_with_progress(
    fetcher: &Fetcher,
    input: &str,
    progress: &(dyn Fn(InstallStep) + Sync),
) -> Result<Prepared, InstallError> {
    let url = parse_install_url(input)?;
    progress(InstallStep::Page);
    let page = fetcher
        .get(&url, fetch::MAX_PAGE_BYTES)
        .await
        .map_err(InstallError::Page)?;
    if let Some(mime) = &page.mime {
        if mime != "text/html" && mime != "application/xhtml+xml" {
            return Err(InstallError::NotHtml {
                url: page.url,
                mime: mime.clone(),
            });
        }
    }
    // Lossy decoding is enough here: the tags looked for are ASCII.
    let info = html::scan(&String::from_utf8_lossy(&page.body), &page.url);
    let manifest_link = info
        .manifest
        .clone()
        .ok_or_else(|| InstallError::NoManifestLink(page.url.clone()))?;
    progress(InstallStep::Manifest);
    let fetched = fetcher
        .get(&manifest_link, fetch::MAX_MANIFEST_BYTES)
        .await
        .map_err(InstallError::ManifestFetch)?;
    let manifest_error = |source| InstallError::Manifest {
        url: fetched.url.clone(),
        source,
    };
    let text = std::str::from_utf8(&fetched.body)
        .map_err(|e| manifest_error(ManifestError::InvalidJson(format!("not UTF-8: {e}"))))?;
    let processed = manifest::process(text, &fetched.url, &page.url).map_err(manifest_error)?;
    let manifest = processed.manifest;
    let mut warnings = processed.warnings;

    let name = manifest
        .name
        .clone()
        .or_else(|| manifest.short_name.clone())
        .or_else(|| {
            warnings.push("the manifest has no name; using the page title".into());
            info.title.clone()
        })
        .unwrap_or_else(|| {
            let host = manifest.start_url.host_str().unwrap_or("app").to_owned();
            warnings.push(format!("the page has no title either; using \"{host}\""));
            host
        });
    if manifest.start_url.scheme() == "http" && !is_loopback(&manifest.start_url) {
        warnings.push(
            "http:// on a non-loopback host is not a secure context: service workers and background sync will not work there; use https://"
                .into(),
        );
    }
    progress(InstallStep::Icon);
    let icon = fetch_best_icon(fetcher, &manifest, &info.icons, &mut warnings).await;
    Ok(Prepared {
        manifest,
        name,
        manifest_url: fetched.url,
        document_url: page.url,
        icon,
        warnings,
    })
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        None => false,
    }
}

async fn fetch_best_icon(
    fetcher: &Fetcher,
    manifest: &Manifest,
    page_icons: &[html::PageIcon],
    warnings: &mut Vec<String>,
) -> Option<FetchedIcon> {
    let candidates = icon::candidates(&manifest.icons, page_icons);
    if candidates.is_empty() {
        warnings.push(
            "no usable icon is declared (PNG or SVG, purpose \"any\"); installed without an icon"
                .into(),
        );
        return None;
    }
    let mut failures = Vec::new();
    for url in candidates {
        match fetcher.get(&url, fetch::MAX_ICON_BYTES).await {
            Ok(got) => match icon::sniff(&got.body) {
                Some(kind) => {
                    return Some(FetchedIcon {
                        url,
                        kind,
                        bytes: got.body,
                    })
                }
                None => failures.push(format!("{url} is not a PNG or SVG image")),
            },
            Err(e) => failures.push(e.to_string()),
        }
    }
    warnings.push(format!(
        "no icon could be downloaded ({}); installed without an icon",
        failures.join("; ")
    ));
    None
}

impl Prepared {
    /// Stores the app and writes its launcher and icons, all or nothing. Reinstalling the same
    /// manifest id updates that app (same app id, window size kept) instead of adding another.
    pub fn commit(
        self,
        store: &mut Store,
        paths: &Paths,
        clock: &dyn Clock,
        exe: &Path,
    ) -> Result<Installed, InstallError> {
        let manifest_id = self.manifest.id.to_string();
        let existing = apps::find_by_manifest_id(store.conn(), &manifest_id)?;
        let id = match &existing {
            Some(app) => app.id.clone(),
            None => {
                let host = self
                    .manifest
                    .start_url
                    .host_str()
                    .unwrap_or("")
                    .replace('.', " ");
                let names = [
                    self.manifest.short_name.as_deref().unwrap_or(""),
                    self.name.as_str(),
                    host.as_str(),
                ];
                let mut error = None;
                let id = app_id::derive(&names, |id| {
                    apps::id_taken(store.conn(), id).unwrap_or_else(|e| {
                        error = Some(e);
                        true
                    })
                });
                if let Some(e) = error {
                    return Err(e.into());
                }
                id
            }
        };
        let now = clock.now_ms();
        let m = &self.manifest;
        let app = App {
            id: id.clone(),
            manifest_id,
            name: self.name.clone(),
            short_name: m.short_name.clone(),
            description: m.description.clone(),
            start_url: m.start_url.clone(),
            scope: m.scope.clone(),
            origin: m.start_url.origin().ascii_serialization(),
            display: m.display,
            theme_color: m.theme_color.clone(),
            background_color: m.background_color.clone(),
            manifest_url: self.manifest_url.clone(),
            document_url: self.document_url.clone(),
            has_icon: self.icon.is_some(),
            window_size: existing.as_ref().and_then(|a| a.window_size),
            installed_at: existing.as_ref().map_or(now, |a| a.installed_at),
            updated_at: now,
        };
        let stale_icons = launcher::theme_icons(paths, &id);
        let mut written = Vec::new();
        let result = store.transaction(|tx| {
            apps::upsert(tx, &app)?;
            self.write_files(&app, paths, exe, &mut written)
        });
        match result {
            Ok(()) => {
                // An update may have moved the icon to another size directory.
                for old in stale_icons.iter().filter(|p| !written.contains(p)) {
                    let _ = launcher::remove_if_present(old);
                }
                Ok(Installed {
                    app,
                    updated: existing.is_some(),
                    warnings: self.warnings,
                })
            }
            Err(e) => {
                if existing.is_none() {
                    for path in &written {
                        let _ = launcher::remove_if_present(path);
                    }
                    let _ = std::fs::remove_dir(paths.app_dir(&id));
                }
                Err(e)
            }
        }
    }

    fn write_files(
        &self,
        app: &App,
        paths: &Paths,
        exe: &Path,
        written: &mut Vec<PathBuf>,
    ) -> Result<(), InstallError> {
        let mut write = |path: PathBuf, bytes: &[u8]| {
            launcher::write_atomic(&path, bytes).map_err(|source| InstallError::Io {
                path: path.clone(),
                source,
            })?;
            written.push(path);
            Ok::<(), InstallError>(())
        };
        if let Some(icon) = &self.icon {
            write(app_icon_path(paths, &app.id, icon.kind), &icon.bytes)?;
            write(
                launcher::theme_icon_path(paths, &app.id, icon.kind),
                &icon.bytes,
            )?;
        }
        let entry = launcher::desktop_entry(app, exe, self.icon.is_some());
        write(paths.desktop_file(&app.id), entry.as_bytes())
    }
}

/// The app's own copy of its icon, next to its WebKit data.
pub fn app_icon_path(paths: &Paths, app_id: &str, kind: ImageKind) -> PathBuf {
    match kind {
        ImageKind::Svg => paths.app_dir(app_id).join("icon.svg"),
        ImageKind::Png { .. } => window_icon_path(paths, app_id),
    }
}

/// The PNG copy of the app's icon, which windows can use (they take no SVG).
pub fn window_icon_path(paths: &Paths, app_id: &str) -> PathBuf {
    paths.app_dir(app_id).join("icon.png")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_urls_must_be_absolute_http() {
        assert!(parse_install_url(" https://app.test/x ").is_ok());
        for bad in [
            "app.test",
            "ftp://app.test/",
            "file:///etc/passwd",
            "",
            "https://",
            "javascript:alert(1)",
        ] {
            let err = parse_install_url(bad).unwrap_err();
            assert!(
                err.to_string().contains("is not a valid URL"),
                "{bad}: {err}"
            );
        }
    }
}
