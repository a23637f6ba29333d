//! The sync API calls, the same for both transports: Tauri IPC from app pages (origin from the
//! webview's URL) and the reserved path from app workers (origin from the proxied URL, checked
//! against the origin's shim token). Never an origin taken from the message.

use serde::{Deserialize, Serialize};
use syncshell_core::permission::{self, Permission, PermissionState, Setting};
use syncshell_core::store::apps;
use syncshell_core::store::sync_registrations::{self as regs, Kind};
use syncshell_core::sync::errors::SyncError;
use syncshell_core::sync::rules::{self, RegisterCall, SitePolicy};

use super::SyncHost;

/// A call as the worker shim sends it: `{cmd, args}` (and the window side forwards a page's).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "cmd", content = "args", rename_all = "snake_case")]
pub enum Call {
    /// `registration.sync.register(tag)`.
    SyncRegister {
        /// Service worker registration scope.
        scope: String,
        /// Tag.
        tag: String,
    },
    /// `registration.sync.getTags()`.
    SyncGetTags {
        /// Scope.
        scope: String,
    },
    /// `registration.periodicSync.register(tag, {minInterval})`.
    PeriodicRegister {
        /// Scope.
        scope: String,
        /// Tag.
        tag: String,
        /// Requested minimum interval (ms).
        #[serde(rename = "minInterval", default)]
        min_interval: f64,
    },
    /// `registration.periodicSync.getTags()`.
    PeriodicGetTags {
        /// Scope.
        scope: String,
    },
    /// `registration.periodicSync.unregister(tag)`.
    PeriodicUnregister {
        /// Scope.
        scope: String,
        /// Tag.
        tag: String,
    },
    /// `navigator.permissions.query({name})` for the host's permissions.
    PermissionState {
        /// Permission name.
        name: String,
    },
    /// The worker's bridge state (permissions, connection), asked for when it starts.
    BridgeState {},
}

/// What a call resolves to in JavaScript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    /// `undefined` (sent as `null`).
    Done,
    /// `getTags()`.
    Tags(Vec<String>),
    /// `permissions.query()`.
    Permission(PermissionState),
    /// The bridge state.
    State(super::bridge_state::BridgeState),
}

/// Checks that `scope` is a URL of `origin`: a page or worker speaks only for its own origin.
fn own_scope(origin: &str, scope: &str) -> Result<(), SyncError> {
    if syncshell_core::origin::is_of(scope, origin) {
        Ok(())
    } else {
        Err(SyncError::WrongOrigin)
    }
}

impl SyncHost {
    /// What the user and the host allow `origin` for `kind`. Background sync is enabled only for
    /// an origin with an installed app: a worker left running after its app was uninstalled is
    /// told "Background Sync is disabled."
    fn policy(&self, origin: &str, kind: Kind) -> Result<SitePolicy, SyncError> {
        let store = self.ctx.store();
        let enabled = apps::count_for_origin(store.conn(), origin)? > 0;
        let name = match kind {
            Kind::Sync => Permission::BackgroundSync,
            Kind::Periodic => Permission::PeriodicBackgroundSync,
        };
        let permitted = permission::get(store.conn(), origin, name)? == Setting::Allow;
        Ok(SitePolicy { permitted, enabled })
    }

    /// Carries out `call` for `origin` (the reserved path's entry point).
    pub fn call(&self, origin: &str, call: Call) -> Result<Answer, SyncError> {
        match call {
            Call::SyncRegister { scope, tag } => self
                .register(origin, &scope, Kind::Sync, &tag, 0.0)
                .map(|()| Answer::Done),
            Call::PeriodicRegister {
                scope,
                tag,
                min_interval,
            } => self
                .register(origin, &scope, Kind::Periodic, &tag, min_interval)
                .map(|()| Answer::Done),
            Call::SyncGetTags { scope } => self.tags(origin, &scope, Kind::Sync).map(Answer::Tags),
            Call::PeriodicGetTags { scope } => {
                self.tags(origin, &scope, Kind::Periodic).map(Answer::Tags)
            }
            Call::PeriodicUnregister { scope, tag } => self
                .unregister_periodic(origin, &scope, &tag)
                .map(|()| Answer::Done),
            Call::PermissionState { name } => {
                self.permission(origin, &name).map(Answer::Permission)
            }
            Call::BridgeState {} => Ok(Answer::State(self.bridge_state(origin)?)),
        }
    }

    /// `register(tag)` of `kind` for `origin`; `min_interval` (ms) counts for periodic only.
    pub fn register(
        &self,
        origin: &str,
        scope: &str,
        kind: Kind,
        tag: &str,
        min_interval: f64,
    ) -> Result<(), SyncError> {
        if min_interval.is_nan() || min_interval < 0.0 {
            return Err(SyncError::BadArgument(
                "minInterval must be a non-negative number".into(),
            ));
        }
        let policy = self.policy(origin, kind)?;
        let call = RegisterCall {
            origin,
            scope,
            kind,
            tag,
            min_interval: min_interval.min(i64::MAX as f64) as i64,
        };
        let now = self.ctx.clock.now_ms();
        rules::register(&mut self.ctx.store(), &self.params, now, policy, &call)?;
        self.wake.notify_one();
        Ok(())
    }

    /// `getTags()` of `kind` for `scope`.
    pub fn tags(&self, origin: &str, scope: &str, kind: Kind) -> Result<Vec<String>, SyncError> {
        own_scope(origin, scope)?;
        Ok(regs::tags(self.ctx.store().conn(), scope, kind)?)
    }

    /// `periodicSync.unregister(tag)`.
    pub fn unregister_periodic(
        &self,
        origin: &str,
        scope: &str,
        tag: &str,
    ) -> Result<(), SyncError> {
        own_scope(origin, scope)?;
        let now = self.ctx.clock.now_ms();
        rules::unregister_periodic(&mut self.ctx.store(), now, scope, tag)?;
        Ok(())
    }

    /// `navigator.permissions.query({name})` for the host's permissions: the stored state.
    pub fn permission(&self, origin: &str, name: &str) -> Result<PermissionState, SyncError> {
        let name = Permission::parse(name).map_err(|e| SyncError::BadArgument(e.to_string()))?;
        Ok(permission::get(self.ctx.store().conn(), origin, name)?.state())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_serialize_as_the_javascript_values() {
        assert_eq!(serde_json::to_string(&Answer::Done).unwrap(), "null");
        assert_eq!(
            serde_json::to_string(&Answer::Tags(vec!["a".into()])).unwrap(),
            r#"["a"]"#
        );
        assert_eq!(
            serde_json::to_string(&Answer::Permission(PermissionState::Denied)).unwrap(),
            r#""denied""#
        );
    }
}
