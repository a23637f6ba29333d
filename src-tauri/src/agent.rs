//! The window process's end of the link to the resident: it carries out what the resident asks
//! (`ToWindows`) on this process's [`Windows`], reports what happens to them (`Report`), and says
//! when it has had no window for its linger time ([`IdleWatch`]). Whatever waits for the GTK
//! main thread runs on the blocking pool, never on an async worker.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use syncshell_resident::desktop::{Answer, DesktopError, OpenWindows};
use syncshell_resident::link::protocol::{Report, ToWindows};
use syncshell_resident::link::rpc::{Incoming, Link};
use syncshell_resident::timing::mark;
use tauri::AppHandle;
use tokio::sync::Notify;

use crate::windows::{self, WindowError, WindowLabel, Windows};

/// How long a hidden window gets to load its dispatch page.
const HIDDEN_LOAD_TIMEOUT: Duration = Duration::from_secs(30);

impl From<WindowError> for DesktopError {
    fn from(e: WindowError) -> Self {
        match e {
            WindowError::NotOpen => Self::NotOpen,
            e => Self::Window(e.to_string()),
        }
    }
}

/// Says when the window process has had no window for its linger time. Anything the resident
/// asks and any window opening or closing starts the time again.
pub struct IdleWatch {
    linger: Duration,
    touched: Notify,
}

impl IdleWatch {
    /// A watch over `linger`.
    pub fn new(linger: Duration) -> Arc<Self> {
        Arc::new(Self {
            linger,
            touched: Notify::new(),
        })
    }

    /// Something happened: the linger time starts again.
    fn touch(&self) {
        self.touched.notify_one();
    }

    /// Runs for the process's life: after each linger time with nothing happening, if no window
    /// is open (visible, hidden or the settings panel), tells the resident, with how many
    /// messages it had. The resident tells it to quit, or keeps it (a sync waits for the
    /// network) and hears again after the next linger time.
    async fn run(self: Arc<Self>, link: Arc<Link>, windows: Arc<Windows>) {
        loop {
            if tokio::time::timeout(self.linger, self.touched.notified())
                .await
                .is_ok()
            {
                continue;
            }
            if windows.is_empty() {
                link.note(&Report::Idle {
                    received: link.received(),
                });
            }
        }
    }
}

/// The hooks [`Windows`] calls, each a report to the resident over `link` (and, for windows
/// opening or closing, news for `idle`).
pub fn hooks(link: &Arc<Link>, idle: &Arc<IdleWatch>) -> windows::Hooks {
    let (crashed, left, engaged, opened) = (link.clone(), link.clone(), link.clone(), link.clone());
    let idle = idle.clone();
    windows::Hooks {
        on_crash: Arc::new(move |label, why| {
            crashed.note(&Report::WebProcessGone {
                label: label.clone(),
                why: why.to_owned(),
            })
        }),
        on_page_gone: Arc::new(move |label, why| {
            left.note(&Report::PageGone {
                label: label.clone(),
                why: why.to_owned(),
            })
        }),
        on_focus: Arc::new(move |app_id, ms| {
            engaged.note(&Report::Focused {
                app_id: app_id.to_owned(),
                ms,
            })
        }),
        on_open_or_close: Arc::new(move || {
            idle.touch();
            opened.note(&Report::WindowsChanged);
        }),
    }
}

/// Carries out the resident's requests on `windows` from now on; `handle` ends the process on
/// `Quit`, or when the resident is gone. `idle` watches for the linger time.
pub fn serve(
    link: Arc<Link>,
    incoming: Incoming,
    windows: Arc<Windows>,
    handle: AppHandle,
    idle: Arc<IdleWatch>,
) {
    tauri::async_runtime::spawn(idle.clone().run(link.clone(), windows.clone()));
    let ended = handle.clone();
    let agent = Arc::new(Agent {
        link,
        windows,
        handle,
        idle,
    });
    let (called, noted) = (agent.clone(), agent);
    incoming.serve(
        Arc::new(move |body| {
            let agent = called.clone();
            Box::pin(async move {
                match serde_json::from_value::<ToWindows>(body) {
                    Ok(request) => agent.call(request).await,
                    Err(e) => answer(Err::<(), _>(DesktopError::Window(format!(
                        "a request this side cannot read: {e}"
                    )))),
                }
            })
        }),
        Arc::new(
            move |body| match serde_json::from_value::<ToWindows>(body) {
                Ok(request) => noted.note(request),
                Err(e) => {
                    eprintln!("syncshell: a note from the resident this side cannot read: {e}")
                }
            },
        ),
        // The resident is gone: nothing here has a reason to stay.
        Box::new(move || ended.exit(0)),
    );
}

