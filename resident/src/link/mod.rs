//! The link between the resident and the window side: one stream (a socketpair), JSON lines.
//!
//! | file | concept |
//! |---|---|
//! | `rpc.rs` | calls and notes both ways over the stream |
//! | `protocol.rs` | what each side says: the resident's requests, the window side's reports |
//! | `link_desktop.rs` | [`link_desktop::LinkDesktop`]: the resident's `Desktop` over the link |
//! | `window_process.rs` | the window process: started on demand, retired when idle, its end |

pub mod link_desktop;
pub mod protocol;
pub mod rpc;
pub mod window_process;
