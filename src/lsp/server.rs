//! The server's loop: `lsp_server::Message`s from the reader thread in,
//! answers and `publishDiagnostics` out through [`Output`]. Edits are
//! recorded as they come and analysed once nothing waits or a request needs
//! them. After `shutdown` only `exit` is served; `exit` (or the end of the
//! input) ends the loop.
//!
//! No input from the client stops the server: parameters that do not
//! deserialize get an error response, unknown documents an empty answer,
//! and a handler that panics anyway answers with an internal error while
//! the server keeps running.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt::Display;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crossbeam_channel::Receiver;
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Exit, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentHighlightRequest, DocumentSymbolRequest,
    FoldingRangeRequest, Formatting, GotoDefinition, HoverRequest, PrepareRenameRequest,
    References, Rename, Request as _, Shutdown,
};
use lsp_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    TextDocumentContentChangeEvent, TextDocumentPositionParams, Uri,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::document::Document;
use super::outgoing::{Output, Stream};
use super::positions::Positions;
use super::{actions, completion, diagnostics, folding, formatting, hover, navigation};
use super::{rename, symbols};

/// Open documents by URI (as text: `Uri` hashes through interior mutability).
type Documents = HashMap<String, Document>;

pub(super) struct Server {
    incoming: Receiver<Message>,
    out: Output,
    documents: Documents,
    /// Texts changed since they were last analysed, with their URI and
    /// version: analysed when no message waits or before a request.
    pending: HashMap<String, (Uri, String, i32)>,
    /// Whether `shutdown` has come.
    shut_down: bool,
}

/// `publishDiagnostics`' parameters, the diagnostics converted as they are written.
#[derive(Serialize)]
struct Publish<'a, D> {
    uri: &'a Uri,
    diagnostics: D,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<i32>,
}

impl Server {
    pub(super) fn new(incoming: Receiver<Message>, out: Output) -> Self {
        Self {
            incoming,
            out,
            documents: HashMap::new(),
            pending: HashMap::new(),
            shut_down: false,
        }
    }

    /// Serves messages in order. Edits are only recorded as they come; the
    /// analysis (parse, check, diagnostics) runs once the queue is empty or a
    /// request needs it, so a burst of keystrokes costs one analysis, not one
    /// per key.
    pub(super) fn run(&mut self) {
        loop {
            let message = match self.incoming.try_recv() {
                Ok(message) => message,
                Err(e) if e.is_empty() => {
                    self.analyse_pending();
                    match self.incoming.recv() {
                        Ok(message) => message,
                        Err(_) => return,
                    }
                }
                Err(_) => return,
            };
            match message {
                Message::Request(request) if self.shut_down => {
                    let message = "drplan lsp is shutting down; it only takes `exit` now";
                    self.refuse(&request.id, ErrorCode::InvalidRequest, message);
                }
                Message::Request(request) if request.method == Shutdown::METHOD => {
                    self.shut_down = true;
                    // A closed stdout means the client is gone; the input ends soon after.
                    let _ = self.out.respond(&request.id, &());
                }
                Message::Request(request) => {
                    self.analyse_pending();
                    self.request(request);
                }
                Message::Notification(notification) if notification.method == Exit::METHOD => {
                    return;
                }
                Message::Notification(notification) if !self.shut_down => {
                    self.notification(notification);
                }
                Message::Notification(_) | Message::Response(_) => {}
            }
        }
    }

    /// Analyses every text changed since its last analysis and publishes its
    /// diagnostics.
    fn analyse_pending(&mut self) {
        for (key, (uri, text, version)) in std::mem::take(&mut self.pending) {
            let analysed = catch_unwind(AssertUnwindSafe(|| {
                let doc = Document::new(uri.as_str(), text);
                self.publish(&uri, Stream(|| diagnostics::of(&uri, &doc)), Some(version));
                doc
            }));
            if let Ok(doc) = analysed {
                self.documents.insert(key, doc);
            } else {
                tracing::error!(
                    "drplan lsp: analysing {} hit a bug; the server goes on",
                    uri.as_str()
                );
            }
        }
    }

