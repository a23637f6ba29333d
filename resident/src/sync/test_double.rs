//! A window double for the dispatcher and scheduler tests, with knobs per app (succeed, fail,
//! stall, crash, succeed after a while), like Chromium's TestBackgroundSyncManager; and a clock
//! that follows tokio's (paused) time, so stored wall-clock deadlines and the scheduler's sleeps
//! move together and the tests run in milliseconds without sleeping.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use syncshell_core::clock::{Clock, Millis};
use syncshell_core::paths::Paths;
use syncshell_core::store::apps::{self, App};
use syncshell_core::sync::parameters::Parameters;
use tokio::sync::Notify;
use url::Url;

use super::failure::EventFailure;
use super::target::{EventMessage, EventWindow, EventWindows};
use super::SyncHost;
use crate::context::Context;
use crate::label::WindowLabel;

/// What the double's page does with an event.
#[derive(Debug, Clone)]
pub enum Knob {
    /// Reports success at once.
    Succeed,
    /// Reports this failure at once.
    Fail(&'static str),
    /// Never reports.
    Stall,
    /// Its web process dies: every event in the window fails, a hidden window goes away.
    Crash,
    /// Reports success after this long.
    SucceedAfter(Duration),
    /// The page cannot be reached: the event is not even handed over.
    Unreachable,
    /// The page goes away (window closed, reloaded) with the event in it.
    PageGone,
}

/// An event the double received.
#[derive(Debug, Clone)]
pub struct Fired {
    /// The window it went to.
    pub window: WindowLabel,
    /// The message.
    pub message: EventMessage,
    /// When, in tokio time since the double was made.
    pub at: Duration,
}

#[derive(Default)]
struct State {
    knobs: HashMap<String, Knob>,
    app_windows: HashSet<String>,
    hidden: BTreeSet<String>,
    /// Hidden windows parked (idle, no web process), to be woken by `open_hidden`.
    parked: BTreeSet<String>,
    opened: usize,
    most_hidden_at_once: usize,
    /// How long a closed or parked hidden window stays findable (a real one until the main
    /// thread ran).
    close_lag: Duration,
    fired: Vec<Fired>,
}

struct Inner {
    sync: Option<Arc<SyncHost>>,
    state: Mutex<State>,
    changed: Notify,
    start: tokio::time::Instant,
}

/// The double: the windows of every app.
#[derive(Clone)]
pub struct FakeWindows {
    inner: Arc<Inner>,
}

/// One of the double's windows.
#[derive(Clone)]
pub struct FakeWindow {
    label: WindowLabel,
    inner: Arc<Inner>,
}

impl FakeWindows {
    /// A double whose pages report to `sync`'s events in flight.
    pub fn new(sync: Arc<SyncHost>) -> Self {
        Self::with(Some(sync))
    }

    /// A double with no sync state behind it (for tests of window book-keeping only).
    pub fn detached() -> Self {
        Self::with(None)
    }

