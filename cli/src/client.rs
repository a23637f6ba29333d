//! The client side of the control socket: one JSON request line to the running host, one JSON
//! reply line back (the host's side is in `syncshell-host`).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use syncshell_core::paths::Paths;

use crate::protocol::{Reply, Request};

/// How long a command waits for the host's answer (an install fetches a page, its manifest and
/// icons).
const REPLY_TIMEOUT: Duration = Duration::from_secs(180);

/// Why talking to the host failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// No host is listening.
    #[error("no syncshell host is running")]
    NotRunning,
    /// The host is there but the exchange failed.
    #[error("cannot talk to the running syncshell host: {0}")]
    Io(#[from] std::io::Error),
    /// The host answered something that is not a reply.
    #[error("the running syncshell host answered nonsense: {0}")]
    BadReply(#[from] serde_json::Error),
}

/// Sends `request` to the running host and waits for its reply.
pub fn send(paths: &Paths, request: &Request) -> Result<Reply, ControlError> {
    let mut stream = match UnixStream::connect(paths.control_socket()) {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Err(ControlError::NotRunning)
        }
        Err(e) => return Err(e.into()),
    };
    stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
    let mut line = serde_json::to_vec(request)?;
    line.push(b'\n');
    stream.write_all(&line)?;
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply)?;
    if reply.is_empty() {
        return Err(ControlError::Io(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the host closed the connection without answering",
        )));
    }
    Ok(serde_json::from_str(&reply)?)
}

/// Waits (bounded) for a host that is starting up to open its socket, then sends `request`.
pub fn send_when_ready(
    paths: &Paths,
    request: &Request,
    wait: Duration,
) -> Result<Reply, ControlError> {
    let deadline = std::time::Instant::now() + wait;
    loop {
        match send(paths, request) {
            Err(ControlError::NotRunning) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

/// What became of a command sent to the host.
#[derive(Debug, PartialEq, Eq)]
pub enum Sent {
    /// Printed; the command's exit status.
    Answered(i32),
    /// No host is running and the command needs one, or the store: the request, to be done by
    /// `syncshell-host`.
    NoHost(Request),
}

/// Sends `request` to the running host and prints its reply. With no host, `status` and `quit`
/// are answered here (nothing to start for them); other requests come back as [`Sent::NoHost`].
pub fn send_and_print(paths: &Paths, request: Request) -> Sent {
    match send(paths, &request) {
        Ok(reply) => Sent::Answered(reply.print()),
        Err(ControlError::NotRunning) => match request {
            Request::Status => {
                println!("syncshell host: not running");
                Sent::Answered(3)
            }
            Request::Quit => {
                println!("syncshell host: not running");
                Sent::Answered(0)
            }
            other => Sent::NoHost(other),
        },
        // The host may stop before its answer to `quit` is read; it did what was asked.
        Err(ControlError::Io(_)) if request == Request::Quit => Sent::Answered(0),
        Err(e) => Sent::Answered(Reply::error(e).print()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(dir: &std::path::Path) -> Paths {
        Paths::new(&dir.join("data"), &dir.join("config"), &dir.join("run"))
    }

    #[test]
    fn sending_without_a_host_says_not_running() {
        let tmp = tempfile::tempdir().unwrap();
        let p = paths(tmp.path());
        assert!(matches!(
            send(&p, &Request::Status),
            Err(ControlError::NotRunning)
        ));
    }

    #[test]
    fn with_no_host_status_and_quit_are_answered_and_the_rest_handed_over() {
        let tmp = tempfile::tempdir().unwrap();
        let p = paths(tmp.path());
        assert_eq!(send_and_print(&p, Request::Status), Sent::Answered(3));
        assert_eq!(send_and_print(&p, Request::Quit), Sent::Answered(0));
        let open = Request::Open { id: "notes".into() };
        assert_eq!(send_and_print(&p, open.clone()), Sent::NoHost(open));
    }

    #[test]
    fn a_reply_line_is_read_back() {
        let tmp = tempfile::tempdir().unwrap();
        let p = paths(tmp.path());
        std::fs::create_dir_all(&p.runtime_dir).unwrap();
        let listener = std::os::unix::net::UnixListener::bind(p.control_socket()).unwrap();
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut line = String::new();
            BufReader::new(&stream).read_line(&mut line).unwrap();
            let request: Request = serde_json::from_str(&line).unwrap();
            let mut out = serde_json::to_vec(&Reply::ok(format!("{request:?}\n"))).unwrap();
            out.push(b'\n');
            (&stream).write_all(&out).unwrap();
        });
        let reply = send(&p, &Request::List { json: true }).unwrap();
        assert_eq!(reply, Reply::ok("List { json: true }\n"));
        server.join().unwrap();
    }
}
