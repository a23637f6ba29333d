//! Calls and notes both ways over one stream: JSON, one frame per line, as the control socket's
//! protocol is (`cli/src/protocol.rs`). A call carries an id and gets one reply with it; a note
//! gets none. Either side may call the other at any time, so each call's handler runs on a task
//! of its own, while notes are handled in the order they came (a window's "opened" before its
//! "closed").

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;
use tokio::sync::{mpsc, oneshot};

/// Why a call got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The other side is gone: its end of the stream closed.
    #[error("the other side of the link is gone")]
    Closed,
    /// The answer was not what the call expects (the two sides disagree on the protocol).
    #[error("an answer that does not fit the call: {0}")]
    Malformed(String),
}

/// One line on the stream.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Frame {
    /// A call: answer it with a reply of the same id.
    Call { id: u64, body: Value },
    /// The answer to call `id`.
    Reply { id: u64, value: Value },
    /// A note: no answer.
    Note { body: Value },
}

/// Answers a call's body; runs on a task of its own.
pub type OnCall = Arc<dyn Fn(Value) -> BoxFuture<'static, Value> + Send + Sync>;
/// Takes a note's body; called in the order notes came.
pub type OnNote = Arc<dyn Fn(Value) + Send + Sync>;
/// Told once when the other side's end closed.
pub type OnClose = Box<dyn FnOnce() + Send>;

/// Calls waiting for their reply; `None` once the stream closed (a call then fails at once).
type Pending = Arc<Mutex<Option<HashMap<u64, oneshot::Sender<Value>>>>>;

/// This side's end of a link.
pub struct Link {
    out: mpsc::UnboundedSender<String>,
    pending: Pending,
    next: AtomicU64,
    /// Calls and notes sent so far.
    sent: AtomicU64,
    /// Calls and notes received so far (replies aside).
    received: Arc<AtomicU64>,
}

/// What arrives on a link, until [`Incoming::serve`] says who takes it.
pub struct Incoming {
    read: OwnedReadHalf,
    pending: Pending,
    out: mpsc::UnboundedSender<String>,
    received: Arc<AtomicU64>,
}

impl Link {
    /// Opens `stream`: writes go out from now on (on a task of the current runtime); what comes
    /// in waits for [`Incoming::serve`]. Call it inside a Tokio runtime.
    pub fn open(stream: UnixStream) -> (Arc<Self>, Incoming) {
        let (read, write) = stream.into_split();
        let (out, queue) = mpsc::unbounded_channel();
        tokio::spawn(write_lines(write, queue));
        let pending: Pending = Arc::new(Mutex::new(Some(HashMap::new())));
        let received = Arc::new(AtomicU64::new(0));
        let link = Arc::new(Self {
            out: out.clone(),
            pending: pending.clone(),
            next: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            received: received.clone(),
        });
        let incoming = Incoming {
            read,
            pending,
            out,
            received,
        };
        (link, incoming)
    }

    /// Calls the other side with `body` and waits for its answer.
    pub async fn call<R: DeserializeOwned>(&self, body: &impl Serialize) -> Result<R, LinkError> {
        let body = serde_json::to_value(body).map_err(|e| LinkError::Malformed(e.to_string()))?;
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = oneshot::channel();
        match self.lock().as_mut() {
            Some(pending) => pending.insert(id, tx),
            None => return Err(LinkError::Closed),
        };
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.send(&Frame::Call { id, body });
        let value = rx.await.map_err(|_| LinkError::Closed)?;
        serde_json::from_value(value).map_err(|e| LinkError::Malformed(e.to_string()))
    }

    /// Tells the other side `body`; no answer.
    pub fn note(&self, body: &impl Serialize) {
        match serde_json::to_value(body) {
            Ok(body) => {
                self.sent.fetch_add(1, Ordering::Relaxed);
                self.send(&Frame::Note { body });
            }
            Err(e) => eprintln!("syncshell: a note that cannot be sent: {e}"),
        }
    }

    /// How many calls and notes this side has sent.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// How many calls and notes this side has received (counted before they are handled).
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// Whether the other side's end is still open.
    pub fn is_open(&self) -> bool {
        self.lock().is_some()
    }

