//! Freedesktop launchers: the `.desktop` entry and the icon in the hicolor theme.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::icon::{self, ImageKind};
use crate::paths::{launcher_name, Paths};
use crate::store::apps::App;

/// The `.desktop` entry that launches `app` through `exe open ID`.
pub fn desktop_entry(app: &App, exe: &Path, with_icon: bool) -> String {
    let mut entry = String::from("[Desktop Entry]\nType=Application\nVersion=1.5\n");
    entry += &format!("Name={}\n", escape_value(&app.name));
    if let Some(short) = &app.short_name {
        entry += &format!("GenericName={}\n", escape_value(short));
    }
    if let Some(description) = &app.description {
        entry += &format!("Comment={}\n", escape_value(description));
    }
    let exec = format!("{} open {}", quote_exec_arg(&exe.to_string_lossy()), app.id);
    entry += &format!("Exec={}\n", escape_value(&exec));
    if with_icon {
        entry += &format!("Icon={}\n", launcher_name(&app.id));
    }
    // UsesNotifications: GNOME lists the app in its notification settings (per-app switches).
    entry +=
        "Terminal=false\nCategories=Network;\nStartupNotify=true\nX-GNOME-UsesNotifications=true\n";
    entry += &format!("X-Syncshell-AppId={}\n", app.id);
    entry += &format!("X-Syncshell-Url={}\n", escape_value(app.start_url.as_str()));
    entry
}

/// The XDG autostart entry that starts the host in the tray at login, so installed apps' background
/// work goes on without anyone opening them.
pub fn autostart_entry(exe: &Path) -> String {
    format!(
        "[Desktop Entry]\nType=Application\nVersion=1.5\nName=syncshell\n\
         Comment=Runs installed web apps' background sync\nExec={} --background\nTerminal=false\n\
         NoDisplay=true\nX-GNOME-Autostart-enabled=true\n",
        escape_value(&quote_exec_arg(&exe.to_string_lossy()))
    )
}

/// Whether the autostart entry `text` was turned off (`Hidden=true` or
/// `X-GNOME-Autostart-enabled=false`, as desktop settings and [`set_autostart`] write).
fn turned_off(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        l == "Hidden=true" || l == "X-GNOME-Autostart-enabled=false"
    })
}

/// Writes the autostart entry unless the user turned it off.
pub fn enable_autostart(paths: &Paths, exe: &Path) -> std::io::Result<()> {
    let file = paths.autostart_file();
    if std::fs::read_to_string(&file).is_ok_and(|existing| turned_off(&existing)) {
        return Ok(());
    }
    write_atomic(&file, autostart_entry(exe).as_bytes())
}

/// Whether the host starts at login: the entry is there and not turned off.
pub fn autostart_enabled(paths: &Paths) -> bool {
    std::fs::read_to_string(paths.autostart_file()).is_ok_and(|text| !turned_off(&text))
}

/// The user's choice (the settings panel's switch): on writes the entry; off writes it turned
/// off (`Hidden=true`), so a later install does not turn it on again.
pub fn set_autostart(paths: &Paths, exe: &Path, on: bool) -> std::io::Result<()> {
    let mut entry = autostart_entry(exe);
    if !on {
        entry = entry.replace(
            "X-GNOME-Autostart-enabled=true\n",
            "X-GNOME-Autostart-enabled=false\n",
        ) + "Hidden=true\n";
    }
    write_atomic(&paths.autostart_file(), entry.as_bytes())
}

/// The launcher of the settings panel, "syncshell Settings".
pub fn settings_entry(exe: &Path) -> String {
    format!(
        "[Desktop Entry]\nType=Application\nVersion=1.5\nName=syncshell Settings\n\
         Comment=Installed web apps, their permissions and background sync\nExec={} settings\n\
         Icon=syncshell\nTerminal=false\nCategories=Settings;Network;\nStartupNotify=true\n",
        escape_value(&quote_exec_arg(&exe.to_string_lossy()))
    )
}

/// Writes the settings panel's launcher and syncshell's icon (`icon_png`), when they differ from
/// what is there (the launcher names this executable's path).
pub fn write_settings_launcher(paths: &Paths, exe: &Path, icon_png: &[u8]) -> std::io::Result<()> {
    let entry = settings_entry(exe);
    let file = paths.settings_desktop_file();
    if std::fs::read_to_string(&file).ok().as_deref() != Some(entry.as_str()) {
        write_atomic(&file, entry.as_bytes())?;
    }
    let icon = paths.own_icon_file();
    if std::fs::read(&icon).ok().as_deref() != Some(icon_png) {
        write_atomic(&icon, icon_png)?;
    }
    Ok(())
}

