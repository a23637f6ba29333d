//! Every tunable of background sync in one place, with Chromium's values as defaults
//! (content/public/browser/background_sync_parameters.h). Power users and tests override them in
//! `$XDG_CONFIG_HOME/syncshell/config.toml` or with `SYNCSHELL_*` environment variables.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::clock::Millis;

const SECOND: Millis = 1_000;
const MINUTE: Millis = 60 * SECOND;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;

/// Background sync policy. Durations are in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Parameters {
    /// Attempts of a one-off sync before it is dropped (Chromium: 3).
    pub max_sync_attempts: u32,
    /// Delay before the first retry (Chromium: 5 min).
    pub initial_retry_delay: Millis,
    /// Each further retry waits this many times longer (Chromium: 3).
    pub retry_delay_factor: u32,
    /// After a crash mid-event, the earliest a registration fires again (Chromium: 6 min).
    pub min_sync_recovery_time: Millis,
    /// An event running longer than this has failed (Chromium: 3 min).
    pub max_sync_event_duration: Millis,
    /// Periodic sync never fires more often than this per origin (Chromium: 12 h).
    pub min_periodic_sync_events_interval: Millis,
    /// Hidden webviews open at once for dispatch.
    pub max_hidden_webviews: u32,
    /// A hidden webview with nothing to do closes after this long.
    pub hidden_webview_idle: Millis,
    /// Registrations one origin may hold (one-off and periodic together).
    pub max_registrations_per_origin: u32,
    /// How long the background-services log keeps entries (DevTools: 3 days).
    pub log_retention: Millis,
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
            max_registrations_per_origin: 100,
            log_retention: 3 * DAY,
        }
    }
}

/// A bad setting: which one, where, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: {key}: {reason}")]
pub struct ParameterError {
    /// The file or "environment".
    pub source_name: String,
    /// The setting.
    pub key: String,
    /// What is wrong.
    pub reason: String,
}

/// How a setting's value is read.
enum Kind {
    Count,
    Duration,
}

/// The settings, by their config-file key; env variables are `SYNCSHELL_` + the key uppercased.
const KEYS: [(&str, Kind); 10] = [
    ("max_sync_attempts", Kind::Count),
    ("initial_retry_delay", Kind::Duration),
    ("retry_delay_factor", Kind::Count),
    ("min_sync_recovery_time", Kind::Duration),
    ("max_sync_event_duration", Kind::Duration),
    ("min_periodic_sync_events_interval", Kind::Duration),
    ("max_hidden_webviews", Kind::Count),
    ("hidden_webview_idle", Kind::Duration),
    ("max_registrations_per_origin", Kind::Count),
    ("log_retention", Kind::Duration),
];

impl Parameters {
    /// Defaults, then the config file (if it exists), then the environment.
    pub fn load(
        config_file: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ParameterError> {
        let mut params = Self::default();
        match std::fs::read_to_string(config_file) {
            Ok(text) => params.apply_file(&text, &config_file.display().to_string())?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(ParameterError {
                    source_name: config_file.display().to_string(),
                    key: "-".into(),
                    reason: e.to_string(),
                })
            }
        }
        for (key, _) in KEYS.iter() {
            let var = format!("SYNCSHELL_{}", key.to_ascii_uppercase());
            if let Some(value) = env(&var) {
                params.set(key, &value).map_err(|reason| ParameterError {
                    source_name: format!("environment variable {var}"),
                    key: (*key).into(),
                    reason,
                })?;
            }
        }
        Ok(params)
    }

    /// Applies `key = value` lines of a TOML-style file (`#` comments; strings may be quoted).
    fn apply_file(&mut self, text: &str, name: &str) -> Result<(), ParameterError> {
        let mut seen = BTreeMap::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() || line.starts_with('[') {
                continue;
            }
            let err = |key: &str, reason: String| ParameterError {
                source_name: format!("{name} line {}", n + 1),
                key: key.into(),
                reason,
            };
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| err(line, "expected `key = value`".into()))?;
            let key = key.trim();
            let value = value.trim().trim_matches('"');
            if seen.insert(key.to_owned(), ()).is_some() {
                return Err(err(key, "set twice".into()));
            }
            self.set(key, value).map_err(|reason| err(key, reason))?;
        }
        Ok(())
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let kind = KEYS
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, kind)| kind)
            .ok_or_else(|| {
                let known: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
                format!("unknown setting (known: {})", known.join(", "))
            })?;
        let number = match kind {
            Kind::Count => value
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("\"{value}\" is not a whole number above 0"))?
                as Millis,
            Kind::Duration => parse_duration(value)?,
        };
        let count = number as u32;
        match key {
            "max_sync_attempts" => self.max_sync_attempts = count,
            "initial_retry_delay" => self.initial_retry_delay = number,
            "retry_delay_factor" => self.retry_delay_factor = count,
            "min_sync_recovery_time" => self.min_sync_recovery_time = number,
            "max_sync_event_duration" => self.max_sync_event_duration = number,
            "min_periodic_sync_events_interval" => self.min_periodic_sync_events_interval = number,
            "max_hidden_webviews" => self.max_hidden_webviews = count,
            "hidden_webview_idle" => self.hidden_webview_idle = number,
            "max_registrations_per_origin" => self.max_registrations_per_origin = count,
            "log_retention" => self.log_retention = number,
            _ => unreachable!("every key in KEYS is handled"),
        }
        Ok(())
    }
}

/// Parses `1500ms`, `30s`, `5m`, `12h`, `3d` (a bare number is milliseconds).
pub fn parse_duration(text: &str) -> Result<Millis, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: Millis = digits
        .parse()
        .map_err(|_| format!("\"{text}\" is not a duration (like 1500ms, 30s, 5m, 12h, 3d)"))?;
    let scale = match unit.trim() {
        "" | "ms" => 1,
        "s" => SECOND,
        "m" | "min" => MINUTE,
        "h" => HOUR,
        "d" => DAY,
        other => {
            return Err(format!(
                "unknown unit \"{other}\" in \"{text}\" (use ms, s, m, h or d)"
            ))
        }
    };
    n.checked_mul(scale)
        .filter(|ms| *ms > 0)
        .ok_or_else(|| format!("\"{text}\" must be above zero and under 290 million years"))
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
}
