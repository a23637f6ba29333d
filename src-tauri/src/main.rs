fn main() {
    syncshell_lib::run()
}
