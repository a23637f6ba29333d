//! The host's limit of open files, raised to what the system allows. A host lives for weeks in the
//! tray and opens a window (visible or hidden) for every app opened and many sync events, and
//! WebKitGTK 2.50 keeps one 4 KiB shared-memory descriptor in the host for every web view it
//! closes (measured: `tests/tests/lifetime.rs`, the soak; README "Reliability"; the memory kept
//! with it is an open bug). Under the usual soft limit of 1024 that would end in "too many open
//! files" (no database, no sockets) after about a thousand windows; the hard limit (524288 on
//! systemd systems) puts that out of reach. Chrome and Firefox raise their limit the same way.

use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};

/// Raises the soft limit of open files to the hard one; returns the limit now in force (`None`:
/// unlimited). A failure leaves the limit as it was, said on stderr.
pub fn raise_limit() -> Option<u64> {
    let limit = getrlimit(Resource::Nofile);
    if limit.current == limit.maximum {
        return limit.current;
    }
    let raised = Rlimit {
        current: limit.maximum,
        maximum: limit.maximum,
    };
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => limit.maximum,
        Err(e) => {
            eprintln!("syncshell: cannot raise the open-file limit: {e}");
            limit.current
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_ends_at_the_hard_one() {
        let now = raise_limit();
        let limit = getrlimit(Resource::Nofile);
        assert_eq!(limit.current, limit.maximum);
        assert_eq!(now, limit.current);
        // Again: nothing to do, same answer.
        assert_eq!(raise_limit(), now);
    }
}
