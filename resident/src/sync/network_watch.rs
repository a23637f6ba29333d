//! Following the system's network for [`Network`], without GLib: what GIO's network monitor
//! reads, read here directly. Where NetworkManager runs (on the system bus), it says whether the
//! network is up and metered and what the primary connection is; elsewhere (a container, a test
//! session) the kernel's routing table does, as GIO's netlink monitor has it: a default route
//! means online. Both are followed by notifications (property changes, route messages), never by
//! polling: an idle host wakes for nothing.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use rtnetlink::packet_route::route::{RouteMessage, RouteType};
use rtnetlink::{MulticastGroup, RouteMessageBuilder};
use tokio::sync::oneshot;

use super::network::{ConnectionType, Network};

/// How long the first reading may take before the scheduler starts anyway (with the network
/// taken as up: an event that fails offline is retried, one never fired is worse).
const FIRST_READING: Duration = Duration::from_secs(2);

/// NetworkManager's well-known name on the system bus.
const NETWORK_MANAGER: &str = "org.freedesktop.NetworkManager";

// The proxy macro generates public items without docs.
#[allow(missing_docs)]
mod nm {
    /// The properties of NetworkManager's manager object this host reads.
    #[zbus::proxy(
        interface = "org.freedesktop.NetworkManager",
        default_service = "org.freedesktop.NetworkManager",
        default_path = "/org/freedesktop/NetworkManager"
    )]
    pub trait NetworkManager {
        /// `NMState`.
        #[zbus(property)]
        fn state(&self) -> zbus::Result<u32>;
        /// `NMConnectivityState`.
        #[zbus(property)]
        fn connectivity(&self) -> zbus::Result<u32>;
        /// `NMMetered`.
        #[zbus(property)]
        fn metered(&self) -> zbus::Result<u32>;
        /// The primary connection's setting type (`802-11-wireless`, `802-3-ethernet`, ...).
        #[zbus(property)]
        fn primary_connection_type(&self) -> zbus::Result<String>;
    }
}

/// What NetworkManager's properties mean here: (online, metered). Connectivity decides when NM
/// has checked it: none is offline; a portal, limited or full connectivity is online (a portal's
/// login page is reachable, and an app's request will say the rest). Unchecked, the state
/// decides: connected to a site or globally is online. Metered is "yes" or "guessed yes".
pub fn network_manager_says(state: u32, connectivity: u32, metered: u32) -> (bool, bool) {
    // NMConnectivityState: 0 unknown, 1 none, 2 portal, 3 limited, 4 full.
    // NMState: 60 connected (site), 70 connected (global).
    // NMMetered: 1 yes, 3 guess yes.
    let online = match connectivity {
        1 => false,
        2..=4 => true,
        _ => state >= 60,
    };
    (online, online && matches!(metered, 1 | 3))
}

/// Whether `route` is a default route that carries traffic (not an `unreachable` or
/// `blackhole` placeholder).
pub fn is_default_route(route: &RouteMessage) -> bool {
    route.header.destination_prefix_length == 0 && route.header.kind == RouteType::Unicast
}

/// Follows the system's network into `network`, calling `changed` after every change that
/// matters; returns at once. The receiver resolves after the first reading (or after
/// [`FIRST_READING`] if it takes longer): start what plans with the network after it. Call it
/// inside the Tokio runtime.
pub fn watch(network: Arc<Network>, changed: Arc<dyn Fn() + Send + Sync>) -> oneshot::Receiver<()> {
    let (first_tx, first_rx) = oneshot::channel();
    let (ready_tx, ready_rx) = oneshot::channel();
    tokio::spawn(async move {
        let _ = tokio::time::timeout(FIRST_READING, first_rx).await;
        let _ = ready_tx.send(());
    });
    tokio::spawn(async move {
        let first = Some(first_tx);
        match network_manager().await {
            Some(nm) => follow_network_manager(nm, network, changed, first).await,
            None => follow_routes(network, changed, first).await,
        }
    });
    ready_rx
}

/// NetworkManager's manager object, if NetworkManager runs (it is not started for us: on a
/// desktop without it, the routes say what there is).
async fn network_manager() -> Option<nm::NetworkManagerProxy<'static>> {
    let bus = zbus::Connection::system().await.ok()?;
    let dbus = zbus::fdo::DBusProxy::new(&bus).await.ok()?;
    let name = zbus::names::BusName::try_from(NETWORK_MANAGER).ok()?;
    if !dbus.name_has_owner(name).await.ok()? {
        return None;
    }
    nm::NetworkManagerProxy::new(&bus).await.ok()
}

