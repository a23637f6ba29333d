//! Where syncshell keeps its files, following the XDG base directory specification.

use std::path::{Path, PathBuf};

/// Every directory and file syncshell reads or writes. Built once from the environment (or by tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// `$XDG_DATA_HOME/syncshell`: the database and per-app data.
    pub data_dir: PathBuf,
    /// `$XDG_CONFIG_HOME/syncshell`: the config file.
    pub config_dir: PathBuf,
    /// `$XDG_RUNTIME_DIR/syncshell`: control socket, lock and pid files (owner-only).
    pub runtime_dir: PathBuf,
    /// `$XDG_DATA_HOME/applications`: where launchers go.
    pub applications_dir: PathBuf,
    /// `$XDG_DATA_HOME/icons/hicolor`: where launcher icons go.
    pub icon_theme_dir: PathBuf,
    /// `$XDG_CONFIG_HOME/autostart`: where the login autostart entry goes.
    pub autostart_dir: PathBuf,
}

/// `HOME` is not set, so there is nowhere to keep data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("HOME is not set")]
pub struct NoHome;

impl Paths {
    /// Paths under the given XDG roots.
    pub fn new(data_home: &Path, config_home: &Path, runtime_dir: &Path) -> Self {
        Self {
            data_dir: data_home.join("syncshell"),
            config_dir: config_home.join("syncshell"),
            runtime_dir: runtime_dir.join("syncshell"),
            applications_dir: data_home.join("applications"),
            icon_theme_dir: data_home.join("icons").join("hicolor"),
            autostart_dir: config_home.join("autostart"),
        }
    }

    /// Paths from `XDG_*` variables, with the specification's defaults under `$HOME`. Without
    /// `XDG_RUNTIME_DIR` the runtime files go to a per-user directory under the system temp dir,
    /// which `ensure_private_dir` then makes owner-only.
    pub fn from_env() -> Result<Self, NoHome> {
        let home = std::env::var_os("HOME").map(PathBuf::from).ok_or(NoHome)?;
        let var = |name: &str, default: PathBuf| {
            std::env::var_os(name)
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .unwrap_or(default)
        };
        let data_home = var("XDG_DATA_HOME", home.join(".local/share"));
        let config_home = var("XDG_CONFIG_HOME", home.join(".config"));
        let uid = rustix::process::getuid().as_raw();
        let runtime = var(
            "XDG_RUNTIME_DIR",
            std::env::temp_dir().join(format!("syncshell-runtime-{uid}")),
        );
        Ok(Self::new(&data_home, &config_home, &runtime))
    }

    /// The SQLite database.
    pub fn database(&self) -> PathBuf {
        self.data_dir.join("syncshell.db")
    }

    /// The local certificate authority (owner-only): see `syncshell_proxy::ca`.
    pub fn tls_dir(&self) -> PathBuf {
        self.data_dir.join("tls")
    }

    /// The settings panel's own WebKit data (no app's).
    pub fn settings_webview_dir(&self) -> PathBuf {
        self.data_dir.join("settings-webview")
    }

    /// Everything that belongs to one installed app (WebKit data, icon copy).
    pub fn app_dir(&self, app_id: &str) -> PathBuf {
        self.data_dir.join("apps").join(app_id)
    }

    /// The app's own WebKit data directory: cookies, IndexedDB, service workers, caches.
    pub fn webview_data_dir(&self, app_id: &str) -> PathBuf {
        self.app_dir(app_id).join("webview")
    }

    /// The launcher file of an app.
    pub fn desktop_file(&self, app_id: &str) -> PathBuf {
        self.applications_dir
            .join(format!("{}.desktop", launcher_name(app_id)))
    }

    /// The launcher of the settings panel, "syncshell Settings" (not `syncshell-…`: no app's
    /// launcher can take its name).
    pub fn settings_desktop_file(&self) -> PathBuf {
        self.applications_dir.join("syncshell.desktop")
    }