/// Escapes a string value as the Desktop Entry spec says (and drops `%` field codes' meaning).
fn escape_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Quotes one Exec argument when it contains characters the spec reserves; `%` is doubled.
fn quote_exec_arg(arg: &str) -> String {
    let arg = arg.replace('%', "%%");
    const RESERVED: &str = " \t\n\"'\\><~|&;$*?#()`";
    if !arg.chars().any(|c| RESERVED.contains(c)) {
        return arg;
    }
    let mut out = String::from("\"");
    for c in arg.chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Where the app's launcher icon goes in the user's hicolor theme.
pub fn theme_icon_path(paths: &Paths, app_id: &str, kind: ImageKind) -> PathBuf {
    let ext = match kind {
        ImageKind::Svg => "svg",
        ImageKind::Png { .. } => "png",
    };
    paths
        .icon_theme_dir
        .join(icon::theme_dir(kind))
        .join("apps")
        .join(format!("{}.{ext}", launcher_name(app_id)))
}

/// The app's icon files in the theme, in whatever size directories they are.
pub fn theme_icons(paths: &Paths, app_id: &str) -> Vec<PathBuf> {
    let name = launcher_name(app_id);
    let Ok(dirs) = std::fs::read_dir(&paths.icon_theme_dir) else {
        return Vec::new();
    };
    dirs.flatten()
        .flat_map(|d| ["png", "svg"].map(|ext| d.path().join("apps").join(format!("{name}.{ext}"))))
        .filter(|p| p.exists())
        .collect()
}

/// Writes `bytes` to `path` through a temporary file and a rename, so readers (the desktop's
/// launcher index) never see a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("path has no parent"))?;
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Removes a file; one that is already gone is fine.
pub fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::apps::sample;

    #[test]
    fn the_entry_runs_open_with_the_app_id() {
        let mut app = sample("notes", "m");
        app.name = "Notes\nand more".into();
        app.description = Some("Back\\slash".into());
        let entry = desktop_entry(&app, Path::new("/usr/bin/syncshell"), true);
        assert!(entry.starts_with("[Desktop Entry]\n"));
        assert!(entry.contains("\nName=Notes\\nand more\n"));
        assert!(entry.contains("\nComment=Back\\\\slash\n"));
        assert!(entry.contains("\nExec=/usr/bin/syncshell open notes\n"));
        assert!(entry.contains("\nIcon=syncshell-notes\n"));
    }

    #[test]
    fn exec_paths_with_spaces_are_quoted() {
        let app = sample("notes", "m");
        let entry = desktop_entry(&app, Path::new("/opt/my apps/sync$shell%"), false);
        assert!(
            entry.contains("\nExec=\"/opt/my apps/sync\\\\$shell%%\" open notes\n"),
            "{entry}"
        );
        assert!(!entry.contains("Icon="));
    }

    #[test]
    fn autostart_respects_a_user_who_turned_it_off() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = Paths::new(tmp.path(), &tmp.path().join("config"), tmp.path());
        enable_autostart(&paths, Path::new("/usr/bin/syncshell")).unwrap();
        let entry = std::fs::read_to_string(paths.autostart_file()).unwrap();
        assert!(
            entry.contains("\nExec=/usr/bin/syncshell --background\n"),
            "{entry}"
        );
        let off = entry.replace(
            "X-GNOME-Autostart-enabled=true",
            "X-GNOME-Autostart-enabled=false",
        );
        std::fs::write(paths.autostart_file(), &off).unwrap();
        enable_autostart(&paths, Path::new("/other/syncshell")).unwrap();
        assert_eq!(
            std::fs::read_to_string(paths.autostart_file()).unwrap(),
            off
        );
    }

    #[test]
    fn atomic_writes_replace_and_leave_no_temp_files() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a/b.desktop");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
        remove_if_present(&path).unwrap();
        remove_if_present(&path).unwrap();
    }

    #[test]
    fn the_autostart_switch_survives_a_later_install() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = Paths::new(tmp.path(), tmp.path(), tmp.path());
        let exe = Path::new("/usr/bin/syncshell");
        assert!(!autostart_enabled(&paths));
        enable_autostart(&paths, exe).unwrap();
        assert!(autostart_enabled(&paths));
        set_autostart(&paths, exe, false).unwrap();
        assert!(!autostart_enabled(&paths));
        // An install asks for it again: the user's choice stands.
        enable_autostart(&paths, exe).unwrap();
        assert!(!autostart_enabled(&paths));
        set_autostart(&paths, exe, true).unwrap();
        assert!(autostart_enabled(&paths));
    }

    #[test]
    fn the_settings_launcher_opens_the_panel_with_syncshells_icon() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = Paths::new(tmp.path(), tmp.path(), tmp.path());
        write_settings_launcher(&paths, Path::new("/opt/my apps/syncshell"), b"png").unwrap();
        let entry = std::fs::read_to_string(paths.settings_desktop_file()).unwrap();
        assert!(entry.contains("Name=syncshell Settings\n"), "{entry}");
        assert!(
            entry.contains("Exec=\"/opt/my apps/syncshell\" settings\n"),
            "{entry}"
        );
        assert!(entry.contains("Icon=syncshell\n"));
        assert_eq!(std::fs::read(paths.own_icon_file()).unwrap(), b"png");
    }
}
