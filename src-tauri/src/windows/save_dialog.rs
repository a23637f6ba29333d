//! The "Save as" dialog of the settings panel (the log's "Save as JSON"): GTK's own file chooser,
//! modal to the settings window, asking before it overwrites a file.

use std::path::PathBuf;

use gtk::prelude::{FileChooserExt, GtkWindowExt, WidgetExt};
use tauri::Manager;
use tokio::sync::oneshot;

use super::{WindowError, Windows, SETTINGS_LABEL};

impl Windows {
    /// Asks where to save a file, suggesting `name` in the user's Downloads folder (or home).
    /// Resolves to the chosen path, or `None` when the user cancelled. The settings window must
    /// be open.
    pub fn ask_save_path(
        &self,
        name: &str,
    ) -> Result<oneshot::Receiver<Option<PathBuf>>, WindowError> {
        let window = self
            .handle
            .get_webview_window(SETTINGS_LABEL)
            .ok_or(WindowError::NotOpen)?;
        let (tx, rx) = oneshot::channel();
        let name = name.to_owned();
        let home = std::env::var_os("HOME").map(PathBuf::from);
        window
            .clone()
            .run_on_main_thread(move || {
                let parent = window.gtk_window().ok();
                let dialog = gtk::FileChooserDialog::with_buttons(
                    Some("Save the background-services log"),
                    parent.as_ref(),
                    gtk::FileChooserAction::Save,
                    &[
                        ("_Cancel", gtk::ResponseType::Cancel),
                        ("_Save", gtk::ResponseType::Accept),
                    ],
                );
                dialog.set_modal(true);
                dialog.set_do_overwrite_confirmation(true);
                if let Some(home) = home {
                    let downloads = home.join("Downloads");
                    let folder = if downloads.is_dir() { downloads } else { home };
                    dialog.set_current_folder(folder);
                }
                dialog.set_current_name(&name);
                super::answer_once(&dialog, tx, |d, response| match response {
                    gtk::ResponseType::Accept => d.filename(),
                    _ => None,
                });
                dialog.show_all();
            })
            .map_err(|source| WindowError::Webview {
                what: "show the save dialog",
                source,
            })?;
        Ok(rx)
    }
}
