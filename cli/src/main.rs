//! `syncshell`: talks to the running host, and hands over to `syncshell-host` when needed.

fn main() {
    std::process::exit(syncshell_cli::run());
}
