//! The window side as the resident reaches it: [`Desktop`] over the link to the window process.
//! Each request is a message ([`ToWindows`]); what needs a window starts the window process if
//! none runs, what acts on open windows does nothing when none runs (nothing is open). The window
//! side's reports ([`Report`]) go to [`WindowReports`]. A window side that cannot be reached
//! fails what was asked (an event fails and is retried, an open is refused with the reason), as
//! a dead web process does.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde_json::Value;
use syncshell_core::store::apps::App;
use syncshell_proxy::ca::Leaf;
use url::Url;

use super::protocol::{FromWindows, Report, ToWindows};
use super::rpc::{Incoming, Link, LinkError};
use super::window_process::WindowProcess;
use crate::desktop::{
    Answer, Desktop, DesktopError, Launcher, NotificationWindows, OpenWindows, TlsTrust,
    WindowReports,
};
use crate::label::WindowLabel;
use crate::page_calls::{PageCalls, PageFailure};
use crate::panel::calls::PanelCall;
use crate::panel::events::PanelEvent;
use crate::panel::PanelFailure;
use crate::sync::failure::EventFailure;
use crate::sync::target::{EventMessage, EventWindow, EventWindows};

impl From<LinkError> for DesktopError {
    fn from(e: LinkError) -> Self {
        Self::Unreachable(e.to_string())
    }
}

/// Carries out the settings panel's commands (the host's [`crate::host::Host::panel`]).
pub type PanelCalls =
    Arc<dyn Fn(PanelCall) -> BoxFuture<'static, Result<Value, PanelFailure>> + Send + Sync>;

/// Told that the window process has been idle, with how many messages it received.
pub type OnIdle = Arc<dyn Fn(u64) + Send + Sync>;

/// Serves what the window side sends: its reports go to `reports`, its pages' calls to
/// `calls`, the settings panel's to `panel`, its idleness to `on_idle`; `on_close` is told when
/// its end closes.
pub fn serve_window_side(
    incoming: Incoming,
    reports: WindowReports,
    calls: PageCalls,
    panel: PanelCalls,
    on_idle: OnIdle,
    on_close: Box<dyn FnOnce() + Send>,
) {
    incoming.serve(
        Arc::new(move |body| {
            let (calls, panel) = (calls.clone(), panel.clone());
            Box::pin(async move {
                match serde_json::from_value::<FromWindows>(body) {
                    Ok(FromWindows::Page {
                        label,
                        origin,
                        call,
                    }) => answer(calls.answer(label, origin, call).await),
                    Ok(FromWindows::Panel { call }) => answer(panel(call).await),
                    Err(e) => answer(Err::<(), _>(PageFailure {
                        name: "UnknownError".into(),
                        message: format!("a call the host cannot read: {e}"),
                    })),
                }
            })
        }),
        Arc::new(move |body| match serde_json::from_value::<Report>(body) {
            Ok(Report::Idle { received }) => on_idle(received),
            Ok(report) => take(&reports, report),
            Err(e) => eprintln!("syncshell: an unreadable report from the windows: {e}"),
        }),
        on_close,
    );
}

