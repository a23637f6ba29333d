//! `syncshell-host`: everything is in the library, so tests and the binary share it.

fn main() {
    std::process::exit(syncshell_lib::run());
}