/// A reply's value.
fn answer(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

struct Agent {
    link: Arc<Link>,
    windows: Arc<Windows>,
    handle: AppHandle,
    idle: Arc<IdleWatch>,
}

impl Agent {
    /// Runs `work` on the windows on the blocking pool (it waits for the main thread).
    async fn on_windows<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Windows) -> T + Send + 'static,
    ) -> Result<T, DesktopError> {
        let windows = self.windows.clone();
        tauri::async_runtime::spawn_blocking(move || work(&windows))
            .await
            .map_err(|e| DesktopError::Window(WindowError::Task(e.to_string()).to_string()))
    }

    async fn call(self: &Arc<Self>, request: ToWindows) -> Value {
        self.idle.touch();
        match request {
            ToWindows::OpenApp { launch, url } => {
                let opened = self
                    .on_windows(move |w| w.open_app_at(&launch, url.as_ref()))
                    .await
                    .and_then(|r| r.map_err(DesktopError::from));
                answer(opened)
            }
            ToWindows::CloseApp { app_id } => {
                // It waits for an opening of the same window on another thread.
                let closed = self.on_windows(move |w| w.close_app(&app_id)).await;
                answer(closed.unwrap_or(false))
            }
            ToWindows::DestroyAppWindow { app_id } => {
                self.windows.destroy_app_window(&app_id).await;
                answer(())
            }
            ToWindows::EndNetworkProcess { app_id } => {
                let ended = self.windows.end_app_network_process(&app_id).await;
                answer(ended.map(drop).map_err(DesktopError::from))
            }
            ToWindows::OpenSettings => {
                let opened = self
                    .on_windows(|w| w.open_settings())
                    .await
                    .and_then(|r| r.map_err(DesktopError::from));
                answer(opened)
            }
            ToWindows::OpenWindows => answer(OpenWindows {
                apps: self.windows.open_app_ids(),
                hidden: self.windows.hidden_app_ids(),
            }),
            ToWindows::FindWindow { label } => answer(self.windows.get(&label).is_some()),
            ToWindows::OpenHidden { launch } => answer(self.open_hidden(launch).await),
            ToWindows::CloseHidden { app_id } => {
                self.windows.close_hidden(&app_id).await;
                answer(())
            }
            ToWindows::ParkHidden { app_id } => {
                self.windows.park_hidden(&app_id);
                answer(())
            }
            ToWindows::TellPage {
                label,
                origin,
                script,
            } => answer(self.tell_page(label, origin, script).await),
            ToWindows::AskNotifications { app } => {
                let asked = self.windows.ask_notifications(&app);
                let answered = match asked {
                    // A prompt that went away unanswered (its window closed) is a dismissal.
                    Ok(rx) => Ok(rx.await.unwrap_or(Answer::Dismissed)),
                    Err(e) => Err(DesktopError::from(e)),
                };
                answer(answered)
            }
            // Notes sent as calls are carried out all the same.
            note @ (ToWindows::SendEvent { .. }
            | ToWindows::TrustRenewed { .. }
            | ToWindows::Panel { .. }
            | ToWindows::Quit { .. }) => {
                self.note(note);
                answer(())
            }
        }
    }

    fn note(self: &Arc<Self>, request: ToWindows) {
        self.idle.touch();
        match request {
            ToWindows::SendEvent { label, id, message } => self.send_event(label, id, &message),
            ToWindows::OpenApp { launch, url } => {
                let (windows, app_id) = (self.windows.clone(), launch.app.id.clone());
                tauri::async_runtime::spawn_blocking(move || {
                    if let Err(e) = windows.open_app_at(&launch, url.as_ref()) {
                        eprintln!(
                            "syncshell: {app_id}: cannot show the window a notification asked for: {e}"
                        );
                    }
                });
            }
            ToWindows::TrustRenewed { tls } => self.windows.trust_renewed(&tls),
            ToWindows::Panel { event } => crate::panel::events::tell(&self.handle, event),
            ToWindows::Quit { code } => self.handle.exit(code),
            other => {
                // A call sent as a note: carried out, its answer dropped.
                let agent = self.clone();
                tauri::async_runtime::spawn(async move {
                    agent.call(other).await;
                });
            }
        }
    }

    /// Hands event `id` to the page bridge in `label`; what cannot be handed over is reported.
    fn send_event(&self, label: WindowLabel, id: u64, message: &Value) {
        let not_delivered = |why: String| {
            self.link.note(&Report::EventNotDelivered {
                label: label.clone(),
                id,
                why,
            })
        };
        let Some(window) = self.windows.get(&label) else {
            return not_delivered("the window is gone".into());
        };
        // A page without the bridge (it failed to load) reports that at once rather than timing
        // out.
        let script = format!(
            "(window.__syncshellDispatch ? window.__syncshellDispatch({message}) : \
             window.__TAURI_INTERNALS__.invoke('sync_result', {{id: {id}, ok: false, error: 'the page bridge is not loaded'}}))"
        );
        if let Err(e) = window.eval(&script) {
            not_delivered(e.to_string());
        }
    }

    async fn open_hidden(
        &self,
        launch: syncshell_resident::desktop::Launch,
    ) -> Result<(), DesktopError> {
        let app_id = launch.app.id.clone();
        mark("hidden-window-open", &app_id);
        let (tx, rx) = tokio::sync::oneshot::channel();
        // Building a window waits for the main thread: never on an async worker.
        let window = self
            .on_windows(move |w| w.open_hidden(&launch, tx))
            .await??;
        mark("hidden-window-ready", &app_id);
        match tokio::time::timeout(HIDDEN_LOAD_TIMEOUT, rx).await {
            Ok(Ok(())) => {
                mark("dispatch-page-loaded", &app_id);
                Ok(())
            }
            _ => {
                let _ = window.destroy();
                Err(WindowError::NotLoaded.into())
            }
        }
    }

    async fn tell_page(&self, label: WindowLabel, origin: String, script: String) -> bool {
        let Some(window) = self.windows.get(&label) else {
            return false;
        };
        // Reading a window's URL waits for the main thread.
        self.on_windows(move |_| {
            let showing = window.url().ok().map(|u| u.origin().ascii_serialization());
            if showing.as_deref() != Some(origin.as_str()) {
                return false;
            }
            match window.eval(&script) {
                Ok(()) => true,
                Err(e) => {
                    eprintln!("syncshell: {label}: cannot tell the page: {e}");
                    false
                }
            }
        })
        .await
        .unwrap_or(false)
    }
}