    fn request(&self, request: Request) {
        match request.method.as_str() {
            Formatting::METHOD => {
                self.answer(request, |p: lsp_types::DocumentFormattingParams, docs| {
                    docs.get(p.text_document.uri.as_str())
                        .map(formatting::edits)
                });
            }
            Completion::METHOD => self.answer(request, |p: lsp_types::CompletionParams, docs| {
                let at = p.text_document_position;
                let doc = docs.get(at.text_document.uri.as_str())?;
                Some(completion::at(doc, doc.offset(at.position)))
            }),
            HoverRequest::METHOD => self.answer(request, |p: lsp_types::HoverParams, docs| {
                let (doc, offset) = locate(docs, &p.text_document_position_params)?;
                hover::at(doc, offset)
            }),
            GotoDefinition::METHOD => {
                self.answer(request, |p: lsp_types::GotoDefinitionParams, docs| {
                    let at = &p.text_document_position_params;
                    let (doc, offset) = locate(docs, at)?;
                    navigation::definition(&at.text_document.uri, doc, offset)
                });
            }
            References::METHOD => self.answer(request, |p: lsp_types::ReferenceParams, docs| {
                let at = &p.text_document_position;
                let (doc, offset) = locate(docs, at)?;
                Some(navigation::references(
                    &at.text_document.uri,
                    doc,
                    offset,
                    p.context.include_declaration,
                ))
            }),
            DocumentHighlightRequest::METHOD => {
                self.answer(request, |p: lsp_types::DocumentHighlightParams, docs| {
                    let (doc, offset) = locate(docs, &p.text_document_position_params)?;
                    Some(navigation::highlights(doc, offset))
                });
            }
            PrepareRenameRequest::METHOD => {
                self.answer(request, |p: TextDocumentPositionParams, docs| {
                    let (doc, offset) = locate(docs, &p)?;
                    rename::prepare(doc, offset)
                });
            }
            Rename::METHOD => self.answer_or_fail(request, |p: lsp_types::RenameParams, docs| {
                let at = &p.text_document_position;
                let Some((doc, offset)) = locate(docs, at) else {
                    return Ok(None);
                };
                rename::rename(&at.text_document.uri, doc, offset, &p.new_name)
            }),
            CodeActionRequest::METHOD => {
                self.answer(request, |p: lsp_types::CodeActionParams, docs| {
                    let doc = docs.get(p.text_document.uri.as_str())?;
                    let range = crate::source::Span::new(
                        doc.offset(p.range.start),
                        doc.offset(p.range.end),
                    );
                    Some(actions::quick_fixes(&p.text_document.uri, doc, range))
                });
            }
            FoldingRangeRequest::METHOD => {
                self.answer(request, |p: lsp_types::FoldingRangeParams, docs| {
                    docs.get(p.text_document.uri.as_str()).map(folding::of)
                });
            }
            DocumentSymbolRequest::METHOD => {
                self.answer(request, |p: lsp_types::DocumentSymbolParams, docs| {
                    docs.get(p.text_document.uri.as_str()).map(symbols::of)
                });
            }
            _ => {
                let message = format!("drplan lsp does not handle `{}`", request.method);
                self.refuse(&request.id, ErrorCode::MethodNotFound, &message);
            }
        }
    }

