//! A measuring probe for the design of a resident process without GTK or WebKit (issue 14 item
//! 4; `docs/resident-design.md`), not product code. It starts what such a process would hold
//! while the host idles, from the crates the host uses: the store, the proxy with its CA (on its
//! own runtime, as the host runs it), a session-bus connection listening for notification clicks,
//! the tray item with every installed app's menu, the owner-only control socket, and a scheduler
//! asleep until the next registration is due. Then it idles. The `background` bench
//! (`cargo bench -p syncshell-e2e --bench background -- resident`) measures it beside the host.
//!
//! Run with syncshell's environment (`XDG_DATA_HOME`, `XDG_RUNTIME_DIR`, a session bus); prints
//! `ready` on stdout once everything is up.
// A measuring program: a failed unwrap ends the run with its message, which is all it needs.
#![allow(clippy::unwrap_used)]

use std::future::Future;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::Full;
use ksni::menu::{CheckmarkItem, StandardItem, SubMenu};
use ksni::{MenuItem, TrayMethods};
use syncshell_core::paths::Paths;
use syncshell_core::store::{apps, Store};
use syncshell_proxy::ca::Authority;
use syncshell_proxy::{Policy, ReservedRequest, Shim};

/// The proxy's decisions, from the installed origins read at start.
struct Installed(Vec<String>, Arc<Shim>);

impl Policy for Installed {
    fn shim(&self, origin: &str) -> Option<Arc<Shim>> {
        self.0.iter().any(|o| o == origin).then(|| self.1.clone())
    }

    fn reserved(
        &self,
        _: ReservedRequest,
    ) -> Pin<Box<dyn Future<Output = hyper::Response<Full<Bytes>>> + Send>> {
        Box::pin(async { hyper::Response::new(Full::new(Bytes::new())) })
    }
}

/// The tray item the host shows: a submenu per app, the pause switch, settings, quit.
struct Tray {
    apps: Vec<String>,
    icon: Vec<ksni::Icon>,
}

impl ksni::Tray for Tray {
    fn id(&self) -> String {
        "syncshell-probe".into()
    }

    fn icon_pixmap(&self) -> Vec<ksni::Icon> {
        self.icon.clone()
    }

    fn menu(&self) -> Vec<MenuItem<Self>> {
        let check = |label: &str| -> MenuItem<Self> {
            CheckmarkItem {
                label: label.into(),
                checked: true,
                ..Default::default()
            }
            .into()
        };
        let mut menu: Vec<MenuItem<Self>> = self
            .apps
            .iter()
            .map(|name| {
                SubMenu {
                    label: name.clone(),
                    submenu: vec![
                        StandardItem {
                            label: "Open".into(),
                            ..Default::default()
                        }
                        .into(),
                        check("Background sync"),
                        check("Notifications"),
                    ],
                    ..Default::default()
                }
                .into()
            })
            .collect();
        menu.push(MenuItem::Separator);
        menu.push(check("Pause background activity"));
        for label in ["Settings…", "Quit syncshell"] {
            menu.push(
                StandardItem {
                    label: label.into(),
                    ..Default::default()
                }
                .into(),
            );
        }
        menu
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn main() {
    let paths = Paths::from_env().unwrap();
    let store = Store::open(&paths.database()).unwrap();
    let installed = apps::list(store.conn()).unwrap();
    let origins: Vec<String> = installed.iter().map(|a| a.origin.clone()).collect();
    let names: Vec<String> = installed.iter().map(|a| a.name.clone()).collect();

    // The proxy on a runtime of its own, as the host starts it.
    let authority = Arc::new(Authority::open(&paths.tls_dir(), SystemTime::now()).unwrap());
    let policy = Arc::new(Installed(origins, Arc::new(Shim::new("/* shim */"))));
    let options = syncshell_proxy::Options {
        authority: Some(authority),
        ..Default::default()
    };
    syncshell_proxy::start_on_own_thread(policy, options).unwrap();

    // Everything else on a runtime like the host's (two workers on this machine).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        // Notification clicks arrive as signals on one long-lived connection.
        let bus = zbus::Connection::session().await.unwrap();
        let clicks = zbus::MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .interface("org.freedesktop.Notifications")
            .unwrap()
            .build();
        let mut clicks = zbus::MessageStream::for_match_rule(clicks, &bus, None)
            .await
            .unwrap();
        tokio::spawn(async move { while clicks.next().await.is_some() {} });

        // The tray, with the host's 32 x 32 and 64 x 64 icon sizes.
        let icon = [32, 64]
            .into_iter()
            .map(|size: i32| ksni::Icon {
                width: size,
                height: size,
                data: vec![0xff; (size * size * 4) as usize],
            })
            .collect();
        let _tray = Tray { apps: names, icon }
            .assume_sni_available(true)
            .spawn()
            .await
            .unwrap();

        // The control socket, owner-only, in the private runtime directory.
        syncshell_core::paths::ensure_private_dir(&paths.runtime_dir).unwrap();
        let socket = paths.control_socket();
        let _ = std::fs::remove_file(&socket);
        let listener = tokio::net::UnixListener::bind(&socket).unwrap();
        std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600)).unwrap();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                drop(stream);
            }
        });

        // The scheduler: asleep until the next registration is due.
        let next: Option<i64> = store
            .conn()
            .query_row("SELECT MIN(delay_until) FROM sync_registrations", [], |r| {
                r.get(0)
            })
            .unwrap();
        let wait = Duration::from_millis(next.map_or(i64::MAX, |at| at - now_ms()).max(0) as u64);
        println!("ready");
        std::io::stdout().flush().unwrap();
        tokio::time::sleep(wait.min(Duration::from_secs(7 * 24 * 3600))).await;
    });
}
