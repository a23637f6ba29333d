//! The single-instance guard and the host's side of the control socket. The host holds an
//! exclusive lock on a file in the owner-only runtime directory for its whole life; `syncshell`
//! commands connect to its socket (`syncshell_cli::client`), send one request and print the reply.

use std::fs::File;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;

use syncshell_core::paths::{ensure_private_dir, Paths};

use syncshell_cli::protocol::{Reply, Request};

/// Largest request line accepted; requests are tiny, so anything bigger is not ours.
const MAX_REQUEST_BYTES: u64 = 64 * 1024;

/// Proof that this process is the one host of this user: the lock is held while it lives.
#[derive(Debug)]
pub struct HostLock {
    _file: File,
}

/// Takes the host lock. `Ok(None)` when another process holds it (a host is running or starting).
pub fn acquire_host_lock(paths: &Paths) -> std::io::Result<Option<HostLock>> {
    ensure_private_dir(&paths.runtime_dir)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(paths.host_lock())?;
    // Non-blocking: a second host must learn at once that one is running.
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(rustix::io::Errno::WOULDBLOCK) => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    std::fs::write(paths.host_pid(), format!("{}\n", std::process::id()))?;
    Ok(Some(HostLock { _file: file }))
}

/// Binds the control socket (owner-only). Only the lock holder calls this, so a socket file left
/// by a host that died is stale and safe to replace.
pub fn bind(paths: &Paths, _lock: &HostLock) -> std::io::Result<UnixListener> {
    let path = paths.control_socket();
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let listener = UnixListener::bind(&path)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

/// Serves requests on `listener` until the process ends, handing each to `handle`.
pub fn serve<F, Fut>(listener: UnixListener, handle: F)
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Reply> + Send + 'static,
{
    let handle = std::sync::Arc::new(handle);
    tokio::spawn(async move {
        listener
            .set_nonblocking(true)
            .expect("nonblocking control socket");
        let listener =
            tokio::net::UnixListener::from_std(listener).expect("control socket in tokio");
        let uid = rustix::process::getuid().as_raw();
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            // The socket is 0600 in a 0700 directory; checking the peer too costs nothing.
            if stream.peer_cred().ok().map(|c| c.uid()) != Some(uid) {
                continue;
            }
            let handle = handle.clone();
            tokio::spawn(async move {
                if let Err(e) = answer(stream, &*handle).await {
                    eprintln!("syncshell: control connection failed: {e}");
                }
            });
        }
    });
}

async fn answer<F, Fut>(stream: tokio::net::UnixStream, handle: &F) -> std::io::Result<()>
where
    F: Fn(Request) -> Fut,
    Fut: std::future::Future<Output = Reply>,
{
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    tokio::io::BufReader::new(read.take(MAX_REQUEST_BYTES))
        .read_line(&mut line)
        .await?;
    let reply = match serde_json::from_str::<Request>(&line) {
        Ok(request) => handle(request).await,
        Err(e) => Reply::error(format!("bad request: {e}")),
    };
    let mut out = serde_json::to_vec(&reply)?;
    out.push(b'\n');
    write.write_all(&out).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(dir: &std::path::Path) -> Paths {
        Paths::new(&dir.join("data"), &dir.join("config"), &dir.join("run"))
    }

    #[test]
    fn only_one_process_can_hold_the_host_lock() {
        let tmp = tempfile::tempdir().unwrap();
        let p = paths(tmp.path());
        let first = acquire_host_lock(&p).unwrap();
        assert!(first.is_some());
        // A second open file description conflicts with the first, as another process's would.
        assert!(acquire_host_lock(&p).unwrap().is_none());
        drop(first);
        assert!(acquire_host_lock(&p).unwrap().is_some());
    }

    #[test]
    fn the_socket_and_its_directory_are_owner_only() {
        let tmp = tempfile::tempdir().unwrap();
        let p = paths(tmp.path());
        let lock = acquire_host_lock(&p).unwrap().unwrap();
        // A stale socket file from a dead host is replaced.
        std::fs::write(p.control_socket(), b"stale").unwrap();
        let _listener = bind(&p, &lock).unwrap();
        let mode =
            |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p.control_socket()), 0o600);
        assert_eq!(mode(&p.runtime_dir), 0o700);
    }
}