/// Records a reading; calls `changed` if it changed anything.
fn record(network: &Network, changed: &(dyn Fn() + Send + Sync), online: bool, metered: bool) {
    if network.set_monitor(online, metered) {
        if network.is_online() {
            crate::timing::mark("network-online", "-");
        }
        changed();
    }
}

async fn follow_network_manager(
    nm: nm::NetworkManagerProxy<'static>,
    network: Arc<Network>,
    changed: Arc<dyn Fn() + Send + Sync>,
    mut first: Option<oneshot::Sender<()>>,
) {
    // Every property's change means "read them again"; only a real change is passed on.
    let mut changes = futures_util::stream::select_all([
        nm.receive_state_changed().await.map(|_| ()).boxed(),
        nm.receive_connectivity_changed().await.map(|_| ()).boxed(),
        nm.receive_metered_changed().await.map(|_| ()).boxed(),
        nm.receive_primary_connection_type_changed()
            .await
            .map(|_| ())
            .boxed(),
    ]);
    loop {
        let (online, metered) = network_manager_says(
            nm.state().await.unwrap_or(0),
            nm.connectivity().await.unwrap_or(0),
            nm.metered().await.unwrap_or(0),
        );
        let kind = nm
            .primary_connection_type()
            .await
            .map_or(ConnectionType::Unknown, |k| {
                ConnectionType::from_network_manager(&k)
            });
        let typed = network.set_monitor_type(kind);
        record(&network, &*changed, online, metered);
        if typed {
            changed();
        }
        if let Some(first) = first.take() {
            let _ = first.send(());
        }
        if changes.next().await.is_none() {
            eprintln!(
                "syncshell: NetworkManager's signals stopped; the network state stays as it was"
            );
            return;
        }
    }
}

async fn follow_routes(
    network: Arc<Network>,
    changed: Arc<dyn Fn() + Send + Sync>,
    mut first: Option<oneshot::Sender<()>>,
) {
    let groups = [MulticastGroup::Ipv4Route, MulticastGroup::Ipv6Route];
    let (connection, handle, mut messages) = match rtnetlink::new_multicast_connection(&groups) {
        Ok(parts) => parts,
        Err(e) => {
            eprintln!("syncshell: cannot follow the network (netlink: {e}); taken as online");
            return;
        }
    };
    tokio::spawn(connection);
    loop {
        match has_default_route(&handle).await {
            Ok(online) => record(&network, &*changed, online, false),
            Err(e) => eprintln!("syncshell: cannot read the routing table: {e}"),
        }
        if let Some(first) = first.take() {
            let _ = first.send(());
        }
        // Any route added or removed: read the table again (a link going up or down comes as a
        // few messages; each reading is one dump of a small table).
        if messages.next().await.is_none() {
            eprintln!(
                "syncshell: the kernel's route messages stopped; the network state stays as it was"
            );
            return;
        }
    }
}

/// Whether the routing table has a default route, IPv4 or IPv6.
async fn has_default_route(handle: &rtnetlink::Handle) -> Result<bool, rtnetlink::Error> {
    let dumps = [
        RouteMessageBuilder::<Ipv4Addr>::new().build(),
        RouteMessageBuilder::<Ipv6Addr>::new().build(),
    ];
    for dump in dumps {
        let mut routes = handle.route().get(dump).execute();
        while let Some(route) = routes.try_next().await? {
            if is_default_route(&route) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_manager_s_connectivity_decides_and_its_state_stands_in_when_unchecked() {
        // Full connectivity, metered by guess.
        assert_eq!(network_manager_says(70, 4, 3), (true, true));
        // A captive portal is online; "no" metering.
        assert_eq!(network_manager_says(70, 2, 2), (true, false));
        // No connectivity: offline, and offline is never metered.
        assert_eq!(network_manager_says(70, 1, 1), (false, false));
        // Unchecked connectivity: the state says.
        assert_eq!(network_manager_says(70, 0, 0), (true, false));
        assert_eq!(network_manager_says(60, 0, 1), (true, true));
        assert_eq!(network_manager_says(50, 0, 0), (false, false));
        assert_eq!(network_manager_says(20, 0, 0), (false, false));
    }

    #[test]
    fn only_a_unicast_route_to_everywhere_is_a_way_out() {
        let mut route = RouteMessageBuilder::<Ipv4Addr>::new().build();
        route.header.kind = RouteType::Unicast;
        assert!(is_default_route(&route));
        route.header.destination_prefix_length = 24;
        assert!(!is_default_route(&route), "a subnet route");
        route.header.destination_prefix_length = 0;
        route.header.kind = RouteType::Unreachable;
        assert!(!is_default_route(&route), "an unreachable default");
    }
}
