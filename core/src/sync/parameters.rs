//! Every tunable of background sync in one place, with Chromium's values as defaults
//! (content/public/browser/background_sync_parameters.h). Power users and tests override them in
//! `$XDG_CONFIG_HOME/syncshell/config.toml` or with `SYNCSHELL_*` environment variables.
//!
//! The struct is the schema: serde reads each field under its own name, so a new setting is a
//! field (with its reader and its default) and nothing else. Keys may stand at the top of the file
//! or in a `[sync]` table. Counts are TOML integers above 0; durations are strings such as `"5m"`
//! or integers of milliseconds. Environment variables (`SYNCSHELL_` + the key uppercased) are
//! text, so a whole number there is read as the integer it spells.

use std::fmt;
use std::path::Path;

use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::{Deserialize, Serialize};
use toml::de::{DeString, DeTable, DeValue, ValueDeserializer};
use toml::{Spanned, Table, Value};

use crate::clock::Millis;

const SECOND: Millis = 1_000;
const MINUTE: Millis = 60 * SECOND;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;

/// Background sync policy. Durations are in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Parameters {
    /// Attempts of a one-off sync before it is dropped (Chromium: 3).
    #[serde(deserialize_with = "count")]
    pub max_sync_attempts: u32,
    /// Delay before the first retry (Chromium: 5 min).
    #[serde(deserialize_with = "duration")]
    pub initial_retry_delay: Millis,
    /// Each further retry waits this many times longer (Chromium: 3).
    #[serde(deserialize_with = "count")]
    pub retry_delay_factor: u32,
    /// After a crash mid-event, the earliest a registration fires again (Chromium: 6 min).
    #[serde(deserialize_with = "duration")]
    pub min_sync_recovery_time: Millis,
    /// An event running longer than this has failed (Chromium: 3 min).
    #[serde(deserialize_with = "duration")]
    pub max_sync_event_duration: Millis,
    /// Periodic sync never fires more often than this per origin (Chromium: 12 h).
    #[serde(deserialize_with = "duration")]
    pub min_periodic_sync_events_interval: Millis,
    /// Hidden webviews open at once for dispatch.
    #[serde(deserialize_with = "count")]
    pub max_hidden_webviews: u32,
    /// A hidden webview with nothing to do closes after this long.
    #[serde(deserialize_with = "duration")]
    pub hidden_webview_idle: Millis,
    /// The apps' WebKit network processes end once no app has had a page for this long (WebKit
    /// starts a new one with an app's next page).
    #[serde(deserialize_with = "duration")]
    pub network_process_idle: Millis,
    /// The window process (GTK, WebKit) ends once it has had no window for this long; the
    /// resident starts a new one when a window is needed again.
    #[serde(deserialize_with = "duration")]
    pub window_process_linger: Millis,
    /// Registrations one origin may hold (one-off and periodic together).
    #[serde(deserialize_with = "count")]
    pub max_registrations_per_origin: u32,
    /// How long the background-services log keeps entries (DevTools: 3 days).
    #[serde(deserialize_with = "duration")]
    pub log_retention: Millis,
    /// Periodic events wait for an unmetered connection (one-off syncs, which carry the user's own
    /// data, never wait for that). `true` or `false`.
    pub hold_periodic_on_metered: bool,
    /// WebKit's accelerated compositing in app windows: `"auto"` (off where there is no GPU),
    /// `"always"` or `"never"`.
    pub hardware_acceleration: HardwareAcceleration,
}

/// Whether app pages are composited with OpenGL. Without a GPU, Mesa emulates one on the CPU
/// (llvmpipe) in every web process: 40 to 60 MiB more per app window (measured: README
/// "Benchmarks"), and no faster. WebGL works either way (drawn and read back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HardwareAcceleration {
    /// Off where the machine has no GPU render node (`/dev/dri/renderD*`), on elsewhere.
    #[default]
    Auto,
    /// Always on (WebKit's own default).
    Always,
    /// Always off.
    Never,
}