    /// Deserializes the parameters, runs a handler and writes its answer,
    /// turning bad parameters and panics into error responses so the server
    /// lives on.
    fn answer<'s, P, R>(&'s self, request: Request, handler: impl FnOnce(P, &'s Documents) -> R)
    where
        P: DeserializeOwned,
        R: Serialize,
    {
        self.answer_or_fail(request, |p, docs| Ok::<_, Infallible>(handler(p, docs)));
    }

    /// [`Self::answer`] for a handler that can refuse: its message goes back
    /// as a `RequestFailed` error, which editors show to the user.
    fn answer_or_fail<'s, P, R, E>(
        &'s self,
        request: Request,
        handler: impl FnOnce(P, &'s Documents) -> Result<R, E>,
    ) where
        P: DeserializeOwned,
        R: Serialize,
        E: Display,
    {
        let params = match serde_json::from_value::<P>(request.params) {
            Ok(params) => params,
            Err(e) => {
                return self.refuse(&request.id, ErrorCode::InvalidParams, &e.to_string());
            }
        };
        let id = &request.id;
        // The answer is serialized inside too: an outline is walked as it is written.
        let answered = catch_unwind(AssertUnwindSafe(|| {
            match handler(params, &self.documents) {
                Ok(result) => self.out.respond(id, &result),
                Err(e) => self
                    .out
                    .refuse(id, ErrorCode::RequestFailed, &e.to_string()),
            }
        }));
        if answered.is_err() {
            let message = "internal error in drplan lsp (this is a bug in drplan)";
            self.refuse(id, ErrorCode::InternalError, message);
        }
    }

    fn refuse(&self, id: &RequestId, code: ErrorCode, message: &str) {
        // A closed stdout means the client is gone; the input ends soon after.
        let _ = self.out.refuse(id, code, message);
    }

    fn notification(&mut self, notification: Notification) {
        let method = notification.method.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| match method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(p) = parse::<DidOpenTextDocumentParams>(notification) {
                    self.update(
                        p.text_document.uri,
                        p.text_document.text,
                        p.text_document.version,
                    );
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) = parse::<DidChangeTextDocumentParams>(notification) {
                    let uri = p.text_document.uri;
                    // The latest text: a pending one, else the analysed one.
                    let current = match self.pending.remove(uri.as_str()) {
                        Some((_, text, _)) => text,
                        None => self
                            .documents
                            .get(uri.as_str())
                            .map(|d| d.text().to_owned())
                            .unwrap_or_default(),
                    };
                    self.update(
                        uri,
                        apply(current, p.content_changes),
                        p.text_document.version,
                    );
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) = parse::<DidCloseTextDocumentParams>(notification) {
                    let uri = p.text_document.uri;
                    self.documents.remove(uri.as_str());
                    self.pending.remove(uri.as_str());
                    // A closed file's problems leave the editor's problem list.
                    self.publish(&uri, Vec::<lsp_types::Diagnostic>::new(), None);
                }
            }
            _ => {}
        }));
        if outcome.is_err() {
            tracing::error!("drplan lsp: a `{method}` notification hit a bug; the server goes on");
        }
    }

    /// Records a document's new text for the next analysis.
    fn update(&mut self, uri: Uri, text: String, version: i32) {
        self.pending
            .insert(uri.as_str().to_owned(), (uri, text, version));
    }

    /// Sends a document's diagnostics, with the version they are for so an
    /// editor can drop ones that arrive after a newer edit.
    fn publish(&self, uri: &Uri, diagnostics: impl Serialize, version: Option<i32>) {
        let params = Publish {
            uri,
            diagnostics,
            version,
        };
        // A closed stdout means the client is gone; the input ends soon after.
        let _ = self.out.notify(PublishDiagnostics::METHOD, &params);
    }
}

/// The text after a `didChange`: each change replaces a range (incremental
/// sync) or, without one, the whole text; applied in order, each against
/// the text the one before left, as the protocol says.
fn apply(mut text: String, changes: Vec<TextDocumentContentChangeEvent>) -> String {
    for change in changes {
        match change.range {
            Some(range) => {
                let positions = Positions::new(&text);
                let start = positions.offset(&text, range.start);
                let end = positions.offset(&text, range.end);
                if start <= end {
                    text.replace_range(start..end, &change.text);
                }
            }
            None => text = change.text,
        }
    }
    text
}

fn parse<P: DeserializeOwned>(notification: Notification) -> Result<P, serde_json::Error> {
    serde_json::from_value(notification.params)
}