    fn send(&self, frame: &Frame) {
        if let Ok(line) = serde_json::to_string(frame) {
            // A closed writer means the other side is gone: the pending calls learn it from the
            // reader.
            let _ = self.out.send(line);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<HashMap<u64, oneshot::Sender<Value>>>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Incoming {
    /// Hands what comes in to `on_call` and `on_note` from now on, on a task of the current
    /// runtime; `on_close` is told when the other side's end closes (every call still waiting
    /// then fails with [`LinkError::Closed`]).
    pub fn serve(self, on_call: OnCall, on_note: OnNote, on_close: OnClose) {
        let Self {
            read,
            pending,
            out,
            received,
        } = self;
        tokio::spawn(async move {
            let mut lines = BufReader::new(read).lines();
            loop {
                let line = match lines.next_line().await {
                    Ok(Some(line)) => line,
                    Ok(None) => break,
                    Err(e) => {
                        eprintln!("syncshell: the link broke: {e}");
                        break;
                    }
                };
                let frame = serde_json::from_str::<Frame>(&line);
                if matches!(frame, Ok(Frame::Call { .. } | Frame::Note { .. })) {
                    received.fetch_add(1, Ordering::Relaxed);
                }
                match frame {
                    Ok(Frame::Call { id, body }) => {
                        let (answer, out) = (on_call.clone(), out.clone());
                        tokio::spawn(async move {
                            let value = answer(body).await;
                            if let Ok(line) = serde_json::to_string(&Frame::Reply { id, value }) {
                                let _ = out.send(line);
                            }
                        });
                    }
                    Ok(Frame::Reply { id, value }) => {
                        let waiting = pending
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .as_mut()
                            .and_then(|p| p.remove(&id));
                        if let Some(tx) = waiting {
                            let _ = tx.send(value);
                        }
                    }
                    Ok(Frame::Note { body }) => on_note(body),
                    Err(e) => eprintln!("syncshell: an unreadable line on the link: {e}"),
                }
            }
            // Dropping the senders fails every call still waiting.
            pending.lock().unwrap_or_else(|e| e.into_inner()).take();
            on_close();
        });
    }
}

/// Writes each queued line, until the queue or the stream closes.
async fn write_lines(mut write: OwnedWriteHalf, mut queue: mpsc::UnboundedReceiver<String>) {
    while let Some(mut line) = queue.recv().await {
        line.push('\n');
        if let Err(e) = write.write_all(line.as_bytes()).await {
            eprintln!("syncshell: cannot write to the link: {e}");
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (UnixStream, UnixStream) {
        UnixStream::pair().unwrap()
    }

    fn echo_side(stream: UnixStream, notes: mpsc::UnboundedSender<Value>) -> Arc<Link> {
        let (link, incoming) = Link::open(stream);
        incoming.serve(
            Arc::new(|body| Box::pin(async move { serde_json::json!({ "echo": body }) })),
            Arc::new(move |body| {
                let _ = notes.send(body);
            }),
            Box::new(|| {}),
        );
        link
    }

    #[tokio::test]
    async fn calls_get_their_own_answers_and_notes_arrive_in_order() {
        let (a, b) = pair();
        let (notes_a, _) = mpsc::unbounded_channel();
        let (notes_b, mut heard) = mpsc::unbounded_channel();
        let a = echo_side(a, notes_a);
        let b = echo_side(b, notes_b);
        let (first, second) = (serde_json::json!(1), serde_json::json!("two"));
        let (one, two) = tokio::join!(a.call::<Value>(&first), a.call::<Value>(&second));
        assert_eq!(one.unwrap(), serde_json::json!({ "echo": 1 }));
        assert_eq!(two.unwrap(), serde_json::json!({ "echo": "two" }));
        // The other way round too.
        let back: Value = b.call(&serde_json::json!([3])).await.unwrap();
        assert_eq!(back, serde_json::json!({ "echo": [3] }));
        for n in 0..5 {
            a.note(&n);
        }
        for n in 0..5 {
            assert_eq!(heard.recv().await.unwrap(), serde_json::json!(n));
        }
    }

    #[tokio::test]
    async fn a_call_fails_when_the_other_side_goes_away() {
        let (a, b) = pair();
        let (link, incoming) = Link::open(a);
        let (closed_tx, closed) = oneshot::channel();
        incoming.serve(
            Arc::new(|_| Box::pin(async { Value::Null })),
            Arc::new(|_| {}),
            Box::new(move || {
                let _ = closed_tx.send(());
            }),
        );
        // The other side reads the call and ends without answering.
        let waiting = tokio::spawn({
            let link = link.clone();
            async move { link.call::<Value>(&"anyone?").await }
        });
        let mut lines = BufReader::new(b).lines();
        let line = lines.next_line().await.unwrap().unwrap();
        assert!(line.contains("anyone?"), "{line}");
        drop(lines);
        assert_eq!(waiting.await.unwrap(), Err(LinkError::Closed));
        closed.await.unwrap();
        assert!(!link.is_open());
        assert_eq!(link.call::<Value>(&"again").await, Err(LinkError::Closed));
    }

    #[tokio::test]
    async fn an_answer_of_the_wrong_shape_is_an_error_not_a_panic() {
        let (a, b) = pair();
        let (notes, _) = mpsc::unbounded_channel();
        let a = echo_side(a, notes.clone());
        let _b = echo_side(b, notes);
        let wrong = a.call::<u32>(&"not a number back").await;
        assert!(matches!(wrong, Err(LinkError::Malformed(_))), "{wrong:?}");
    }
}
