//! The reader thread: stdin's frames in, `lsp_server::Message`s out to the
//! server's channel. What is no message is answered here, straight to the
//! output, and the thread reads on: a frame that cannot be read or a body
//! that is not JSON gets `-32700 Parse error`, JSON that is no JSON-RPC
//! message `-32600 Invalid Request` when it has an id (and is dropped, with
//! a warning on stderr, when it has none). The id of such an answer is the
//! message's own when it is a number or a string, else `null`, as JSON-RPC
//! asks. The thread ends at the end of the input, after `exit`, or when the
//! server is gone.

use std::io::BufRead;
use std::thread::JoinHandle;

use crossbeam_channel::Sender;
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{Exit, Notification as _};
use serde::Deserialize;
use serde_json::Value;

use super::frames::{Frame, FrameError, Frames};
use super::outgoing::Output;

/// Why a frame is no message for the server.
#[derive(Debug, thiserror::Error)]
enum Unreadable {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("the message is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the message is not a JSON-RPC request or notification: {why}")]
    NotRpc {
        /// The message's `id`, when it has one.
        id: Option<Value>,
        why: &'static str,
    },
}

/// Starts the thread that reads stdin.
pub(super) fn spawn(messages: Sender<Message>, out: Output) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("drplan-lsp-reader".to_owned())
        .spawn(move || read(std::io::stdin().lock(), &messages, &out))
}

fn read(input: impl BufRead, messages: &Sender<Message>, out: &Output) {
    let mut frames = Frames::new(input);
    loop {
        let frame = match frames.next() {
            Ok(Some(frame)) => frame,
            Ok(None) => return,
            Err(e) => {
                tracing::error!("drplan lsp: reading stdin: {e}");
                return;
            }
        };
        let decoded = match frame {
            Frame::Body(body) => decode(body),
            Frame::Broken(e) => Err(e.into()),
        };
        match decoded {
            Ok(message) => {
                let exit = matches!(&message, Message::Notification(n) if n.method == Exit::METHOD);
                if messages.send(message).is_err() || exit {
                    return;
                }
            }
            Err(e) => answer(out, &e),
        }
    }
}

/// Answers what could not be read, if it can be answered.
fn answer(out: &Output, unreadable: &Unreadable) {
    let message = unreadable.to_string();
    let (id, code) = match unreadable {
        Unreadable::Frame(_) | Unreadable::Json(_) => (Value::Null, ErrorCode::ParseError),
        Unreadable::NotRpc { id: Some(id), .. } => {
            let echo = id.is_number() || id.is_string();
            let id = if echo { id.clone() } else { Value::Null };
            (id, ErrorCode::InvalidRequest)
        }
        Unreadable::NotRpc { id: None, .. } => {
            tracing::warn!("drplan lsp: dropped: {message}");
            return;
        }
    };
    tracing::warn!("drplan lsp: {message}");
    // A closed stdout means the client is gone; the input ends soon after.
    let _ = out.refuse(&id, code, &message);
}

/// A body as a message: a request, a notification or a response.
fn decode(body: Vec<u8>) -> Result<Message, Unreadable> {
    let value: Value = serde_json::from_slice(&body)?;
    drop(body);
    let not_rpc = |id, why| Unreadable::NotRpc { id, why };
    let Value::Object(mut fields) = value else {
        return Err(not_rpc(None, "it is not a JSON object"));
    };
    let id = fields.remove("id");
    match (id, fields.remove("method")) {
        (None, Some(Value::String(method))) => {
            let params = fields.remove("params").unwrap_or_default();
            Ok(Notification { method, params }.into())
        }
        (Some(id), Some(Value::String(method))) => {
            let Ok(request_id) = RequestId::deserialize(&id) else {
                let why = "its id is neither a string nor a 32-bit integer";
                return Err(not_rpc(Some(id), why));
            };
            let params = fields.remove("params").unwrap_or_default();
            Ok(Request {
                id: request_id,
                method,
                params,
            }
            .into())
        }
        (Some(id), None) if fields.contains_key("result") || fields.contains_key("error") => {
            fields.insert("id".to_owned(), id);
            serde_json::from_value::<Response>(Value::Object(fields))
                .map(Message::Response)
                .map_err(|_| not_rpc(None, "it is a response of the wrong shape"))
        }
        (Some(id), _) => Err(not_rpc(Some(id), "it has no `method` string")),
        (None, _) => Err(not_rpc(None, "it has neither an id nor a `method` string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(body: &str) -> String {
        match decode(body.as_bytes().to_vec()) {
            Ok(Message::Request(r)) => format!("request {} {}", r.id, r.method),
            Ok(Message::Notification(n)) => format!("notification {}", n.method),
            Ok(Message::Response(r)) => format!("response {}", r.id),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn bodies_become_messages_or_say_why_not() {
        assert_eq!(
            decoded(r#"{"jsonrpc":"2.0","id":"a","method":"m","params":{}}"#),
            "request \"a\" m"
        );
        assert_eq!(decoded(r#"{"method":"m"}"#), "notification m");
        assert_eq!(decoded(r#"{"id":3,"result":null}"#), "response 3");
        assert_eq!(
            decoded(r#"{"id":3000000000,"method":"m"}"#),
            "error: the message is not a JSON-RPC request or notification: \
             its id is neither a string nor a 32-bit integer"
        );
        assert!(
            decoded(r#"{"id":1,"method":"#).starts_with("error: the message is not valid JSON")
        );
        assert!(
            decoded(r#"{"method":"\ud800"}"#).starts_with("error: the message is not valid JSON")
        );
    }
}