    fn with(sync: Option<Arc<SyncHost>>) -> Self {
        Self {
            inner: Arc::new(Inner {
                sync,
                state: Mutex::new(State::default()),
                changed: Notify::new(),
                start: tokio::time::Instant::now(),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Closed hidden windows stay findable for `lag` (a real window does until the main thread
    /// has destroyed it).
    pub fn set_close_lag(&self, lag: Duration) {
        self.state().close_lag = lag;
    }

    /// What `app_id`'s page does from now on (default: succeed).
    pub fn set(&self, app_id: &str, knob: Knob) {
        self.state().knobs.insert(app_id.to_owned(), knob);
    }

    /// Opens (or closes) `app_id`'s visible window.
    pub fn set_app_window(&self, app_id: &str, open: bool) {
        let mut state = self.state();
        if open {
            state.app_windows.insert(app_id.to_owned());
        } else {
            state.app_windows.remove(app_id);
        }
    }

    /// Apps with a hidden window open now, sorted.
    pub fn hidden_open(&self) -> Vec<String> {
        self.state().hidden.iter().cloned().collect()
    }

    /// Hidden windows opened so far.
    pub fn opened(&self) -> usize {
        self.state().opened
    }

    /// Hidden windows parked now.
    pub fn parked(&self) -> Vec<String> {
        self.state().parked.iter().cloned().collect()
    }

    /// The most hidden windows that were open at once.
    pub fn most_hidden_at_once(&self) -> usize {
        self.state().most_hidden_at_once
    }

    /// Every event received so far.
    pub fn fired(&self) -> Vec<Fired> {
        self.state().fired.clone()
    }

    /// Waits (in tokio time, bounded to a virtual week) until `done` holds for the events received.
    pub async fn until(&self, what: &str, done: impl Fn(&[Fired]) -> bool) -> Vec<Fired> {
        let waiting = async {
            loop {
                let changed = self.inner.changed.notified();
                let fired = self.fired();
                if done(&fired) {
                    return fired;
                }
                changed.await;
            }
        };
        match tokio::time::timeout(Duration::from_secs(7 * 86_400), waiting).await {
            Ok(fired) => fired,
            Err(_) => panic!(
                "waited a virtual week for {what}; fired: {:?}",
                self.fired()
            ),
        }
    }
}

impl EventWindow for FakeWindow {
    fn label(&self) -> WindowLabel {
        self.label.clone()
    }

    fn send(&self, message: &EventMessage) -> Result<(), EventFailure> {
        let app_id = self.label.app_id().to_owned();
        let knob = {
            let mut state = self.inner.state.lock().unwrap_or_else(|e| e.into_inner());
            state.fired.push(Fired {
                window: self.label.clone(),
                message: message.clone(),
                at: self.inner.start.elapsed(),
            });
            state.knobs.get(&app_id).cloned().unwrap_or(Knob::Succeed)
        };
        if let Knob::Unreachable = knob {
            return Err(EventFailure::Unreachable("the page is gone".into()));
        }
        self.inner.changed.notify_waiters();
        let Some(sync) = self.inner.sync.clone() else {
            return Ok(());
        };
        let (label, id) = (self.label.clone(), message.id);
        match knob {
            Knob::Succeed => sync.in_flight.deliver(&label, id, Ok(())),
            Knob::Fail(why) => {
                sync.in_flight
                    .deliver(&label, id, Err(EventFailure::Reported(why.into())))
            }
            Knob::Stall => {}
            Knob::Crash => {
                sync.in_flight.fail_window(
                    &label,
                    EventFailure::WebProcess("the web process crashed".into()),
                );
                if label.is_hidden() {
                    let mut state = self.inner.state.lock().unwrap_or_else(|e| e.into_inner());
                    state.hidden.remove(&app_id);
                }
            }
            Knob::PageGone => {
                sync.in_flight.fail_window(
                    &label,
                    EventFailure::PageGone("the window was closed".into()),
                );
            }
            Knob::Unreachable => {}
            Knob::SucceedAfter(after) => {
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    sync.in_flight.deliver(&label, id, Ok(()));
                });
            }
        }
        Ok(())
    }
}

impl EventWindows for FakeWindows {
    type Window = FakeWindow;

    async fn app_window(&self, app_id: &str) -> Option<FakeWindow> {
        self.state()
            .app_windows
            .contains(app_id)
            .then(|| FakeWindow {
                label: WindowLabel::App(app_id.to_owned()),
                inner: self.inner.clone(),
            })
    }

    async fn hidden_window(&self, app_id: &str) -> Option<FakeWindow> {
        self.state().hidden.contains(app_id).then(|| FakeWindow {
            label: WindowLabel::Hidden(app_id.to_owned()),
            inner: self.inner.clone(),
        })
    }

    async fn open_hidden(&self, app: &App) -> Result<FakeWindow, EventFailure> {
        {
            let mut state = self.state();
            state.hidden.insert(app.id.clone());
            state.parked.remove(&app.id);
            state.opened += 1;
            state.most_hidden_at_once = state.most_hidden_at_once.max(state.hidden.len());
        }
        self.inner.changed.notify_waiters();
        Ok(FakeWindow {
            label: WindowLabel::Hidden(app.id.clone()),
            inner: self.inner.clone(),
        })
    }

    async fn close_hidden(&self, app_id: &str) {
        let lag = self.state().close_lag;
        tokio::time::sleep(lag).await;
        {
            let mut state = self.state();
            state.hidden.remove(app_id);
            state.parked.remove(app_id);
        }
        self.inner.changed.notify_waiters();
    }

    async fn park_hidden(&self, app_id: &str) {
        let lag = self.state().close_lag;
        tokio::time::sleep(lag).await;
        {
            let mut state = self.state();
            if state.hidden.remove(app_id) {
                state.parked.insert(app_id.to_owned());
            }
        }
        self.inner.changed.notify_waiters();
    }
}

/// Wall-clock time that follows tokio's clock (paused in tests, so it moves only when every task
/// waits, and then straight to the next timer).
pub struct TokioClock {
    base: Millis,
    start: tokio::time::Instant,
}

impl TokioClock {
    /// A clock reading `base` now.
    pub fn new(base: Millis) -> Self {
        Self {
            base,
            start: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now_ms(&self) -> Millis {
        self.base + self.start.elapsed().as_millis() as Millis
    }
}

/// An installed app on `http://<id>.test:8000/` (not stored).
pub fn app(id: &str) -> App {
    let origin = format!("http://{id}.test:8000");
    let url = |path: &str| Url::parse(&format!("{origin}{path}")).unwrap();
    App {
        id: id.into(),
        manifest_id: url("/").to_string(),
        name: id.into(),
        short_name: None,
        description: None,
        start_url: url("/"),
        scope: url("/"),
        origin: origin.clone(),
        display: Default::default(),
        theme_color: None,
        background_color: None,
        manifest_url: url("/manifest.json"),
        document_url: url("/"),
        has_icon: false,
        window_size: None,
        installed_at: 0,
        updated_at: 0,
    }
}

/// Sync state over a fresh database in `dir`, with `params`, the tokio-following clock, and
/// `apps` installed.
pub fn sync_host(
    dir: &std::path::Path,
    params: Parameters,
    apps_installed: &[&App],
) -> Arc<SyncHost> {
    let paths = Paths::new(&dir.join("data"), &dir.join("config"), &dir.join("run"));
    std::fs::create_dir_all(dir.join("data/syncshell")).unwrap();
    let ctx =
        Context::open_with_clock(paths, Arc::new(TokioClock::new(1_800_000_000_000))).unwrap();
    for app in apps_installed {
        apps::upsert(ctx.store().conn(), app).unwrap();
    }
    Arc::new(SyncHost::new(Arc::new(ctx), params))
}

/// Windows for a notifier that never opens one: no app is up, no user answers.
pub struct NoWindows;

impl crate::desktop::NotificationWindows for NoWindows {
    fn show_app(&self, _: &App, _: Option<Url>) {}

    fn ask_notifications(
        &self,
        _: &App,
    ) -> futures_util::future::BoxFuture<
        'static,
        Result<crate::desktop::Answer, crate::desktop::DesktopError>,
    > {
        Box::pin(async { Err(crate::desktop::DesktopError::NotOpen) })
    }
}
