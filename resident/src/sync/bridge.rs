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

/// The page bridge, injected into app windows (never into local windows), with the app's
/// `state` at the time the window opens (kept current afterwards by `bridge_state` and pushes).
pub fn page_bridge(state: Option<&super::bridge_state::BridgeState>) -> String {
    let json = state
        .and_then(|s| serde_json::to_string(s).ok())
        .unwrap_or_else(|| "undefined".into());
    format!(
        "(function () {{\n'use strict';\nconst SYNCSHELL_INITIAL_STATE = {json};\n{}{}}})();\n",
        include_str!("../../../web/bridge/sync-api.js"),
        include_str!("../../../web/bridge/page.js"),
    )
}

/// The worker shim, prepended to app service workers by the proxy.
pub const WORKER_SHIM: &str = bridge_script!("worker-shim.js");
