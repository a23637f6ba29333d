//! `syncshell-host`: the resident (see the library's `run` module).

fn main() {
    std::process::exit(syncshell_resident::run::run());
}