impl HardwareAcceleration {
    /// Whether pages are composited with OpenGL, `gpu` saying whether the machine has a GPU.
    pub fn enabled(self, gpu: bool) -> bool {
        match self {
            Self::Auto => gpu,
            Self::Always => true,
            Self::Never => false,
        }
    }
}

impl Default for Parameters {
    fn default() -> Self {
        Self {
            max_sync_attempts: 3,
            initial_retry_delay: 5 * MINUTE,
            retry_delay_factor: 3,
            min_sync_recovery_time: 6 * MINUTE,
            max_sync_event_duration: 3 * MINUTE,
            min_periodic_sync_events_interval: 12 * HOUR,
            max_hidden_webviews: 2,
            hidden_webview_idle: 30 * SECOND,
            network_process_idle: MINUTE,
            window_process_linger: MINUTE,
            max_registrations_per_origin: 100,
            log_retention: 3 * DAY,
            hold_periodic_on_metered: true,
            hardware_acceleration: HardwareAcceleration::Auto,
        }
    }
}

/// A bad setting: which one, where, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: {key}: {reason}")]
pub struct ParameterError {
    /// The file and line ("…/config.toml line 3"), or "environment variable SYNCSHELL_…".
    pub source_name: String,
    /// The setting ("-" when the file cannot be read at all).
    pub key: String,
    /// What is wrong.
    pub reason: String,
}

/// A `key = value` of the file as the TOML parser gives it, with the places of both.
type Entry<'i> = (Spanned<DeString<'i>>, Spanned<DeValue<'i>>);

/// One `key = value` from the file or the environment, with where it came from.
struct Setting {
    source_name: String,
    key: String,
    value: Value,
}

impl Setting {
    fn error(&self, reason: impl Into<String>) -> ParameterError {
        error(&self.source_name, &self.key, reason)
    }
}

fn error(source_name: &str, key: &str, reason: impl Into<String>) -> ParameterError {
    ParameterError {
        source_name: source_name.into(),
        key: key.into(),
        reason: reason.into(),
    }
}

/// One parameter in force, as the settings panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InForce {
    /// Its name (`log_retention`).
    pub name: String,
    /// Its value as a user would write it: `3d`, `100`, `true`.
    pub value: String,
    /// Where it came from: `default`, `…/config.toml line 3`, `environment variable SYNCSHELL_…`.
    pub source: String,
}

/// The parameters that are durations (shown as `5m`, not milliseconds).
const DURATIONS: [&str; 8] = [
    "initial_retry_delay",
    "min_sync_recovery_time",
    "max_sync_event_duration",
    "min_periodic_sync_events_interval",
    "hidden_webview_idle",
    "network_process_idle",
    "window_process_linger",
    "log_retention",
];

