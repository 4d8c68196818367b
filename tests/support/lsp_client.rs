//! A client for `drplan lsp` as an editor is one: the binary on the other end
//! of a pipe, JSON-RPC with `Content-Length` framing, and a deadline on every
//! read so a hang fails instead of stalling. Shared by `tests/lsp.rs` and
//! `benches/lsp.rs`; each uses part of it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub(crate) const TIMEOUT: Duration = Duration::from_secs(20);
pub(crate) const URI: &str = "file:///plans/test.drplan";

pub(crate) struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// Notifications read while waiting for something else.
    pending: Vec<Value>,
    /// Frames held back by [`Client::cork`], written at the next request.
    corked: Option<Vec<u8>>,
}

impl Client {
    pub(crate) fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_drplan"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, messages) = channel();
        // A thread reads frames so the test can wait with a timeout.
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("Content-Length header")];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let value: Value = serde_json::from_slice(&body).expect("JSON body");
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            messages,
            next_id: 0,
            pending: Vec::new(),
            corked: None,
        };
        let init = client.request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": {} }),
        );
        assert!(
            init["capabilities"]["completionProvider"].is_object(),
            "{init}"
        );
        client.notify("initialized", json!({}));
        client
    }

    pub(crate) fn send(&mut self, message: &Value) {
        let body = message.to_string();
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        if let Some(held) = &mut self.corked {
            held.extend_from_slice(frame.as_bytes());
        } else {
            self.stdin.write_all(frame.as_bytes()).unwrap();
            self.stdin.flush().unwrap();
        }
    }

    /// Holds messages back until the next request, then writes them with it
    /// in one go: the server finds them all queued, as after a burst of typing.
    pub(crate) fn cork(&mut self) {
        self.corked.get_or_insert_with(Vec::new);
    }

    pub(crate) fn notify(&mut self, method: &str, params: Value) {
        let mut message = json!({ "jsonrpc": "2.0", "method": method });
        message["params"] = params;
        self.send(&message);
    }

    pub(crate) fn next(&mut self, deadline: Instant) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        let received = self.messages.recv_timeout(left).map_err(|e| match e {
            RecvTimeoutError::Timeout => format!("drplan lsp did not answer in {TIMEOUT:?}"),
            RecvTimeoutError::Disconnected => {
                format!("drplan lsp closed stdout: {:?}", self.child.try_wait())
            }
        });
        received.unwrap()
    }

    /// Sends a request and returns the whole response.
    pub(crate) fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        message["params"] = params;
        self.send(&message);
        if let Some(held) = self.corked.take() {
            self.stdin.write_all(&held).unwrap();
            self.stdin.flush().unwrap();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.next(deadline);
            if message["id"] == json!(id) {
                return message;
            }
            self.pending.push(message);
        }
    }

    /// Sends a request that must succeed, and returns its result.
    pub(crate) fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// Sends a request that must fail, and returns its error.
    pub(crate) fn request_error(&mut self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        assert!(
            response.get("result").is_none(),
            "{method} succeeded: {response}"
        );
        response["error"].clone()
    }

    /// The next `publishDiagnostics` for the test document.
    pub(crate) fn diagnostics(&mut self) -> Vec<Value> {
        self.versioned_diagnostics().1
    }

    /// The next `publishDiagnostics` for the test document, with its version.
    pub(crate) fn versioned_diagnostics(&mut self) -> (Value, Vec<Value>) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let found = self
                .pending
                .iter()
                .position(|m| m["method"] == "textDocument/publishDiagnostics");
            let message = match found {
                Some(i) => self.pending.remove(i),
                None => self.next(deadline),
            };
            if message["method"] == "textDocument/publishDiagnostics" {
                assert_eq!(message["params"]["uri"], URI);
                return (
                    message["params"]["version"].clone(),
                    message["params"]["diagnostics"].as_array().unwrap().clone(),
                );
            }
            self.pending.push(message);
        }
    }

    pub(crate) fn open(&mut self, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": URI, "languageId": "drplan", "version": 1, "text": text } }),
        );
        self.diagnostics()
    }

    pub(crate) fn change(&mut self, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": URI, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    /// An incremental change: `text` replaces `range` (`{ start, end }`).
    pub(crate) fn change_range(&mut self, version: i64, range: &Value, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": URI, "version": version },
                    "contentChanges": [{ "range": range, "text": text }] }),
        );
    }

    pub(crate) fn at(&mut self, method: &str, line: usize, character: usize) -> Value {
        self.request(
            method,
            json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": character } }),
        )
    }

    pub(crate) fn shutdown(mut self) {
        let result = self.request("shutdown", Value::Null);
        assert_eq!(result, Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "drplan lsp exited with {status}");
                return;
            }
            assert!(Instant::now() < deadline, "drplan lsp did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
