//! The two bridge scripts as delivered: the API both sides share (`sync-api.js`), then the
//! side's own part, in one function scope so neither leaves a global behind
//! (`web/bridge/source.mjs` assembles them the same way for the JS tests).

macro_rules! bridge_script {
    ($part:literal) => {
        concat!(
            "(function () {\n'use strict';\n",
            include_str!("../../../web/bridge/sync-api.js"),
            include_str!(concat!("../../../web/bridge/", $part)),
            "})();\n"
        )
    };
}

/// The page bridge, injected into app windows (never into local windows).
pub const PAGE_BRIDGE: &str = bridge_script!("page.js");
/// The worker shim, prepended to app service workers by the proxy.
pub const WORKER_SHIM: &str = bridge_script!("worker-shim.js");
