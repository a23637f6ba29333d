//! A network of the bench's own, which it can take down and bring back: the program re-runs
//! itself in a new network namespace (`unshare --net`, as root) where a link of its own stands
//! for the machine's network. Up with a default route is online, down is offline, for GIO's
//! network monitor (syncshell) and Chromium's alike; loopback, where the fixture servers are,
//! stays up throughout.

use std::process::Command;

/// Marks the re-run inside the namespace.
const INSIDE: &str = "SYNCSHELL_OWN_NETWORK";
/// The link: one end of a veth pair whose other end stays up (a `dummy` link would do, but
/// not every kernel has that module; veth is what containers use).
const LINK: &str = "simnet0";
const PEER: &str = "simnet1";

/// Re-runs this program with the same arguments in a network namespace of its own, and exits
/// with its status; inside it, sets the network up (offline) and returns.
pub fn enter() {
    if std::env::var_os(INSIDE).is_some() {
        ip(&["link", "set", "lo", "up"]);
        ip(&["link", "add", LINK, "type", "veth", "peer", "name", PEER]);
        ip(&["link", "set", PEER, "up"]);
        ip(&["addr", "add", "10.231.0.1/24", "dev", LINK]);
        return;
    }
    let status = Command::new("unshare")
        .arg("--net")
        .arg("--")
        .arg(std::env::current_exe().expect("this program's path"))
        .args(std::env::args_os().skip(1))
        .env(INSIDE, "1")
        .status()
        .expect("unshare (util-linux) runs");
    std::process::exit(status.code().unwrap_or(1));
}

/// Brings the network up (the link and a default route through it) or takes it down.
pub fn set_online(online: bool) {
    if online {
        ip(&["link", "set", LINK, "up"]);
        ip(&["route", "replace", "default", "dev", LINK]);
    } else {
        // The default route goes with the link.
        ip(&["link", "set", LINK, "down"]);
    }
}

fn ip(args: &[&str]) {
    let out = Command::new("ip")
        .args(args)
        .output()
        .expect("ip (iproute2) runs");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}