/// A reply's value.
fn answer(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// One report, into the sync state and the views.
fn take(reports: &WindowReports, report: Report) {
    match report {
        Report::WebProcessGone { label, why } => reports.web_process_gone(&label, &why),
        Report::PageGone { label, why } => reports.page_gone(&label, &why),
        Report::Focused { app_id, ms } => {
            let reports = reports.clone();
            // A store write: on the blocking pool.
            tokio::task::spawn_blocking(move || reports.focused(&app_id, ms));
        }
        Report::WindowsChanged => reports.window_opened_or_closed(),
        Report::EventNotDelivered { label, id, why } => {
            reports.event_not_delivered(&label, id, &why)
        }
        Report::Idle { .. } => {}
    }
}

/// The resident's way to the window side.
pub struct LinkDesktop {
    windows: WindowProcess,
    launcher: Launcher,
    quit: Arc<dyn Fn(i32) + Send + Sync>,
}

impl LinkDesktop {
    /// The window side in `windows`, its windows built with what `launcher` makes; `quit` ends
    /// the resident.
    pub fn new(
        windows: WindowProcess,
        launcher: Launcher,
        quit: Arc<dyn Fn(i32) + Send + Sync>,
    ) -> Self {
        Self {
            windows,
            launcher,
            quit,
        }
    }

    /// Asks the window process, starting one if none runs.
    async fn call<R: DeserializeOwned>(&self, request: ToWindows) -> Result<R, DesktopError> {
        let link = self.windows.start().await?;
        Ok(link.call(&request).await?)
    }

    /// Asks the running window process; `None` when none runs.
    async fn call_running<R: DeserializeOwned>(
        &self,
        request: ToWindows,
    ) -> Option<Result<R, DesktopError>> {
        let link = self.windows.running().await?;
        Some(link.call(&request).await.map_err(DesktopError::from))
    }

    async fn window(&self, label: WindowLabel) -> Option<LinkWindow> {
        let link = self.windows.running().await?;
        let request = ToWindows::FindWindow {
            label: label.clone(),
        };
        let open: bool = link.call(&request).await.unwrap_or(false);
        open.then_some(LinkWindow { label, link })
    }
}

/// An app's window (visible or hidden) in the window process that has it.
#[derive(Clone)]
pub struct LinkWindow {
    label: WindowLabel,
    link: Arc<Link>,
}

impl EventWindow for LinkWindow {
    fn label(&self) -> WindowLabel {
        self.label.clone()
    }

    /// Handed over as a note: a page that cannot take it is reported back, and the event fails
    /// then (not at its timeout); a window process that ended fails it at once.
    fn send(&self, message: &EventMessage) -> Result<(), EventFailure> {
        if !self.link.is_open() {
            return Err(EventFailure::Unreachable(LinkError::Closed.to_string()));
        }
        let id = message.id;
        let message =
            serde_json::to_value(message).map_err(|e| EventFailure::Unreachable(e.to_string()))?;
        self.link.note(&ToWindows::SendEvent {
            label: self.label.clone(),
            id,
            message,
        });
        Ok(())
    }
}

impl EventWindows for LinkDesktop {
    type Window = LinkWindow;

    async fn app_window(&self, app_id: &str) -> Option<LinkWindow> {
        self.window(WindowLabel::App(app_id.to_owned())).await
    }

    async fn hidden_window(&self, app_id: &str) -> Option<LinkWindow> {
        self.window(WindowLabel::Hidden(app_id.to_owned())).await
    }

    async fn open_hidden(&self, app: &App) -> Result<LinkWindow, EventFailure> {
        let launch = self.launcher.launch(app).await?;
        let link = self.windows.start().await?;
        let opened: Result<(), DesktopError> = link
            .call(&ToWindows::OpenHidden { launch })
            .await
            .map_err(DesktopError::from)?;
        opened?;
        Ok(LinkWindow {
            label: WindowLabel::Hidden(app.id.clone()),
            link,
        })
    }

    async fn close_hidden(&self, app_id: &str) {
        let request = ToWindows::CloseHidden {
            app_id: app_id.to_owned(),
        };
        if let Some(Err(e)) = self.call_running::<()>(request).await {
            eprintln!("syncshell: {app_id}: cannot close the hidden window: {e}");
        }
    }

    async fn park_hidden(&self, app_id: &str) {
        let request = ToWindows::ParkHidden {
            app_id: app_id.to_owned(),
        };
        if let Some(Err(e)) = self.call_running::<()>(request).await {
            eprintln!("syncshell: {app_id}: cannot park the hidden window: {e}");
        }
    }
}

impl NotificationWindows for LinkDesktop {
    fn show_app(&self, app: &App, url: Option<Url>) {
        let (launcher, windows, app) = (self.launcher.clone(), self.windows.clone(), app.clone());
        // Sent without waiting: the worker's request is answered first.
        tokio::spawn(async move {
            let shown = async {
                let launch = launcher.launch(&app).await?;
                let link = windows.start().await?;
                link.note(&ToWindows::OpenApp { launch, url });
                Ok::<(), DesktopError>(())
            }
            .await;
            if let Err(e) = shown {
                eprintln!(
                    "syncshell: {}: cannot show the window a notification asked for: {e}",
                    app.id
                );
            }
        });
    }

    fn ask_notifications(&self, app: &App) -> BoxFuture<'static, Result<Answer, DesktopError>> {
        let windows = self.windows.clone();
        let request = ToWindows::AskNotifications { app: app.clone() };
        Box::pin(async move {
            // A page asks from its window: with no window process, there is none.
            let link = windows.running().await.ok_or(DesktopError::NotOpen)?;
            link.call::<Result<Answer, DesktopError>>(&request).await?
        })
    }
}

