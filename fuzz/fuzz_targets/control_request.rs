//! The control socket's protocol (`syncshell_cli::protocol`): one JSON request line from a
//! `syncshell` command, one JSON reply line from the host. The input is the line the host reads
//! (and, as a reply, the line the command reads). Checked: whatever parses is written back as
//! one line (the framing is a newline) that parses to the same request or reply.

#![no_main]

use libfuzzer_sys::fuzz_target;
use syncshell_cli::protocol::{Reply, Request};

fuzz_target!(|data: &[u8]| {
    let line = String::from_utf8_lossy(data);
    if let Ok(request) = serde_json::from_str::<Request>(&line) {
        let written = serde_json::to_string(&request).expect("a request serializes");
        assert!(
            !written.contains('\n'),
            "a request over two lines: {written}"
        );
        assert_eq!(
            serde_json::from_str::<Request>(&written).ok(),
            Some(request)
        );
    }
    if let Ok(reply) = serde_json::from_str::<Reply>(&line) {
        let written = serde_json::to_string(&reply).expect("a reply serializes");
        assert!(!written.contains('\n'), "a reply over two lines: {written}");
        assert_eq!(serde_json::from_str::<Reply>(&written).ok(), Some(reply));
    }
});
