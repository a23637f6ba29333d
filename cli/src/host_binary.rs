//! Handing a command over to `syncshell-host`, the resident (the store's commands, the tray,
//! background sync; it starts the window process when a window is needed), installed next to
//! `syncshell`.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;

use crate::protocol::Reply;
use crate::HOST_BINARY;

/// Where `syncshell-host` is: next to the running executable (symlinks resolved by the kernel's
/// `/proc/self/exe`, so a link in `/usr/local/bin` still finds the real directory).
pub fn path() -> std::io::Result<PathBuf> {
    Ok(std::env::current_exe()?.with_file_name(HOST_BINARY))
}

/// Replaces this process with `syncshell-host`, given this process's own arguments, so the pid a
/// launcher or a test started is the host's (signals, exit status and the terminal stay with it).
/// Returns only when that fails, with the exit status of the error printed.
pub fn exec() -> i32 {
    let host = match path() {
        Ok(p) => p,
        Err(e) => {
            return Reply::error(format!("cannot find syncshell's own executable: {e}")).print()
        }
    };
    let error = std::process::Command::new(&host)
        .args(std::env::args_os().skip(1))
        .exec();
    Reply::error(format!("cannot start {}: {error}", host.display())).print()
}
