//! The permission prompt: a small dialog the host draws, attached to the app's window (modal to
//! it, so the user knows which app asks), as a browser's permission prompt is attached to its tab.

use gtk::prelude::{DialogExt, GtkWindowExt, MessageDialogExt, WidgetExt};
use syncshell_core::store::apps::App;
use syncshell_resident::desktop::Answer;
use tokio::sync::oneshot;

use super::{WindowError, WindowLabel, Windows};

impl Windows {
    /// Asks the user, on the app's window, whether `app` may show notifications. Resolves when the
    /// user answers (there is no time limit: the app waits for a person). The app's window must be
    /// open: pages ask from it.
    pub fn ask_notifications(&self, app: &App) -> Result<oneshot::Receiver<Answer>, WindowError> {
        let window = self
            .get(&WindowLabel::App(app.id.clone()))
            .ok_or(WindowError::NotOpen)?;
        let (tx, rx) = oneshot::channel();
        let name = app.name.clone();
        window
            .clone()
            .run_on_main_thread(move || {
                let parent = window.gtk_window().ok();
                let dialog = gtk::MessageDialog::new(
                    parent.as_ref(),
                    gtk::DialogFlags::MODAL | gtk::DialogFlags::DESTROY_WITH_PARENT,
                    gtk::MessageType::Question,
                    gtk::ButtonsType::None,
                    &format!("{name} wants to show notifications"),
                );
                dialog.set_title(&format!("Notifications for {name}"));
                dialog.set_secondary_text(Some(
                    "They appear on your desktop, also while its window is closed. You can change \
                     this later.",
                ));
                dialog.add_button("_Block", gtk::ResponseType::Reject);
                dialog.add_button("_Allow", gtk::ResponseType::Accept);
                super::answer_once(&dialog, tx, |_, response| match response {
                    gtk::ResponseType::Accept => Answer::Allow,
                    gtk::ResponseType::Reject => Answer::Block,
                    _ => Answer::Dismissed,
                });
                dialog.show_all();
            })
            .map_err(|source| WindowError::Webview {
                what: "show the permission prompt",
                source,
            })?;
        Ok(rx)
    }
}
