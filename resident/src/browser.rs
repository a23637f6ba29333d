//! Handing URLs to the user's web browser: links that leave an app's scope.

use std::process::{Command, Stdio};
use std::sync::Mutex;

use url::Url;

/// Environment variables this process set for itself that a browser it starts must not inherit
/// (the window side's WebKit and GDK switches: the user's browser, which may be a WebKit or GTK
/// one, is not ours to tune).
static WITHHELD: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

/// Keeps `name` out of the environment of every browser started from now on. Called by whoever
/// sets a variable for this process alone.
pub fn withhold_from_browser(name: &'static str) {
    let mut withheld = WITHHELD.lock().unwrap_or_else(|e| e.into_inner());
    if !withheld.contains(&name) {
        withheld.push(name);
    }
}

/// Opens `url` in the user's browser: the `BROWSER` variable when set (a colon-separated list of
/// commands, `%s` standing for the URL, as Python, git and man read it), else `xdg-open`.
/// Never blocks; failures are logged, since there is no one to tell but the log.
pub fn open(url: &Url) {
    // Only web URLs leave the app: anything else (file:, custom schemes) could run local handlers.
    if !matches!(url.scheme(), "http" | "https") {
        eprintln!("syncshell: not opening {url} outside the app: only http(s) links are handed to the browser");
        return;
    }
    let commands: Vec<Vec<String>> = match std::env::var("BROWSER") {
        Ok(list) if !list.trim().is_empty() => list
            .split(':')
            .map(|cmd| command_line(cmd, url.as_str()))
            .filter(|argv| !argv.is_empty())
            .collect(),
        _ => vec![vec!["xdg-open".into(), url.to_string()]],
    };
    for argv in commands {
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        for name in WITHHELD.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            cmd.env_remove(name);
        }
        let spawned = cmd.spawn();
        match spawned {
            Ok(mut child) => {
                // Reap it so it does not linger as a zombie.
                std::thread::spawn(move || child.wait());
                return;
            }
            Err(e) => eprintln!("syncshell: cannot run {}: {e}", argv[0]),
        }
    }
    eprintln!("syncshell: no browser could be started for {url}");
}

/// Splits one `BROWSER` entry into argv, putting the URL where `%s` is (or last).
fn command_line(cmd: &str, url: &str) -> Vec<String> {
    let mut argv: Vec<String> = cmd.split_whitespace().map(str::to_owned).collect();
    if argv.is_empty() {
        return argv;
    }
    if argv.iter().any(|a| a.contains("%s")) {
        for a in &mut argv {
            *a = a.replace("%s", url);
        }
    } else {
        argv.push(url.to_owned());
    }
    argv
}

#[cfg(test)]
mod tests {
    use super::command_line;

    #[test]
    fn the_url_goes_where_percent_s_is_or_last() {
        assert_eq!(
            command_line("firefox --new-tab", "http://a/"),
            ["firefox", "--new-tab", "http://a/"]
        );
        assert_eq!(
            command_line("open -u %s now", "http://a/"),
            ["open", "-u", "http://a/", "now"]
        );
        assert!(command_line("  ", "http://a/").is_empty());
    }
}
