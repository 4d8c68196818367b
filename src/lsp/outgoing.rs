//! What the server writes: JSON-RPC responses, errors and notifications in,
//! `Content-Length` frames on one shared output (stdout) out. A message is
//! serialized straight into the output, never built as a `serde_json::Value`
//! nor held as text: a first pass counts its bytes for the header, a second
//! writes them. An outline of a million symbols then costs no memory beyond
//! the document it comes from; as a `Value` it took hundreds of times the
//! document's size.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

use lsp_server::{ErrorCode, Message};
use serde::{Serialize, Serializer};

/// The output, shared by the server and the reader thread (which answers
/// what it cannot read); a message is written whole under the lock.
#[derive(Clone)]
pub(super) struct Output {
    sink: Arc<Mutex<Box<dyn Write + Send>>>,
}

/// A successful response.
#[derive(Serialize)]
struct Answer<'a, I, R> {
    jsonrpc: &'static str,
    id: &'a I,
    result: &'a R,
}

/// An error response.
#[derive(Serialize)]
struct Refusal<'a, I> {
    jsonrpc: &'static str,
    id: &'a I,
    error: Reason<'a>,
}

#[derive(Serialize)]
struct Reason<'a> {
    code: i32,
    message: &'a str,
}

/// A notification.
#[derive(Serialize)]
struct Note<'a, P> {
    jsonrpc: &'static str,
    method: &'a str,
    params: &'a P,
}

impl Output {
    pub(super) fn new(sink: impl Write + Send + 'static) -> Self {
        Self {
            sink: Arc::new(Mutex::new(Box::new(sink))),
        }
    }

    /// Answers request `id` with `result`.
    pub(super) fn respond(&self, id: &impl Serialize, result: &impl Serialize) -> io::Result<()> {
        self.write(&Answer {
            jsonrpc: "2.0",
            id,
            result,
        })
    }

    /// Answers request `id` (JSON `null` when it has none to echo) with an error.
    pub(super) fn refuse(
        &self,
        id: &impl Serialize,
        code: ErrorCode,
        message: &str,
    ) -> io::Result<()> {
        self.write(&Refusal {
            jsonrpc: "2.0",
            id,
            error: Reason {
                code: code as i32,
                message,
            },
        })
    }

    /// Sends a notification.
    pub(super) fn notify(&self, method: &str, params: &impl Serialize) -> io::Result<()> {
        self.write(&Note {
            jsonrpc: "2.0",
            method,
            params,
        })
    }

    /// Writes a message built by `lsp-server` (its `initialize` handshake).
    pub(super) fn message(&self, message: &Message) -> io::Result<()> {
        message.write(&mut *self.lock())
    }

    fn write(&self, body: &impl Serialize) -> io::Result<()> {
        // Counted before the lock: a panic while serializing (a bug) leaves
        // the output whole, and the caller answers with an internal error.
        let mut length = Count(0);
        serde_json::to_writer(&mut length, body)?;
        let mut sink = self.lock();
        write!(sink, "Content-Length: {}\r\n\r\n", length.0)?;
        serde_json::to_writer(&mut *sink, body)?;
        sink.flush()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Box<dyn Write + Send>> {
        // A writer that panicked cannot have left a frame half written: it
        // panics, if ever, in the counting pass.
        self.sink.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Counts bytes written.
struct Count(usize);

impl Write for Count {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A JSON array of what `make` produces, serialized as it is produced and
/// never collected; `make` runs once per serialization.
pub(super) struct Stream<F>(pub(super) F);

impl<F, I> Serialize for Stream<F>
where
    F: Fn() -> I,
    I: IntoIterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}
