//! The host follows the system's network without GLib: where NetworkManager runs, its state on
//! the system bus decides; elsewhere, the kernel's routing table (a default route is online).
//! Each test gives the host a network of its own to change: a network namespace with a link the
//! test takes down and brings back, or a mock NetworkManager (Debian's `python3-dbusmock`) on a
//! bus standing in for the system bus.

use std::process::{Command, Stdio};
use std::time::Duration;

use syncshell_e2e::harness::{wait_until, Env};
use syncshell_e2e::session_bus::SessionBus;

/// How long the host may take to follow a change (it is told at once; this bounds a failure).
const FOLLOW: Duration = Duration::from_secs(20);

/// The system Python, where Debian installs dbusmock (a `python3` earlier in PATH may lack it).
const PYTHON: &str = "/usr/bin/python3";

/// What `syncshell network` says now.
fn network(env: &Env) -> String {
    env.run(&["network"]).success().stdout
}

/// Waits until `syncshell network` says `words`; returns the whole line.
fn wait_for_network(env: &Env, words: &str) -> String {
    wait_until(&format!("the host to say \"{words}\""), FOLLOW, || {
        network(env).contains(words)
    });
    network(env)
}

/// Runs `ip ARGS` in the network namespace of process `pid`.
fn ip_in(pid: u32, args: &[&str]) {
    let out = Command::new("nsenter")
        .arg(format!("--net=/proc/{pid}/ns/net"))
        .arg("--")
        .arg("ip")
        .args(args)
        .output()
        .expect("nsenter (util-linux) and ip (iproute2) run");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn without_network_manager_the_host_follows_the_kernel_s_default_route() {
    let mut env = Env::new();
    // No NetworkManager, even on a machine that runs one: a system bus that is not there.
    env.set_env(
        "DBUS_SYSTEM_BUS_ADDRESS",
        "unix:path=/nonexistent/system_bus_socket",
    );
    // The host (and its session bus) in a network namespace of its own: only loopback, down,
    // and no route. Root makes one directly; anyone else through a user namespace.
    if is_root() {
        env.run_under(&["unshare", "--net", "--"]);
    } else {
        env.run_under(&["unshare", "--user", "--map-root-user", "--net", "--"]);
    }
    env.start_host();
    let pid = env.host_pid().expect("the host wrote its pid");
    let line = wait_for_network(&env, "which says offline");
    assert!(line.starts_with("network: offline"), "{line}");
    assert!(line.contains("connection type: none"), "{line}");

    // A link with an address but no default route: still offline.
    ip_in(pid, &["link", "set", "lo", "up"]);
    ip_in(
        pid,
        &[
            "link", "add", "simnet0", "type", "veth", "peer", "name", "simnet1",
        ],
    );
    ip_in(pid, &["link", "set", "simnet1", "up"]);
    ip_in(pid, &["addr", "add", "10.231.0.1/24", "dev", "simnet0"]);
    ip_in(pid, &["link", "set", "simnet0", "up"]);
    assert!(network(&env).contains("which says offline"));

    // A default route: online, of a kind the kernel does not say.
    ip_in(pid, &["route", "replace", "default", "dev", "simnet0"]);
    let line = wait_for_network(&env, "which says online");
    assert!(line.starts_with("network: online ("), "{line}");
    assert!(line.contains("connection type: unknown"), "{line}");

    // The link goes down and its default route with it; then back.
    ip_in(pid, &["link", "set", "simnet0", "down"]);
    wait_for_network(&env, "which says offline");
    ip_in(pid, &["link", "set", "simnet0", "up"]);
    ip_in(pid, &["route", "replace", "default", "dev", "simnet0"]);
    wait_for_network(&env, "which says online");

    // An unreachable default is no way out.
    ip_in(pid, &["link", "set", "simnet0", "down"]);
    ip_in(pid, &["route", "add", "unreachable", "default"]);
    wait_for_network(&env, "which says offline");

    // The user's override still wins, and `auto` hands back to the routes.
    env.run(&["network", "online"]).success();
    assert!(network(&env).starts_with("network: online (overridden"));
    env.run(&["network", "auto"]).success();
    assert!(network(&env).contains("which says offline"));
}

/// Whether the tests run as root.
fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// A mock NetworkManager (dbusmock's template) on a bus of the test's own, changed through
/// `fixtures/networkmanager.py`.
struct MockNetworkManager {
    address: String,
    mock: std::process::Child,
}

impl MockNetworkManager {
    /// Starts it on `bus` and returns once it answers.
    fn start(bus: &SessionBus) -> Self {
        let mock = Command::new(PYTHON)
            .args(["-m", "dbusmock", "--system", "-t", "networkmanager"])
            .env("DBUS_SYSTEM_BUS_ADDRESS", &bus.address)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3-dbusmock must be installed (`make test` installs it)");
        let nm = Self {
            address: bus.address.clone(),
            mock,
        };
        wait_until("the mock NetworkManager", FOLLOW, || {
            nm.run(&["get", "Connectivity"])
        });
        nm
    }

    fn run(&self, args: &[&str]) -> bool {
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/networkmanager.py");
        Command::new(PYTHON)
            .arg(script)
            .args(args)
            .env("DBUS_SYSTEM_BUS_ADDRESS", &self.address)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Sets a property of NetworkManager's manager object: `kind` `u` (uint32) or `s` (string).
    fn set(&self, name: &str, kind: &str, value: &str) {
        assert!(
            self.run(&["set", name, kind, value]),
            "set NetworkManager's {name} to {value}"
        );
    }
}

impl Drop for MockNetworkManager {
    fn drop(&mut self) {
        let _ = self.mock.kill();
        let _ = self.mock.wait();
    }
}

#[test]
fn where_network_manager_runs_its_connectivity_metering_and_link_decide() {
    let system = SessionBus::start();
    let nm = MockNetworkManager::start(&system);
    // NMMetered 4: "guessed no"; the primary connection is Wi-Fi.
    nm.set("Metered", "u", "4");
    nm.set("PrimaryConnectionType", "s", "802-11-wireless");
    let mut env = Env::new();
    env.set_env("DBUS_SYSTEM_BUS_ADDRESS", &system.address);
    env.start_host();
    let line = wait_for_network(&env, "connection type: wifi");
    assert!(line.starts_with("network: online ("), "{line}");

    // No connectivity: offline, whatever the routes say.
    nm.set("Connectivity", "u", "1");
    let line = wait_for_network(&env, "which says offline");
    assert!(line.contains("connection type: none"), "{line}");

    // Back, on a metered mobile link.
    nm.set("Metered", "u", "1");
    nm.set("PrimaryConnectionType", "s", "gsm");
    nm.set("Connectivity", "u", "4");
    let line = wait_for_network(&env, "which says online, metered");
    assert!(line.starts_with("network: online, metered"), "{line}");
    assert!(line.contains("connection type: cellular"), "{line}");

    // Connectivity not checked: the state decides (connected locally only is offline).
    nm.set("Metered", "u", "2");
    nm.set("Connectivity", "u", "0");
    nm.set("State", "u", "50");
    wait_for_network(&env, "which says offline");
    nm.set("State", "u", "70");
    wait_for_network(&env, "which says online)");
}
