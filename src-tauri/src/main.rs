fn main() {
    std::process::exit(syncshell_lib::run());
}
