//! The sync API calls, the same for both transports: Tauri IPC from app pages (origin from the
//! webview's URL) and the reserved path from app workers (origin from the proxied URL, checked
//! against the origin's shim token). Never an origin taken from the message.

use serde::Deserialize;
use serde_json::{json, Value};
use syncshell_core::store::site_settings;
use syncshell_core::store::sync_registrations::{self as regs, Kind};
use syncshell_core::sync::errors::SyncError;
use syncshell_core::sync::rules::{self, RegisterCall, SitePolicy};

use super::SyncHost;

/// A call as the bridge and shim send it: `{cmd, args}`.
#[derive(Debug, Deserialize)]
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
    /// `navigator.permissions.query({name})` for the two sync permissions.
    PermissionState {
        /// Permission name.
        name: String,
    },
}

/// Checks that `scope` is a URL of `origin`: a page or worker speaks only for its own origin.
fn own_scope(origin: &str, scope: &str) -> Result<(), String> {
    match url::Url::parse(scope) {
        Ok(u) if u.origin().ascii_serialization() == origin => Ok(()),
        _ => Err(SyncError::WrongOrigin.to_string()),
    }
}

impl SyncHost {
    fn policy(&self, origin: &str, kind: Kind) -> Result<SitePolicy, String> {
        let settings = site_settings::get(self.ctx.store().conn(), origin)
            .map_err(|e| SyncError::from(e).to_string())?;
        let permitted = match kind {
            Kind::Sync => settings.background_sync,
            Kind::Periodic => settings.periodic_background_sync,
        };
        Ok(SitePolicy {
            permitted,
            enabled: true,
        })
    }

    /// Carries out `call` for `origin`; the value is what the JS promise resolves to, the error
    /// a "DOMExceptionName: message" string.
    pub fn call(&self, origin: &str, call: Call) -> Result<Value, String> {
        let now = self.ctx.clock.now_ms();
        match call {
            Call::SyncRegister { scope, tag } => {
                self.register(origin, &scope, Kind::Sync, &tag, 0, now)
            }
            Call::PeriodicRegister {
                scope,
                tag,
                min_interval,
            } => {
                if min_interval.is_nan() || min_interval < 0.0 {
                    return Err("TypeError: minInterval must be a non-negative number".into());
                }
                self.register(
                    origin,
                    &scope,
                    Kind::Periodic,
                    &tag,
                    min_interval.min(i64::MAX as f64) as i64,
                    now,
                )
            }
            Call::SyncGetTags { scope } => self.tags(origin, &scope, Kind::Sync),
            Call::PeriodicGetTags { scope } => self.tags(origin, &scope, Kind::Periodic),
            Call::PeriodicUnregister { scope, tag } => {
                own_scope(origin, &scope)?;
                rules::unregister_periodic(&mut self.ctx.store(), now, &scope, &tag)
                    .map_err(|e| e.to_string())?;
                Ok(Value::Null)
            }
            Call::PermissionState { name } => {
                let kind = match name.as_str() {
                    "background-sync" => Kind::Sync,
                    "periodic-background-sync" => Kind::Periodic,
                    other => return Err(format!("TypeError: unknown permission \"{other}\"")),
                };
                let policy = self.policy(origin, kind)?;
                Ok(json!(if policy.permitted {
                    "granted"
                } else {
                    "denied"
                }))
            }
        }
    }

    fn register(
        &self,
        origin: &str,
        scope: &str,
        kind: Kind,
        tag: &str,
        min_interval: i64,
        now: i64,
    ) -> Result<Value, String> {
        let policy = self.policy(origin, kind)?;
        let call = RegisterCall {
            origin,
            scope,
            kind,
            tag,
            min_interval,
            has_active_worker: true,
        };
        rules::register(&mut self.ctx.store(), &self.params, now, policy, &call)
            .map_err(|e| e.to_string())?;
        self.wake.notify_one();
        Ok(Value::Null)
    }

    fn tags(&self, origin: &str, scope: &str, kind: Kind) -> Result<Value, String> {
        own_scope(origin, scope)?;
        let tags = regs::tags(self.ctx.store().conn(), scope, kind)
            .map_err(|e| SyncError::from(e).to_string())?;
        Ok(json!(tags))
    }
}