impl Parameters {
    /// Defaults, then the config file (if it exists), then the environment.
    pub fn load(
        config_file: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ParameterError> {
        Self::from_settings(Self::settings(config_file, env)?)
    }

    /// [`Parameters::load`] with the config file's contents given: defaults, then `text` (read as
    /// the file called `name`, which errors name), then the environment. Never touches the file
    /// system, so a config file can be checked (or fuzzed) without writing it anywhere. Any
    /// `Ok` holds only values the file and environment may give: counts above 0, durations
    /// above 0 ms.
    pub fn from_text(
        text: &str,
        name: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ParameterError> {
        let mut settings = file_settings(text, name)?;
        settings.extend(Self::env_settings(env));
        Self::from_settings(settings)
    }

    /// Every parameter loaded as [`Parameters::load`] does, with where its value came from.
    pub fn in_force(
        config_file: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<InForce>, ParameterError> {
        let settings = Self::settings(config_file, env)?;
        let sources: Vec<(String, String)> = settings
            .iter()
            .map(|s| (s.key.clone(), s.source_name.clone()))
            .collect();
        let params = Self::from_settings(settings)?;
        let table = Table::try_from(params).expect("every field fits a TOML table");
        Ok(table
            .into_iter()
            .map(|(name, value)| {
                let source = sources
                    .iter()
                    .rev()
                    .find(|(key, _)| *key == name)
                    .map_or_else(|| "default".to_owned(), |(_, source)| source.clone());
                let value = match value {
                    Value::Integer(ms) if DURATIONS.contains(&name.as_str()) => format_duration(ms),
                    other => other.to_string(),
                };
                InForce {
                    name,
                    value,
                    source,
                }
            })
            .collect())
    }

    /// The file's settings then the environment's, in the order they apply.
    fn settings(
        config_file: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<Setting>, ParameterError> {
        let name = config_file.display().to_string();
        let mut settings = match std::fs::read_to_string(config_file) {
            Ok(text) => file_settings(&text, &name)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(error(&name, "-", e.to_string())),
        };
        settings.extend(Self::env_settings(env));
        Ok(settings)
    }

    /// The environment's settings (`SYNCSHELL_` + a key uppercased), in key order.
    fn env_settings(env: impl Fn(&str) -> Option<String>) -> Vec<Setting> {
        Self::keys()
            .into_iter()
            .filter_map(|key| {
                let var = format!("SYNCSHELL_{}", key.to_ascii_uppercase());
                let text = env(&var)?;
                Some(Setting {
                    source_name: format!("environment variable {var}"),
                    value: env_value(&text),
                    key,
                })
            })
            .collect()
    }

    /// The setting names: the fields' names, as the derived `Serialize` writes them.
    fn keys() -> Vec<String> {
        Table::try_from(Self::default())
            .expect("every field is a number, which a TOML table holds")
            .into_iter()
            .map(|(key, _)| key)
            .collect()
    }

    /// Applies `settings` in order over the defaults, so later ones (the environment) win.
    fn from_settings(settings: Vec<Setting>) -> Result<Self, ParameterError> {
        let keys = Self::keys();
        let mut table = Table::new();
        let mut params = Self::default();
        for setting in settings {
            if !keys.contains(&setting.key) {
                let known = keys.join(", ");
                return Err(setting.error(format!("unknown setting (known: {known})")));
            }
            table.insert(setting.key.clone(), setting.value.clone());
            // Every earlier setting was valid, so an error here is this setting's own.
            params = Self::deserialize(Value::Table(table.clone()))
                .map_err(|e| setting.error(e.message()))?;
        }
        Ok(params)
    }
}

/// The settings in a config file, in file order: top-level keys and those of a `[sync]` table.
fn file_settings(text: &str, name: &str) -> Result<Vec<Setting>, ParameterError> {
    let at = |offset: usize| format!("{name} line {}", line_of(text, offset));
    let (document, errors) = DeTable::parse_recoverable(text);
    let mut entries: Vec<Entry<'_>> = Vec::new();
    for (key, value) in document.into_inner() {
        match value.get_ref() {
            DeValue::Table(table) if key.get_ref() == "sync" => {
                entries.extend(table.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            _ => entries.push((key, value)),
        }
    }
    entries.sort_by_key(|(key, _)| key.span().start);
    if let Some(syntax) = errors.first() {
        let span = syntax.span().unwrap_or(0..0);
        let key = key_of_syntax_error(text, &span, &entries);
        let reason = match unquoted_duration(text, span.start) {
            // The file used to be read as plain `key = value` lines, where `30s` was fine.
            Some(value) => format!(
                "{} (quote a duration: \"{value}\")",
                syntax.message().trim_end()
            ),
            None => syntax.message().to_owned(),
        };
        return Err(error(&at(span.start), &key, reason));
    }
    let mut settings: Vec<Setting> = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let source_name = at(key.span().start);
        let key = key.into_inner().into_owned();
        // Numbers are converted here, not by the parser: an integer too large for TOML fails now.
        let value = Value::deserialize(ValueDeserializer::from(value))
            .map_err(|e| error(&source_name, &key, e.message()))?;
        // TOML itself refuses a key twice in one table; this is the same key at the top and in [sync].
        if let Some(first) = settings.iter().find(|s| s.key == key) {
            let reason = format!("set twice (also at {})", first.source_name);
            return Err(error(&source_name, &key, reason));
        }
        settings.push(Setting {
            source_name,
            key,
            value,
        });
    }
    Ok(settings)
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let before = text.as_bytes().get(..offset).unwrap_or(text.as_bytes());
    before.iter().filter(|b| **b == b'\n').count() + 1
}

/// The key a syntax error belongs to: the entry the parser recovered around it or, for a key
/// the parser dropped (a duplicate), the text it points at.
fn key_of_syntax_error(text: &str, span: &std::ops::Range<usize>, entries: &[Entry<'_>]) -> String {
    entries
        .iter()
        .find(|(key, value)| key.span().start <= span.start && span.start <= value.span().end)
        .map(|(key, _)| key.get_ref().to_string())
        .filter(|key| !key.is_empty())
        .or_else(|| {
            text.get(span.clone())
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "-".into())
}

/// The unquoted duration (`30s`) after the `=` on the line holding byte `offset`, if that is what
/// the line has: TOML wants it quoted.
fn unquoted_duration(text: &str, offset: usize) -> Option<&str> {
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(start..)?.lines().next()?;
    let value = line.split_once('=')?.1.split('#').next()?.trim();
    let is_duration =
        value.ends_with(|c: char| c.is_ascii_alphabetic()) && parse_duration(value).is_ok();
    is_duration.then_some(value)
}

/// An environment variable's text as a TOML value: a whole number is the integer it spells and
/// `true` / `false` the boolean, so counts and switches can be given there; anything else stays a
/// string.
fn env_value(text: &str) -> Value {
    let t = text.trim();
    match (t.parse::<i64>(), t) {
        (Ok(n), _) => Value::Integer(n),
        (_, "true") => Value::Boolean(true),
        (_, "false") => Value::Boolean(false),
        _ => Value::String(text.to_owned()),
    }
}

/// Reads a count: an integer above 0.
fn count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    struct Count;
    impl Visitor<'_> for Count {
        type Value = u32;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a whole number above 0")
        }
        fn visit_i64<E: de::Error>(self, n: i64) -> Result<u32, E> {
            u32::try_from(n)
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| E::invalid_value(Unexpected::Signed(n), &self))
        }
        fn visit_u64<E: de::Error>(self, n: u64) -> Result<u32, E> {
            u32::try_from(n)
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| E::invalid_value(Unexpected::Unsigned(n), &self))
        }
    }
    deserializer.deserialize_any(Count)
}

/// Reads a duration: a string for [`parse_duration`], or an integer of milliseconds above 0.
fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Millis, D::Error> {
    struct Duration;
    impl Visitor<'_> for Duration {
        type Value = Millis;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(
                "a duration such as \"30s\" or \"5m\", or milliseconds above 0 (under 584 years)",
            )
        }
        fn visit_i64<E: de::Error>(self, n: i64) -> Result<Millis, E> {
            u128::try_from(n)
                .ok()
                .and_then(in_range)
                .ok_or_else(|| E::invalid_value(Unexpected::Signed(n), &self))
        }
        fn visit_u64<E: de::Error>(self, n: u64) -> Result<Millis, E> {
            in_range(u128::from(n)).ok_or_else(|| E::invalid_value(Unexpected::Unsigned(n), &self))
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<Millis, E> {
            parse_duration(text).map_err(E::custom)
        }
    }
    deserializer.deserialize_any(Duration)
}

/// The units a duration may have. humantime also reads weeks, months (of 30.44 days), years and
/// sub-millisecond units; they are refused so that a setting means what the README documents and
/// nothing is silently rounded.
const UNITS: [&str; 6] = ["ms", "s", "m", "min", "h", "d"];

/// A text that is not a duration; the message says what would be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadDuration(String);

/// A duration in the largest whole unit that fits: `3d`, `90m`, `1500ms`.
pub fn format_duration(ms: Millis) -> String {
    const UNITS: [(Millis, &str); 5] = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1_000, "s"),
        (1, "ms"),
    ];
    if ms == 0 {
        return "0".into();
    }
    UNITS.iter().find(|(unit, _)| ms % unit == 0).map_or_else(
        || format!("{ms}ms"),
        |(unit, name)| format!("{}{name}", ms / unit),
    )
}