    /// syncshell's own icon in the hicolor theme (the settings launcher's).
    pub fn own_icon_file(&self) -> PathBuf {
        self.icon_theme_dir.join("512x512/apps/syncshell.png")
    }

    /// The entry that starts the host at login.
    pub fn autostart_file(&self) -> PathBuf {
        self.autostart_dir.join("syncshell.desktop")
    }

    /// The control socket of the running host.
    pub fn control_socket(&self) -> PathBuf {
        self.runtime_dir.join("control.sock")
    }

    /// The lock file held by the running host for its whole life.
    pub fn host_lock(&self) -> PathBuf {
        self.runtime_dir.join("host.lock")
    }

    /// The file the running host writes its pid to.
    pub fn host_pid(&self) -> PathBuf {
        self.runtime_dir.join("host.pid")
    }
}

/// The launcher and icon name of an app: `syncshell-APP_ID`, so ours never clash with other programs'.
pub fn launcher_name(app_id: &str) -> String {
    format!("syncshell-{app_id}")
}

/// Creates the data directory (and parents) and makes it owner-only (0700), as Chromium keeps its
/// profile: it holds each app's cookies and storage, the CA's private key and the tokens that let
/// a worker speak for its app through the proxy, which any local user can reach on loopback. A
/// data directory that is a link is followed (moving it to another disk is the user's business;
/// unlike the runtime directory's fallback under `/tmp`, no one else can plant it).
pub fn ensure_data_dir(paths: &Paths) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&paths.data_dir)?;
    std::fs::set_permissions(&paths.data_dir, std::fs::Permissions::from_mode(0o700))
}

/// Creates `dir` (and parents) and makes it owner-only (0700), as the control socket's directory must be.
/// A `dir` that is a symbolic link, or a directory of another user, is refused: someone who could
/// plant one (under `/tmp`, where the runtime directory falls back to) would otherwise get the
/// control socket put where they choose.
pub fn ensure_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let meta = std::fs::symlink_metadata(dir)?;
    let refuse = |why: String| {
        std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!("{} {why}; remove it and try again", dir.display()),
        )
    };
    if meta.file_type().is_symlink() {
        return Err(refuse("is a symbolic link".into()));
    }
    let me = rustix::process::getuid().as_raw();
    if meta.uid() != me {
        return Err(refuse(format!(
            "belongs to uid {}, not to you (uid {me})",
            meta.uid()
        )));
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_xdg_layout() {
        let p = Paths::new(Path::new("/d"), Path::new("/c"), Path::new("/r"));
        assert_eq!(p.database(), Path::new("/d/syncshell/syncshell.db"));
        assert_eq!(
            p.desktop_file("notes"),
            Path::new("/d/applications/syncshell-notes.desktop")
        );
        assert_eq!(
            p.webview_data_dir("notes"),
            Path::new("/d/syncshell/apps/notes/webview")
        );
        assert_eq!(p.control_socket(), Path::new("/r/syncshell/control.sock"));
    }

    #[test]
    fn private_dir_is_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        ensure_private_dir(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }

    #[test]
    fn a_private_dir_is_made_owner_only_and_a_planted_symlink_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run/syncshell");
        ensure_private_dir(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        // Someone else's directory behind a link: refused, and left as it was.
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o777)).unwrap();
        let planted = tmp.path().join("planted");
        std::os::unix::fs::symlink(&elsewhere, &planted).unwrap();
        let err = ensure_private_dir(&planted).unwrap_err();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
        let mode = std::fs::metadata(&elsewhere).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o777, "the link's target is not touched");
    }

    #[test]
    fn the_data_directory_becomes_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let paths = Paths::new(
            &tmp.path().join("data"),
            &tmp.path().join("config"),
            tmp.path(),
        );
        // Made by an older syncshell, readable by everyone.
        std::fs::create_dir_all(&paths.data_dir).unwrap();
        std::fs::set_permissions(&paths.data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        ensure_data_dir(&paths).unwrap();
        let mode = std::fs::metadata(&paths.data_dir)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}
