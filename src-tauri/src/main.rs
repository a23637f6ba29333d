//! `syncshell-windows`: everything is in the library.

fn main() {
    std::process::exit(syncshell_lib::run());
}
