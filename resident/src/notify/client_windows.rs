//! `clients.openWindow`, `WindowClient.focus` and `navigate` from a notification click, done by
//! the host (WebKitGTK's resolve null and raise nothing). As in Chromium, the app may open or focus
//! one window within 10 s of the user's click, and nothing otherwise: a worker must not pop
//! windows up on its own.

use url::Url;

use super::{Notifier, NotifyError};
use crate::browser;
use syncshell_core::manifest::stays_in_app;
use syncshell_core::store::apps::App;

impl Notifier {
    /// `clients.openWindow(url)`: an in-scope URL opens (or navigates) the app's window there and
    /// answers the URL; another goes to the user's browser and answers `None`.
    pub async fn open_window(&self, app: &App, url: &str) -> Result<Option<Url>, NotifyError> {
        let url = Url::parse(url)?;
        if !self.take_window_grant(&app.origin) {
            return Err(NotifyError::WindowNotAllowed("open"));
        }
        if url.as_str() == "about:blank" {
            return Err(NotifyError::NotInApp(url));
        }
        if !stays_in_app(&url, &app.scope) {
            browser::open(&url);
            return Ok(None);
        }
        self.show_window(app, Some(url.clone()));
        Ok(Some(url))
    }

    /// `WindowClient.focus()`: raises the app's window.
    pub async fn focus_window(&self, app: &App) -> Result<(), NotifyError> {
        if !self.take_window_grant(&app.origin) {
            return Err(NotifyError::WindowNotAllowed("focus"));
        }
        self.show_window(app, None);
        Ok(())
    }

    /// `WindowClient.navigate(url)`: the app's window goes to an in-scope `url`. Like opening a
    /// window, only in the 10 s after a click: navigating brings the window up.
    pub async fn navigate_window(&self, app: &App, url: &str) -> Result<Option<Url>, NotifyError> {
        let url = Url::parse(url)?;
        if url.as_str() == "about:blank" || !stays_in_app(&url, &app.scope) {
            return Err(NotifyError::NotInApp(url));
        }
        if !self.take_window_grant(&app.origin) {
            return Err(NotifyError::WindowNotAllowed("navigate"));
        }
        self.show_window(app, Some(url.clone()));
        Ok(Some(url))
    }

    /// Opens, navigates or raises the app's window without waiting for it: the worker's request
    /// is answered first (observed: a worker's request to the host still pending when a new
    /// window of its app opens fails in WebKit with "Load failed"; the shim finds the window
    /// among its clients afterwards).
    fn show_window(&self, app: &App, url: Option<Url>) {
        self.windows.show_app(app, url);
    }
}