impl Desktop for LinkDesktop {
    async fn open_app(&self, app: &App) -> Result<(), DesktopError> {
        let launch = self.launcher.launch(app).await?;
        self.call::<Result<(), DesktopError>>(ToWindows::OpenApp { launch, url: None })
            .await?
    }

    async fn close_app(&self, app_id: &str) -> bool {
        let request = ToWindows::CloseApp {
            app_id: app_id.to_owned(),
        };
        matches!(self.call_running(request).await, Some(Ok(true)))
    }

    async fn destroy_app_window(&self, app_id: &str) {
        let request = ToWindows::DestroyAppWindow {
            app_id: app_id.to_owned(),
        };
        if let Some(Err(e)) = self.call_running::<()>(request).await {
            eprintln!("syncshell: {app_id}: cannot close the window: {e}");
        }
    }

    async fn end_network_process(&self, app_id: &str) -> Result<(), DesktopError> {
        let request = ToWindows::EndNetworkProcess {
            app_id: app_id.to_owned(),
        };
        // No window process, no WebKit network process of it.
        match self.call_running::<Result<(), DesktopError>>(request).await {
            None => Ok(()),
            Some(answered) => answered?,
        }
    }

    async fn open_settings(&self) -> Result<(), DesktopError> {
        self.call::<Result<(), DesktopError>>(ToWindows::OpenSettings)
            .await?
    }

    async fn open_windows(&self) -> OpenWindows {
        match self.call_running(ToWindows::OpenWindows).await {
            Some(Ok(open)) => open,
            _ => OpenWindows::default(),
        }
    }

    async fn tell_page(&self, label: &WindowLabel, origin: &str, script: String) -> bool {
        let request = ToWindows::TellPage {
            label: label.clone(),
            origin: origin.to_owned(),
            script,
        };
        matches!(self.call_running(request).await, Some(Ok(true)))
    }

    fn trust_renewed(&self, leaf: &Leaf) {
        let (windows, tls) = (self.windows.clone(), TlsTrust::from(leaf));
        tokio::spawn(async move {
            if let Some(link) = windows.running().await {
                link.note(&ToWindows::TrustRenewed { tls });
            }
        });
    }

    fn tell_panel(&self, event: PanelEvent) {
        let windows = self.windows.clone();
        tokio::spawn(async move {
            // No window process, no panel open.
            if let Some(link) = windows.running().await {
                link.note(&ToWindows::Panel { event });
            }
        });
    }

