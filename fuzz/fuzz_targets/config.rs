//! The config file parser (`Parameters::from_text`, what `Parameters::load` does with the file's
//! text) and the environment overrides. The input is the file's text; after a NUL byte come
//! `KEY=VALUE` lines given as environment variables (a seed without NUL is a plain config file).
//! Beyond "no panic": accepted parameters hold counts and durations above 0, every duration
//! survives `format_duration` then `parse_duration`, the parameters written back as TOML load
//! to the same parameters, and an error names the file or the environment variable.

#![no_main]

use libfuzzer_sys::fuzz_target;
use syncshell_core::sync::parameters::{format_duration, parse_duration, Parameters};

const NAME: &str = "config.toml";

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let (text, env_lines) = input.split_once('\0').unwrap_or((&input, ""));
    let env_vars: Vec<(&str, &str)> = env_lines
        .lines()
        .filter_map(|line| line.split_once('='))
        .collect();
    let env = |name: &str| {
        env_vars
            .iter()
            .rev()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    };
    let params = match Parameters::from_text(text, NAME, env) {
        Ok(p) => p,
        Err(e) => {
            assert!(
                e.source_name.starts_with(NAME)
                    || e.source_name.starts_with("environment variable SYNCSHELL_"),
                "an error that says neither the file nor a variable: {e}"
            );
            return;
        }
    };
    for count in [
        params.max_sync_attempts,
        params.retry_delay_factor,
        params.max_hidden_webviews,
        params.max_registrations_per_origin,
    ] {
        assert!(count > 0, "a count of 0 accepted: {params:?}");
    }
    for ms in [
        params.initial_retry_delay,
        params.min_sync_recovery_time,
        params.max_sync_event_duration,
        params.min_periodic_sync_events_interval,
        params.hidden_webview_idle,
        params.log_retention,
    ] {
        assert!(ms > 0, "a duration of 0 accepted: {params:?}");
        let shown = format_duration(ms);
        assert_eq!(parse_duration(&shown), Ok(ms), "{ms} ms shown as {shown}");
    }
    // What the settings panel would write back is read as the same parameters.
    let written = match toml::to_string(&params) {
        Ok(t) => t,
        Err(e) => panic!("parameters that cannot be written as TOML: {e}"),
    };
    assert_eq!(
        Parameters::from_text(&written, NAME, |_| None).as_ref(),
        Ok(&params),
        "written back as:\n{written}"
    );
});
