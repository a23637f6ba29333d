//! `Notification.requestPermission()`: while the `notifications` permission is `ask`, the user is
//! asked on the app's window; Allow and Block are remembered (and logged) as if set with
//! `syncshell permission`, closing the prompt leaves it at `ask`.

use syncshell_core::permission::{self, Permission, PermissionState, Setting};
use syncshell_core::store::apps::App;
use syncshell_core::store::StoreError;

use super::{Notifier, NotifyError};
use crate::desktop::Answer;

/// `Notification.permission`'s word for a setting.
fn word(setting: Setting) -> &'static str {
    match setting.state() {
        PermissionState::Granted => "granted",
        PermissionState::Denied => "denied",
        PermissionState::Prompt => "default",
    }
}

impl Notifier {
    /// Answers `requestPermission()` for `app`, asking the user first if the permission is `ask`.
    /// One prompt per origin at a time: a second request waits and gets the same answer.
    pub async fn request_permission(&self, app: &App) -> Result<&'static str, NotifyError> {
        let _one_prompt = self.asking.lock(&app.origin).await;
        let stored = permission::get(
            self.ctx.store().conn(),
            &app.origin,
            Permission::Notifications,
        )
        .map_err(StoreError::from)?;
        if stored != Setting::Ask {
            return Ok(word(stored));
        }
        let answered = self
            .windows
            .ask_notifications(app)
            .await
            .map_err(NotifyError::Prompt)?;
        let chosen = match answered {
            Answer::Allow => Setting::Allow,
            Answer::Block => Setting::Block,
            Answer::Dismissed => return Ok(word(Setting::Ask)),
        };
        let now = self.ctx.clock.now_ms();
        permission::set(
            &mut self.ctx.store(),
            now,
            &app.origin,
            app.scope.as_str(),
            Permission::Notifications,
            chosen,
        )?;
        (self.on_permission_changed)();
        Ok(word(chosen))
    }
}