    fn quit(&self, code: i32) {
        self.windows.quit();
        (self.quit)(code);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use syncshell_core::sync::parameters::Parameters;
    use syncshell_proxy::ca::Authority;
    use tokio::net::UnixStream;

    use super::*;
    use crate::changes::ChangeFeed;
    use crate::desktop::Launch;
    use crate::notify::Notifier;
    use crate::sync::test_double::{app, sync_host, NoWindows};
    use crate::sync::SyncHost;

    /// What the test's window side saw.
    #[derive(Default)]
    struct Seen {
        launches: Vec<Launch>,
        quit: bool,
    }

    /// A window side of the test's own: the app `notes` has its visible window open and nothing
    /// else; events sent anywhere are reported as not delivered; launches and a quit are kept.
    fn window_side(stream: UnixStream, seen: Arc<Mutex<Seen>>) -> Arc<Link> {
        let (link, incoming) = Link::open(stream);
        let (reporter, noted) = (link.clone(), seen.clone());
        incoming.serve(
            Arc::new(move |body| {
                let seen = seen.clone();
                Box::pin(async move {
                    match serde_json::from_value::<ToWindows>(body).unwrap() {
                        ToWindows::FindWindow { label } => {
                            serde_json::json!(label == WindowLabel::App("notes".into()))
                        }
                        ToWindows::OpenHidden { launch } | ToWindows::OpenApp { launch, .. } => {
                            seen.lock().unwrap().launches.push(launch);
                            serde_json::to_value(Ok::<(), DesktopError>(())).unwrap()
                        }
                        other => panic!("not asked in these tests: {other:?}"),
                    }
                })
            }),
            Arc::new(move |body| match serde_json::from_value(body) {
                Ok(ToWindows::SendEvent { label, id, .. }) => {
                    reporter.note(&Report::EventNotDelivered {
                        label,
                        id,
                        why: "the window is gone".into(),
                    });
                }
                Ok(ToWindows::Quit { .. }) => noted.lock().unwrap().quit = true,
                other => panic!("not noted in these tests: {other:?}"),
            }),
            Box::new(|| {}),
        );
        link
    }

    struct Setup {
        _dir: tempfile::TempDir,
        sync: Arc<SyncHost>,
        desktop: LinkDesktop,
        seen: Arc<Mutex<Seen>>,
        /// The window side's link (the test double's), once started.
        window_link: Arc<Mutex<Option<Arc<Link>>>>,
        /// The window side's end, when the test keeps it unread.
        window_end: Arc<Mutex<Option<UnixStream>>>,
    }

    /// The resident's end over a fresh store with `notes` installed. Starting a window process
    /// connects to the test's double once (unless `attached` is false: then its end is kept
    /// unread in `window_end`); starting another fails.
    fn setup(attached: bool) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let sync = sync_host(dir.path(), Parameters::default(), &[&app("notes")]);
        let authority = Arc::new(
            Authority::open(&sync.ctx.paths.tls_dir(), std::time::SystemTime::now()).unwrap(),
        );
        let reports = WindowReports::new(sync.clone(), ChangeFeed::start(&sync.ctx));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let window_link = Arc::new(Mutex::new(None));
        let window_end = Arc::new(Mutex::new(None));
        let started = Mutex::new(false);
        let (doubled, linked, kept) = (seen.clone(), window_link.clone(), window_end.clone());
        let spawn: super::super::window_process::Spawn = Box::new(move || {
            if std::mem::replace(&mut *started.lock().unwrap(), true) {
                return Err(std::io::Error::other("one window process per test"));
            }
            let (resident_end, other_end) = UnixStream::pair()?;
            if attached {
                *linked.lock().unwrap() = Some(window_side(other_end, doubled.clone()));
            } else {
                *kept.lock().unwrap() = Some(other_end);
            }
            Ok(resident_end)
        });
        let windows = WindowProcess::with_spawn(spawn, reports, Arc::new(|| false));
        let (notifier, _) = Notifier::new(sync.ctx.clone(), Arc::new(NoWindows), Arc::new(|| {}));
        let panel: PanelCalls = Arc::new(|_| {
            Box::pin(async {
                Err(PanelFailure {
                    kind: "refused".into(),
                    message: "no panel in these tests".into(),
                })
            })
        });
        windows.answer_with(PageCalls::new(sync.clone(), Arc::new(notifier)), panel);
        let launcher = Launcher::new(sync.clone(), authority);
        let desktop = LinkDesktop::new(windows, launcher, Arc::new(|_| {}));
        Setup {
            _dir: dir,
            sync,
            desktop,
            seen,
            window_link,
            window_end,
        }
    }

    fn event(id: u64) -> EventMessage {
        EventMessage {
            id,
            kind: "sync",
            tag: "outbox".into(),
            last_chance: false,
            timeout_ms: 180_000,
            scope: "http://notes.test:8000/".into(),
            state: None,
            notification: None,
            action: None,
        }
    }

