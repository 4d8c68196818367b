//! A client for `drplan lsp` as an editor is one: the binary on the other end
//! of a pipe, JSON-RPC with `Content-Length` framing, and a deadline on every
//! read so a hang fails instead of stalling. Also what an editor never does:
//! raw bytes down the pipe, stdin closed mid-frame, the server's peak memory.
//! Shared by the `tests/lsp*.rs` modules and `benches/lsp.rs`; each uses part
//! of it.

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
    /// `None` once [`Client::close_stdin`] has closed it.
    stdin: Option<ChildStdin>,
    /// Message bodies as read: parsed when looked at, so a response of
    /// hundreds of megabytes need not become a `Value`.
    messages: Receiver<Vec<u8>>,
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
        let stdin = child.stdin.take();
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
                if tx.send(body).is_err() {
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
            self.send_raw(frame.as_bytes());
        }
    }

    /// Writes bytes as they are: frames an editor would never send.
    pub(crate) fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    /// Closes the server's stdin: end of input, wherever the last frame stopped.
    pub(crate) fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The server's process.
    pub(crate) fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// The server's peak resident memory so far (`VmHWM`), in bytes.
    pub(crate) fn peak_memory(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kib = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().strip_suffix("kB"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .expect("VmHWM in /proc/PID/status");
        kib * 1024
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
        serde_json::from_slice(&self.next_raw(deadline)).expect("JSON body")
    }

    /// The next message's body, unparsed.
    pub(crate) fn next_raw(&mut self, deadline: Instant) -> Vec<u8> {
        let left = deadline.saturating_duration_since(Instant::now());
        let received = self.messages.recv_timeout(left).map_err(|e| match e {
            RecvTimeoutError::Timeout => format!("drplan lsp did not answer in {TIMEOUT:?}"),
            RecvTimeoutError::Disconnected => {
                format!("drplan lsp closed stdout: {:?}", self.child.try_wait())
            }
        });
        received.unwrap()
    }

    /// The first message (already read or still to come) that `wanted` picks.
    pub(crate) fn wait_for(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.pending.iter().position(&wanted) {
            return self.pending.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.next(deadline);
            if wanted(&message) {
                return message;
            }
            self.pending.push(message);
        }
    }

    /// The messages read while waiting for others and not asked for since.
    pub(crate) fn take_pending(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.pending)
    }

    /// Sends a request, writing any corked frames after it.
    fn send_request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        message["params"] = params;
        self.send(&message);
        if let Some(held) = self.corked.take() {
            self.send_raw(&held);
        }
        id
    }

    /// Sends a request and returns the whole response.
    pub(crate) fn call(&mut self, method: &str, params: Value) -> Value {
        let id = json!(self.send_request(method, params));
        self.wait_for(|m| m["id"] == id)
    }

    /// Sends a request and returns its response's body unparsed, for
    /// answers too large to hold as a `Value`.
    pub(crate) fn call_raw(&mut self, method: &str, params: Value) -> Vec<u8> {
        #[derive(serde::Deserialize)]
        struct Id {
            id: Option<Value>,
        }
        let id = json!(self.send_request(method, params));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let body = self.next_raw(deadline);
            let found: Id = serde_json::from_slice(&body).expect("JSON body");
            if found.id.as_ref() == Some(&id) {
                return body;
            }
            self.pending
                .push(serde_json::from_slice(&body).expect("JSON body"));
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
        let message = self.wait_for(|m| m["method"] == "textDocument/publishDiagnostics");
        assert_eq!(message["params"]["uri"], URI);
        (
            message["params"]["version"].clone(),
            message["params"]["diagnostics"].as_array().unwrap().clone(),
        )
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

/// Line and UTF-16 column of the `n`th occurrence of `needle` in `text` (ASCII text).
pub(crate) fn find(text: &str, needle: &str, n: usize) -> (usize, usize) {
    let offset = text.match_indices(needle).nth(n).unwrap().0;
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let column = offset - before.rfind('\n').map_or(0, |i| i + 1);
    (line, column)
}

/// `text` with LSP text edits applied (positions in `text`, ASCII lines).
pub(crate) fn apply_edits(text: &str, edits: &Value) -> String {
    let mut edits = edits.as_array().expect("an array of edits").clone();
    // Back to front, so each edit's position still holds.
    edits.sort_by_key(|e| {
        std::cmp::Reverse((
            e["range"]["start"]["line"].as_u64(),
            e["range"]["start"]["character"].as_u64(),
        ))
    });
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let at = |e: &Value, end: &str, part: &str| {
        usize::try_from(e["range"][end][part].as_u64().unwrap()).unwrap()
    };
    for e in &edits {
        let line = at(e, "start", "line");
        assert_eq!(line, at(e, "end", "line"), "one-line edits only: {e}");
        let range = at(e, "start", "character")..at(e, "end", "character");
        lines[line].replace_range(range, e["newText"].as_str().unwrap());
    }
    lines.join("\n") + "\n"
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
