//! The window side as the resident reaches it: [`Desktop`] over the link. Each request is a
//! message ([`ToWindows`]); the window side's reports ([`Report`]) go to [`WindowReports`]. A
//! window side that cannot be reached fails what was asked (an event fails and is retried, an
//! open is refused with the reason), as a dead web process does.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::de::DeserializeOwned;
use syncshell_core::store::apps::App;
use syncshell_proxy::ca::Leaf;
use url::Url;

use super::protocol::{FromWindows, Report, ToWindows};
use super::rpc::{Incoming, Link, LinkError};
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
use serde_json::Value;

impl From<LinkError> for DesktopError {
    fn from(e: LinkError) -> Self {
        Self::Unreachable(e.to_string())
    }
}

/// The resident's end of the link to the window side.
pub struct LinkDesktop {
    link: Arc<Link>,
    launcher: Launcher,
}

impl LinkDesktop {
    /// The window side over `link`, its windows built with what `launcher` makes.
    pub fn new(link: Arc<Link>, launcher: Launcher) -> Self {
        Self { link, launcher }
    }

    async fn call<R: DeserializeOwned>(&self, request: ToWindows) -> Result<R, DesktopError> {
        Ok(self.link.call(&request).await?)
    }

    /// A launch of `app`, made on the blocking pool (it reads the store and may issue a leaf).
    async fn launch(&self, app: &App) -> Result<crate::desktop::Launch, DesktopError> {
        let (launcher, app) = (self.launcher.clone(), app.clone());
        tokio::task::spawn_blocking(move || launcher.launch(&app))
            .await
            .map_err(|e| DesktopError::Window(e.to_string()))?
    }
}

/// Carries out the settings panel's commands (the host's [`crate::host::Host::panel`]).
pub type PanelCalls =
    Arc<dyn Fn(PanelCall) -> BoxFuture<'static, Result<Value, PanelFailure>> + Send + Sync>;

/// Serves what the window side sends: its reports go to `reports`, its pages' calls to
/// `calls`, the settings panel's to `panel`; `on_close` is told if its end closes.
pub fn serve_window_side(
    incoming: Incoming,
    reports: WindowReports,
    calls: PageCalls,
    panel: PanelCalls,
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
    }
}

/// An app's window (visible or hidden) on the other side of the link.
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
    /// then (not at its timeout).
    fn send(&self, message: &EventMessage) -> Result<(), EventFailure> {
        if !self.link.is_open() {
            return Err(EventFailure::Unreachable(LinkError::Closed.to_string()));
        }
        let message =
            serde_json::to_value(message).map_err(|e| EventFailure::Unreachable(e.to_string()))?;
        self.link.note(&ToWindows::SendEvent {
            label: self.label.clone(),
            id: message["id"].as_u64().unwrap_or_default(),
            message,
        });
        Ok(())
    }
}

impl LinkDesktop {
    async fn window(&self, label: WindowLabel) -> Option<LinkWindow> {
        let request = ToWindows::FindWindow {
            label: label.clone(),
        };
        let open: bool = self.call(request).await.unwrap_or(false);
        open.then(|| LinkWindow {
            label,
            link: self.link.clone(),
        })
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
        let launch = self.launch(app).await?;
        let opened: Result<(), DesktopError> = self.call(ToWindows::OpenHidden { launch }).await?;
        opened?;
        Ok(LinkWindow {
            label: WindowLabel::Hidden(app.id.clone()),
            link: self.link.clone(),
        })
    }

    async fn close_hidden(&self, app_id: &str) {
        let request = ToWindows::CloseHidden {
            app_id: app_id.to_owned(),
        };
        if let Err(e) = self.call::<()>(request).await {
            eprintln!("syncshell: {app_id}: cannot close the hidden window: {e}");
        }
    }

    async fn park_hidden(&self, app_id: &str) {
        let request = ToWindows::ParkHidden {
            app_id: app_id.to_owned(),
        };
        if let Err(e) = self.call::<()>(request).await {
            eprintln!("syncshell: {app_id}: cannot park the hidden window: {e}");
        }
    }
}

impl NotificationWindows for LinkDesktop {
    fn show_app(&self, app: &App, url: Option<Url>) {
        let (launcher, link, app) = (self.launcher.clone(), self.link.clone(), app.clone());
        // The launch reads the store: on the blocking pool; sent without waiting.
        tokio::task::spawn_blocking(move || match launcher.launch(&app) {
            Ok(launch) => link.note(&ToWindows::OpenApp { launch, url }),
            Err(e) => eprintln!(
                "syncshell: {}: cannot show the window a notification asked for: {e}",
                app.id
            ),
        });
    }

    fn ask_notifications(&self, app: &App) -> BoxFuture<'static, Result<Answer, DesktopError>> {
        let link = self.link.clone();
        let request = ToWindows::AskNotifications { app: app.clone() };
        Box::pin(async move { link.call::<Result<Answer, DesktopError>>(&request).await? })
    }
}

impl Desktop for LinkDesktop {
    async fn open_app(&self, app: &App) -> Result<(), DesktopError> {
        let launch = self.launch(app).await?;
        self.call::<Result<(), DesktopError>>(ToWindows::OpenApp { launch, url: None })
            .await?
    }

    async fn close_app(&self, app_id: &str) -> bool {
        let request = ToWindows::CloseApp {
            app_id: app_id.to_owned(),
        };
        self.call(request).await.unwrap_or(false)
    }

    async fn destroy_app_window(&self, app_id: &str) {
        let request = ToWindows::DestroyAppWindow {
            app_id: app_id.to_owned(),
        };
        if let Err(e) = self.call::<()>(request).await {
            eprintln!("syncshell: {app_id}: cannot close the window: {e}");
        }
    }