/// The longest duration accepted: humantime counts in u64 nanoseconds (about 584 years), and
/// every duration accepted must read back from what [`format_duration`] writes for it (found
/// by fuzzing: "2670368405590813288" was accepted as milliseconds, then its "…ms" refused).
const MAX_MS: u128 = u64::MAX as u128 / 1_000_000;

/// `ms` as a duration setting: above zero and at most [`MAX_MS`] (integers in the config file and
/// the environment too, not only text).
fn in_range(ms: u128) -> Option<Millis> {
    Some(ms)
        .filter(|ms| (1..=MAX_MS).contains(ms))
        .and_then(|ms| Millis::try_from(ms).ok())
}

/// Parses `1500ms`, `30s`, `5m`, `12h`, `3d` (a bare number is milliseconds).
pub fn parse_duration(text: &str) -> Result<Millis, BadDuration> {
    let t = text.trim();
    let not_a_duration = || {
        BadDuration(format!(
            "\"{text}\" is not a duration (like 1500ms, 30s, 5m, 12h, 3d)"
        ))
    };
    // Signs and decimal points are refused before humantime sees them: it would read "1.5s".
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c.is_whitespace())
    {
        return Err(not_a_duration());
    }
    let units = t.split(|c: char| c.is_ascii_digit() || c.is_whitespace());
    if let Some(other) = units.filter(|u| !u.is_empty()).find(|u| !UNITS.contains(u)) {
        return Err(BadDuration(format!(
            "unknown unit \"{other}\" in \"{text}\" (use ms, s, m, h or d)"
        )));
    }
    // humantime wants a unit; here a bare number has always meant milliseconds.
    let millis = if t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse::<u128>().map_err(|_| not_a_duration())?
    } else {
        humantime::parse_duration(t)
            .map_err(|e| BadDuration(format!("{}: {e}", not_a_duration())))?
            .as_millis()
    };
    in_range(millis)
        .ok_or_else(|| BadDuration(format!("\"{text}\" must be above zero and under 584 years")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_are_chromiums() {
        let p = Parameters::default();
        assert_eq!(p.max_sync_attempts, 3);
        assert_eq!(p.initial_retry_delay, 300_000);
        assert_eq!(p.retry_delay_factor, 3);
        assert_eq!(p.min_sync_recovery_time, 360_000);
        assert_eq!(p.max_sync_event_duration, 180_000);
        assert_eq!(p.min_periodic_sync_events_interval, 43_200_000);
    }

    #[test]
    fn a_missing_config_file_means_defaults() {
        let p = Parameters::load(Path::new("/nonexistent/config.toml"), no_env).unwrap();
        assert_eq!(p, Parameters::default());
    }

    #[test]
    fn the_file_then_the_environment_override() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("config.toml");
        std::fs::write(
            &file,
            "# tests\n[sync]\ninitial_retry_delay = \"2s\"\nmax_sync_attempts = 5 # more\n",
        )
        .unwrap();
        let env = |k: &str| (k == "SYNCSHELL_MAX_SYNC_ATTEMPTS").then(|| "2".to_owned());
        let p = Parameters::load(&file, env).unwrap();
        assert_eq!(p.initial_retry_delay, 2_000);
        assert_eq!(p.max_sync_attempts, 2);
    }

    #[test]
    fn bad_settings_say_where_and_why() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("config.toml");
        std::fs::write(&file, "max_sync_atempts = 3\n").unwrap();
        let e = Parameters::load(&file, no_env).unwrap_err();
        assert!(
            e.to_string()
                .contains("line 1: max_sync_atempts: unknown setting"),
            "{e}"
        );
        std::fs::write(&file, "initial_retry_delay = soon\n").unwrap();
        assert!(Parameters::load(&file, no_env).is_err());
        std::fs::write(&file, "max_sync_attempts = 0\n").unwrap();
        assert!(Parameters::load(&file, no_env).is_err());
        let env = |_: &str| Some("-1".to_owned());
        let e = Parameters::load(Path::new("/nonexistent"), env).unwrap_err();
        assert!(
            e.to_string().starts_with("environment variable SYNCSHELL_"),
            "{e}"
        );
    }

    #[test]
    fn text_loads_as_the_same_file_would() {
        let text = "max_sync_attempts = 4\n[sync]\nlog_retention = \"1d\"\n";
        let env = |k: &str| (k == "SYNCSHELL_MAX_SYNC_ATTEMPTS").then(|| "6".to_owned());
        let p = Parameters::from_text(text, "config.toml", env).unwrap();
        assert_eq!(p.max_sync_attempts, 6);
        assert_eq!(p.log_retention, 86_400_000);
        assert_eq!(load_file(text).map(|p| p.log_retention), Ok(86_400_000));
        let e = Parameters::from_text("x = 1\n", "mine.toml", no_env).unwrap_err();
        assert_eq!(e.source_name, "mine.toml line 1");
    }

    #[test]
    fn every_duration_accepted_reads_back_from_what_is_shown() {
        // Found by fuzzing: beyond u64 nanoseconds, "…ms" was refused after the bare number
        // had been accepted; now neither is.
        assert!(parse_duration("2670368405590813288").is_err());
        let longest = MAX_MS as Millis;
        assert_eq!(parse_duration(&longest.to_string()), Ok(longest));
        assert_eq!(parse_duration(&format_duration(longest)), Ok(longest));
        assert!(parse_duration(&(longest + 1).to_string())
            .unwrap_err()
            .to_string()
            .contains("under 584 years"));
        assert_eq!(parse_duration("90m 1500ms"), Ok(5_401_500));
        assert!(parse_duration("1h 30").is_err());
        // The same bound for an integer in the config file or the environment (found by
        // fuzzing too: SYNCSHELL_HIDDEN_WEBVIEW_IDLE=0000026703605590813288).
        let env = |k: &str| {
            (k == "SYNCSHELL_HIDDEN_WEBVIEW_IDLE").then(|| "0000026703605590813288".to_owned())
        };
        assert!(Parameters::from_text("", "config.toml", env).is_err());
        let env = |k: &str| (k == "SYNCSHELL_HIDDEN_WEBVIEW_IDLE").then(|| longest.to_string());
        assert!(Parameters::from_text("", "config.toml", env).is_ok());
        assert!(Parameters::from_text(
            &format!("hidden_webview_idle = {}", longest + 1),
            "config.toml",
            |_| None
        )
        .is_err());
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("1500ms"), Ok(1_500));
        assert_eq!(parse_duration("1500"), Ok(1_500));
        assert_eq!(parse_duration("30s"), Ok(30_000));
        assert_eq!(parse_duration("5m"), Ok(300_000));
        assert_eq!(parse_duration("12h"), Ok(43_200_000));
        assert_eq!(parse_duration("3d"), Ok(259_200_000));
        for bad in ["", "s", "5w", "0s", "-5s", "1.5s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    fn load_file(text: &str) -> Result<Parameters, ParameterError> {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("config.toml");
        std::fs::write(&file, text).unwrap();
        Parameters::load(&file, no_env)
    }

    #[test]
    fn a_duration_may_be_an_integer_of_milliseconds() {
        let p = load_file("initial_retry_delay = 2500\nhidden_webview_idle = \"1s\"\n").unwrap();
        assert_eq!(p.initial_retry_delay, 2_500);
        assert_eq!(p.hidden_webview_idle, 1_000);
        let e = load_file("initial_retry_delay = 0\n").unwrap_err();
        assert!(
            e.to_string().contains("line 1: initial_retry_delay: "),
            "{e}"
        );
    }

    #[test]
    fn keys_may_be_dotted_into_the_sync_table() {
        let p = load_file("sync.max_sync_attempts = 7\n").unwrap();
        assert_eq!(p.max_sync_attempts, 7);
    }

    #[test]
    fn a_key_set_twice_is_reported_at_its_second_line() {
        let e = load_file("max_sync_attempts = 3\nmax_sync_attempts = 4\n").unwrap_err();
        assert!(e.to_string().contains("line 2: max_sync_attempts: "), "{e}");
        let e = load_file("max_sync_attempts = 3\n\n[sync]\nmax_sync_attempts = 4\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("line 4: max_sync_attempts: set twice (also at "),
            "{e}"
        );
        assert!(e.to_string().ends_with("config.toml line 1)"), "{e}");
    }

    #[test]
    fn a_value_of_the_wrong_type_is_reported_with_its_line_and_key() {
        let e = load_file("# counts are integers\nmax_sync_attempts = \"5\"\n").unwrap_err();
        assert_eq!(e.key, "max_sync_attempts");
        assert!(e.source_name.ends_with("config.toml line 2"), "{e}");
        assert!(e.reason.contains("expected a whole number above 0"), "{e}");
        let e = load_file("\n\ninitial_retry_delay = true\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("line 3: initial_retry_delay: invalid type: boolean"),
            "{e}"
        );
        let e = load_file("initial_retry_delay = 1.5\n").unwrap_err();
        assert!(
            e.to_string().contains("line 1: initial_retry_delay: "),
            "{e}"
        );
    }

    #[test]
    fn a_syntax_error_names_the_line_and_the_key_it_is_in() {
        let e = load_file("max_sync_attempts = 2\ninitial_retry_delay = soon\n").unwrap_err();
        assert!(
            e.to_string().contains("line 2: initial_retry_delay: "),
            "{e}"
        );
    }

    #[test]
    fn a_table_other_than_sync_is_an_unknown_setting() {
        let e = load_file("[proxy]\nport = 1\n").unwrap_err();
        assert!(
            e.to_string().contains("line 1: proxy: unknown setting"),
            "{e}"
        );
    }

    #[test]
    fn counts_and_durations_from_the_environment_are_text() {
        let env = |k: &str| match k {
            "SYNCSHELL_MAX_HIDDEN_WEBVIEWS" => Some(" 4".to_owned()),
            "SYNCSHELL_LOG_RETENTION" => Some("1d".to_owned()),
            "SYNCSHELL_HIDDEN_WEBVIEW_IDLE" => Some("1500".to_owned()),
            _ => None,
        };
        let p = Parameters::load(Path::new("/nonexistent"), env).unwrap();
        assert_eq!(p.max_hidden_webviews, 4);
        assert_eq!(p.log_retention, 86_400_000);
        assert_eq!(p.hidden_webview_idle, 1_500);
        let env = |k: &str| (k == "SYNCSHELL_RETRY_DELAY_FACTOR").then(|| "3x".to_owned());
        let e = Parameters::load(Path::new("/nonexistent"), env).unwrap_err();
        assert_eq!(
            e.source_name,
            "environment variable SYNCSHELL_RETRY_DELAY_FACTOR"
        );
        assert_eq!(e.key, "retry_delay_factor");
    }

    #[test]
    fn the_parameters_in_force_say_where_each_value_came_from() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("config.toml");
        std::fs::write(
            &file,
            "# mine\n[sync]\nlog_retention = \"1d\"\nmax_sync_attempts = 5\n",
        )
        .unwrap();
        let env = |k: &str| (k == "SYNCSHELL_MAX_SYNC_ATTEMPTS").then(|| "7".to_owned());
        let in_force = Parameters::in_force(&file, env).unwrap();
        let of = |name: &str| in_force.iter().find(|p| p.name == name).unwrap().clone();
        assert_eq!(of("log_retention").value, "1d");
        assert_eq!(
            of("log_retention").source,
            format!("{} line 3", file.display())
        );
        assert_eq!(of("max_sync_attempts").value, "7");
        assert_eq!(
            of("max_sync_attempts").source,
            "environment variable SYNCSHELL_MAX_SYNC_ATTEMPTS"
        );
        assert_eq!(of("initial_retry_delay").value, "5m");
        assert_eq!(of("initial_retry_delay").source, "default");
        assert_eq!(of("hold_periodic_on_metered").value, "true");
        assert_eq!(of("network_process_idle").value, "1m");
        assert_eq!(of("window_process_linger").value, "1m");
        assert_eq!(of("hardware_acceleration").value, "\"auto\"");
        assert_eq!(in_force.len(), 14);
        assert_eq!(format_duration(1500), "1500ms");
        assert_eq!(format_duration(90 * 60_000), "90m");
    }

    #[test]
    fn switches_are_booleans_in_the_file_and_the_environment() {
        assert!(Parameters::default().hold_periodic_on_metered);
        let p = load_file("hold_periodic_on_metered = false\n").unwrap();
        assert!(!p.hold_periodic_on_metered);
        let env = |k: &str| (k == "SYNCSHELL_HOLD_PERIODIC_ON_METERED").then(|| "false".to_owned());
        let p = Parameters::load(Path::new("/nonexistent/config.toml"), env).unwrap();
        assert!(!p.hold_periodic_on_metered);
        let err = load_file("hold_periodic_on_metered = \"yes\"\n").unwrap_err();
        assert_eq!(err.key, "hold_periodic_on_metered");
    }

    #[test]
    fn hardware_acceleration_is_a_word_and_auto_follows_the_gpu() {
        assert_eq!(
            Parameters::default().hardware_acceleration,
            HardwareAcceleration::Auto
        );
        let p = load_file("hardware_acceleration = \"never\"\n").unwrap();
        assert_eq!(p.hardware_acceleration, HardwareAcceleration::Never);
        let env = |k: &str| (k == "SYNCSHELL_HARDWARE_ACCELERATION").then(|| "always".to_owned());
        let p = Parameters::load(Path::new("/nonexistent/config.toml"), env).unwrap();
        assert_eq!(p.hardware_acceleration, HardwareAcceleration::Always);
        let err = load_file("hardware_acceleration = \"sometimes\"\n").unwrap_err();
        assert_eq!(err.key, "hardware_acceleration");
        assert!(err.reason.contains("`auto`, `always`, `never`"), "{err}");
        assert!(HardwareAcceleration::Auto.enabled(true));
        assert!(!HardwareAcceleration::Auto.enabled(false));
        assert!(HardwareAcceleration::Always.enabled(false));
        assert!(!HardwareAcceleration::Never.enabled(true));
    }

    #[test]
    fn units_beyond_days_and_below_milliseconds_are_refused() {
        for bad in ["2weeks", "1M", "1y", "500us", "1 sec"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_duration("1h 30m"), Ok(90 * 60_000));
        assert_eq!(parse_duration("2min"), Ok(120_000));
    }

    #[test]
    fn an_unquoted_duration_from_the_old_line_format_gets_a_hint() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("config.toml");
        std::fs::write(&file, "max_sync_attempts = 4\ninitial_retry_delay = 30s\n").unwrap();
        let e = Parameters::load(&file, no_env).unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
        assert!(e.contains("initial_retry_delay"), "{e}");
        assert!(e.contains(r#"quote a duration: "30s""#), "{e}");
    }
}