/// The document and byte offset of a position.
fn locate<'d>(
    documents: &'d Documents,
    at: &TextDocumentPositionParams,
) -> Option<(&'d Document, usize)> {
    let doc = documents.get(at.text_document.uri.as_str())?;
    Some((doc, doc.offset(at.position)))
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use lsp_types::{Position, Range};
    use serde_json::json;

    use super::super::frames::{Frame, Frames};
    use super::*;

    /// An output the test reads back.
    #[derive(Clone, Default)]
    struct Written(Arc<Mutex<Vec<u8>>>);

    impl Write for Written {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Written {
        fn messages(&self) -> Vec<serde_json::Value> {
            let bytes = self.0.lock().unwrap().clone();
            let mut frames = Frames::new(bytes.as_slice());
            std::iter::from_fn(|| match frames.next().unwrap()? {
                Frame::Body(body) => Some(serde_json::from_slice(&body).unwrap()),
                Frame::Broken(e) => panic!("{e}"),
            })
            .collect()
        }
    }

    #[test]
    fn queued_edits_are_analysed_once_before_the_request_that_follows() {
        let (client, incoming) = crossbeam_channel::unbounded::<Message>();
        let uri = "file:///p.drplan";
        let notify = |method: &str, params: serde_json::Value| {
            let message = Notification::new(method.to_owned(), params);
            client.send(message.into()).unwrap();
        };
        let text = "plan p {\n  group db { vm d }\n  group app needs db { vm a }\n}\n";
        notify(
            DidOpenTextDocument::METHOD,
            json!({ "textDocument": { "uri": uri, "languageId": "drplan", "version": 1, "text": text } }),
        );
        // Ten keys typed after `needs db`, all queued before the server looks.
        for i in 0..10 {
            let at = json!({ "line": 2, "character": 20 + i });
            notify(
                DidChangeTextDocument::METHOD,
                json!({ "textDocument": { "uri": uri, "version": 2 + i },
                        "contentChanges": [{ "range": { "start": at, "end": at }, "text": "b" }] }),
            );
        }
        let request = |id: i32, method: &str, params: serde_json::Value| {
            let message = Request::new(id.into(), method.to_owned(), params);
            client.send(message.into()).unwrap();
        };
        request(
            1,
            HoverRequest::METHOD,
            json!({ "textDocument": { "uri": uri }, "position": { "line": 2, "character": 18 } }),
        );
        request(2, Shutdown::METHOD, serde_json::Value::Null);
        notify(Exit::METHOD, serde_json::Value::Null);

        let written = Written::default();
        Server::new(incoming, Output::new(written.clone())).run();

        let messages = written.messages();
        let published: Vec<&serde_json::Value> = messages
            .iter()
            .filter(|m| m["method"] == PublishDiagnostics::METHOD)
            .collect();
        // One analysis for eleven versions, and it is the last one's.
        let versions: Vec<&serde_json::Value> =
            published.iter().map(|n| &n["params"]["version"]).collect();
        assert_eq!(versions, [&json!(11)]);
        let diagnostics = published[0]["params"]["diagnostics"].to_string();
        assert!(
            diagnostics.contains("unknown group `dbbbbbbbbbbb`"),
            "{diagnostics}"
        );
        let hover = messages.iter().find(|m| m["id"] == 1).unwrap();
        let hover = hover["result"]["contents"]["value"].to_string();
        assert!(hover.contains("**group dbbbbbbbbbbb**"), "{hover}");
        let shutdown = messages.iter().find(|m| m["id"] == 2).unwrap();
        assert_eq!(
            shutdown,
            &json!({ "jsonrpc": "2.0", "id": 2, "result": null })
        );
    }

    #[test]
    fn changes_apply_whole_or_by_range() {
        let whole = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "a😀c\nd".to_owned(),
        };
        let ranged = TextDocumentContentChangeEvent {
            range: Some(Range {
                start: Position {
                    line: 0,
                    character: 1,
                },
                end: Position {
                    line: 0,
                    character: 3,
                },
            }),
            range_length: None,
            text: "b".to_owned(),
        };
        assert_eq!(apply("old".to_owned(), vec![whole, ranged]), "abc\nd");
    }
}