    async fn end_network_process(&self, app_id: &str) -> Result<(), DesktopError> {
        let request = ToWindows::EndNetworkProcess {
            app_id: app_id.to_owned(),
        };
        self.call::<Result<(), DesktopError>>(request).await?
    }

    async fn open_settings(&self) -> Result<(), DesktopError> {
        self.call::<Result<(), DesktopError>>(ToWindows::OpenSettings)
            .await?
    }

    async fn open_windows(&self) -> OpenWindows {
        self.call(ToWindows::OpenWindows).await.unwrap_or_default()
    }

    async fn tell_page(&self, label: &WindowLabel, origin: &str, script: String) -> bool {
        let request = ToWindows::TellPage {
            label: label.clone(),
            origin: origin.to_owned(),
            script,
        };
        self.call(request).await.unwrap_or(false)
    }

    fn trust_renewed(&self, leaf: &Leaf) {
        self.link.note(&ToWindows::TrustRenewed {
            tls: TlsTrust::from(leaf),
        });
    }

    fn tell_panel(&self, event: PanelEvent) {
        self.link.note(&ToWindows::Panel { event });
    }

    fn quit(&self, code: i32) {
        self.link.note(&ToWindows::Quit { code });
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

    /// A window side of the test's own: the app `notes` has its visible window open and nothing
    /// else; events sent anywhere are reported as not delivered; launches are kept.
    fn window_side(stream: UnixStream, launches: Arc<Mutex<Vec<Launch>>>) {
        let (link, incoming) = Link::open(stream);
        let reporter = link.clone();
        incoming.serve(
            Arc::new(move |body| {
                let launches = launches.clone();
                Box::pin(async move {
                    let value = match serde_json::from_value::<ToWindows>(body).unwrap() {
                        ToWindows::FindWindow { label } => {
                            serde_json::json!(label == WindowLabel::App("notes".into()))
                        }
                        ToWindows::OpenHidden { launch } | ToWindows::OpenApp { launch, .. } => {
                            launches.lock().unwrap().push(launch);
                            serde_json::to_value(Ok::<(), DesktopError>(())).unwrap()
                        }
                        other => panic!("not asked in these tests: {other:?}"),
                    };
                    value
                })
            }),
            Arc::new(move |body| {
                if let Ok(ToWindows::SendEvent { label, id, .. }) = serde_json::from_value(body) {
                    reporter.note(&Report::EventNotDelivered {
                        label,
                        id,
                        why: "the window is gone".into(),
                    });
                }
            }),
            Box::new(|| {}),
        );
    }

    struct Setup {
        _dir: tempfile::TempDir,
        sync: Arc<SyncHost>,
        desktop: LinkDesktop,
        launches: Arc<Mutex<Vec<Launch>>>,
        window_side: Option<UnixStream>,
    }

    /// The resident's end over a fresh store with `notes` installed; the window side is the
    /// test's double unless `attached` is false (then its end is kept unread).
    fn setup(attached: bool) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let sync = sync_host(dir.path(), Parameters::default(), &[&app("notes")]);
        let authority = Arc::new(
            Authority::open(&sync.ctx.paths.tls_dir(), std::time::SystemTime::now()).unwrap(),
        );
        let reports = WindowReports::new(sync.clone(), ChangeFeed::start(&sync.ctx));
        let (resident_end, window_end) = UnixStream::pair().unwrap();
        let launches = Arc::new(Mutex::new(Vec::new()));
        let window_side = if attached {
            self::window_side(window_end, launches.clone());
            None
        } else {
            Some(window_end)
        };
        let (link, incoming) = Link::open(resident_end);
        let desktop = LinkDesktop::new(link, Launcher::new(sync.clone(), authority));
        let (notifier, _) = Notifier::new(sync.ctx.clone(), Arc::new(NoWindows), Arc::new(|| {}));
        let calls = PageCalls::new(sync.clone(), Arc::new(notifier));
        let panel: PanelCalls = Arc::new(|_| {
            Box::pin(async {
                Err(PanelFailure {
                    kind: "refused".into(),
                    message: "no panel in these tests".into(),
                })
            })
        });
        serve_window_side(incoming, reports, calls, panel, Box::new(|| {}));
        Setup {
            _dir: dir,
            sync,
            desktop,
            launches,
            window_side,
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
    async fn an_event_the_window_side_cannot_hand_over_fails_at_once() {
        let s = setup(true);
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
        let launches = s.launches.lock().unwrap().clone();
        assert_eq!(launches.len(), 2);
        assert!(launches[0].page_bridge.contains("__syncshellDispatch"));
        assert_eq!(launches[0].tls, None, "an http app trusts nothing extra");
        let tls = launches[1].tls.clone().expect("the https app's leaf");
        assert_eq!(tls.host, "notes.example");
        assert!(tls.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    }

    #[tokio::test]
    async fn a_window_side_that_is_gone_fails_what_is_asked_of_it() {
        let mut s = setup(false);
        drop(s.window_side.take());
        assert_eq!(
            s.desktop.open_app(&app("notes")).await,
            Err(DesktopError::Unreachable(LinkError::Closed.to_string()))
        );
        assert!(s.desktop.app_window("notes").await.is_none());
        assert!(!s.desktop.close_app("notes").await);
        let lost = LinkWindow {
            label: WindowLabel::App("notes".into()),
            link: s.desktop.link.clone(),
        };
        assert!(matches!(
            lost.send(&event(1)),
            Err(EventFailure::Unreachable(_))
        ));
    }
}