    #[tokio::test]
    async fn nothing_starts_a_window_process_but_a_need_for_a_window() {
        let s = setup(true);
        assert!(s.desktop.app_window("notes").await.is_none());
        assert_eq!(s.desktop.open_windows().await, OpenWindows::default());
        assert!(!s.desktop.close_app("notes").await);
        assert_eq!(s.desktop.end_network_process("notes").await, Ok(()));
        assert!(
            s.window_link.lock().unwrap().is_none(),
            "a process was started"
        );
        s.desktop.open_app(&app("notes")).await.unwrap();
        assert!(s.window_link.lock().unwrap().is_some());
    }

    #[tokio::test]
    async fn an_event_the_window_side_cannot_hand_over_fails_at_once() {
        let s = setup(true);
        s.desktop.open_app(&app("notes")).await.unwrap();
        assert!(s.desktop.hidden_window("notes").await.is_none());
        let window = s
            .desktop
            .app_window("notes")
            .await
            .expect("the app's window");
        assert_eq!(window.label(), WindowLabel::App("notes".into()));
        let (id, outcome) = s.sync.in_flight.expect(&window.label());
        window.send(&event(id)).unwrap();
        assert_eq!(
            outcome.await.unwrap(),
            Err(EventFailure::Unreachable("the window is gone".into()))
        );
    }

    #[tokio::test]
    async fn a_window_is_launched_with_the_page_bridge_and_for_https_the_proxy_s_leaf() {
        let s = setup(true);
        let window = s.desktop.open_hidden(&app("notes")).await.unwrap();
        assert_eq!(window.label(), WindowLabel::Hidden("notes".into()));
        let mut secure = app("notes");
        secure.origin = "https://notes.example".into();
        s.desktop.open_app(&secure).await.unwrap();
        let launches = s.seen.lock().unwrap().launches.clone();
        assert_eq!(launches.len(), 2);
        assert!(launches[0].page_bridge.contains("__syncshellDispatch"));
        assert_eq!(launches[0].tls, None, "an http app trusts nothing extra");
        let tls = launches[1].tls.clone().expect("the https app's leaf");
        assert_eq!(tls.host, "notes.example");
        assert!(tls.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    }

    #[tokio::test]
    async fn an_idle_window_process_is_retired_only_if_nothing_was_sent_to_it_since() {
        let s = setup(true);
        s.desktop.open_app(&app("notes")).await.unwrap();
        let window_link = s.window_link.lock().unwrap().clone().unwrap();
        // Idle, but it has not seen the latest request yet.
        window_link.note(&Report::Idle { received: 0 });
        assert!(s.desktop.app_window("notes").await.is_some());
        assert!(!s.seen.lock().unwrap().quit);
        // Idle with everything seen: told to quit, and forgotten.
        let received = window_link.received();
        window_link.note(&Report::Idle { received });
        for _ in 0..200 {
            if s.seen.lock().unwrap().quit {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert!(
            s.seen.lock().unwrap().quit,
            "the idle process was not told to quit"
        );
        assert!(s.desktop.app_window("notes").await.is_none());
    }

    #[tokio::test]
    async fn a_window_process_that_ends_fails_what_is_in_it_and_what_is_asked_of_it() {
        let s = setup(false);
        // The process started (its end is kept unread) and has an event in a window of it.
        let link = s.desktop.windows.start().await.unwrap();
        let lost = LinkWindow {
            label: WindowLabel::Hidden("notes".into()),
            link,
        };
        let (id, outcome) = s.sync.in_flight.expect(&lost.label());
        lost.send(&event(id)).unwrap();
        // It dies while a hidden window is being opened in it.
        let dying = async {
            tokio::task::yield_now().await;
            drop(s.window_end.lock().unwrap().take());
        };
        let notes = app("notes");
        let (opened, ()) = tokio::join!(s.desktop.open_hidden(&notes), dying);
        assert!(matches!(opened, Err(EventFailure::Window(_))));
        assert_eq!(
            outcome.await.unwrap(),
            Err(EventFailure::WebProcess("the window process ended".into()))
        );
        assert!(matches!(
            lost.send(&event(1)),
            Err(EventFailure::Unreachable(_))
        ));
        assert!(matches!(
            s.desktop.open_app(&app("notes")).await,
            Err(DesktopError::Unreachable(_))
        ));
        assert!(s.desktop.app_window("notes").await.is_none());
    }
}
