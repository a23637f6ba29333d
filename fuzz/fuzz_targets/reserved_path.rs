//! What the worker's reserved-path calls (`POST /__syncshell__/api`) do in core, on a store in
//! memory: `sync::rules::register` and `unregister_periodic`, the tags `getTags()` answers
//! (`store::sync_registrations::tags`), the scope check (`origin::is_of`) and permission names
//! (`Permission::parse`), in fuzzed sequences from one origin with fuzzed scopes, tags, intervals,
//! site policies and clock steps. (The JSON `{cmd, args}` decoding of those calls is the host
//! crate's, which links GTK, so it is not here.)
//!
//! Checked, from the rules' contracts: a registration is accepted only for a scope of the
//! caller's origin, a tag of at most `MAX_TAG_LENGTH` characters, an enabled and permitted site,
//! and within the per-origin quota; an accepted tag is listed by `getTags()` for its scope and
//! kind, and gone once unregistered; the store never fails; a known permission name parses to
//! the permission of that name.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use syncshell_core::clock::Millis;
use syncshell_core::origin;
use syncshell_core::permission::Permission;
use syncshell_core::store::sync_registrations::{self as regs, Kind};
use syncshell_core::store::{engagement, Store};
use syncshell_core::sync::errors::{SyncError, MAX_TAG_LENGTH};
use syncshell_core::sync::parameters::Parameters;
use syncshell_core::sync::rules::{self, RegisterCall, SitePolicy};

const ORIGIN: &str = "http://127.0.0.1:8000";
/// A small quota, so that sequences reach it.
const QUOTA: u32 = 4;

#[derive(Debug, Arbitrary)]
enum Scope {
    /// A path on the caller's origin.
    Own(String),
    /// Anything a worker may send.
    Raw(String),
}

impl Scope {
    fn text(&self) -> String {
        match self {
            Scope::Own(path) => format!("{ORIGIN}/{path}"),
            Scope::Raw(text) => text.clone(),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Op {
    Register {
        periodic: bool,
        scope: Scope,
        tag: String,
        /// Long tags without long inputs.
        repeat_tag: u16,
        /// The host passes a non-negative whole number of ms (a page's `minInterval` clamped).
        min_interval: u64,
        permitted: bool,
        enabled: bool,
    },
    GetTags {
        periodic: bool,
        scope: Scope,
    },
    Unregister {
        scope: Scope,
        tag: String,
    },
    Permission {
        name: String,
    },
    /// The user opened the app: engagement, which scales periodic intervals.
    Launch,
    /// Time passes.
    Wait {
        ms: u32,
    },
}

fn kind(periodic: bool) -> Kind {
    if periodic {
        Kind::Periodic
    } else {
        Kind::Sync
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let Ok(mut store) = Store::open_in_memory() else {
        return;
    };
    let params = Parameters {
        max_registrations_per_origin: QUOTA,
        ..Parameters::default()
    };
    let mut now: Millis = 1_700_000_000_000;
    for op in ops.iter().take(32) {
        match op {
            Op::Register {
                periodic,
                scope,
                tag,
                repeat_tag,
                min_interval,
                permitted,
                enabled,
            } => {
                let scope = scope.text();
                let tag = if *repeat_tag > 0 && !tag.is_empty() {
                    tag.repeat(usize::from(*repeat_tag).min(MAX_TAG_LENGTH + 2))
                } else {
                    tag.clone()
                };
                let call = RegisterCall {
                    origin: ORIGIN,
                    scope: &scope,
                    kind: kind(*periodic),
                    tag: &tag,
                    min_interval: Millis::try_from(*min_interval).unwrap_or(Millis::MAX),
                };
                let policy = SitePolicy {
                    permitted: *permitted,
                    enabled: *enabled,
                };
                let before = regs::count_for_origin(store.conn(), ORIGIN).expect("the store");
                let result = rules::register(&mut store, &params, now, policy, &call);
                let own = origin::is_of(&scope, ORIGIN);
                match &result {
                    Ok(_) => {
                        assert!(own, "registered for another origin's scope {scope:?}");
                        assert!(tag.chars().count() <= MAX_TAG_LENGTH);
                        assert!(*permitted && *enabled);
                        let tags =
                            regs::tags(store.conn(), &scope, kind(*periodic)).expect("the store");
                        assert!(
                            tags.contains(&tag),
                            "{tag:?} registered, not listed: {tags:?}"
                        );
                    }
                    Err(SyncError::WrongOrigin) => assert!(!own),
                    Err(SyncError::TagTooLong) => {
                        assert!(tag.chars().count() > MAX_TAG_LENGTH)
                    }
                    Err(SyncError::Disabled) => assert!(!enabled),
                    Err(SyncError::PermissionDenied) => assert!(!permitted),
                    Err(SyncError::QuotaExceeded(n)) => assert!(*n >= QUOTA && before >= QUOTA),
                    Err(e) => panic!("register failed: {e}"),
                }
                let after = regs::count_for_origin(store.conn(), ORIGIN).expect("the store");
                assert!(
                    after <= QUOTA,
                    "{after} registrations over a quota of {QUOTA}"
                );
            }
            Op::GetTags { periodic, scope } => {
                let tags =
                    regs::tags(store.conn(), &scope.text(), kind(*periodic)).expect("the store");
                assert!(tags.len() <= QUOTA as usize);
            }
            Op::Unregister { scope, tag } => {
                let scope = scope.text();
                match rules::unregister_periodic(&mut store, now, &scope, tag) {
                    Ok(_) => {
                        let tags =
                            regs::tags(store.conn(), &scope, Kind::Periodic).expect("the store");
                        assert!(!tags.contains(tag), "{tag:?} still listed after unregister");
                    }
                    Err(e) => panic!("unregister failed: {e}"),
                }
            }
            Op::Permission { name } => {
                if let Ok(p) = Permission::parse(name) {
                    assert_eq!(p.name(), name);
                }
            }
            Op::Launch => {
                engagement::record_launch(store.conn(), ORIGIN, now).expect("the store");
            }
            Op::Wait { ms } => now += Millis::from(*ms),
        }
    }
});
