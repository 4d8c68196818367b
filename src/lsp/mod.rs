//! `drplan lsp`: a language server over stdio. JSON-RPC messages in (through
//! `lsp-server`), responses and `publishDiagnostics` out. Every document is
//! analysed with the CLI's own `syntax::parse`, `check::check` and
//! `fmt::format` (no second parser), and positions are mapped in UTF-16 units
//! by `source::LineIndex`.
//!
//! Invariant: no input from the client stops the server. Parameters that do
//! not deserialize get an error response, unknown documents an empty answer,
//! and a handler that panics anyway answers with an internal error while the
//! server keeps running. Stdout belongs to the protocol, hence the lint below.

#![deny(clippy::print_stdout)]

mod actions;
mod completion;
mod diagnostics;
mod document;
mod folding;
mod formatting;
mod hover;
mod navigation;
mod symbols;

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentHighlightRequest, DocumentSymbolRequest,
    FoldingRangeRequest, Formatting, GotoDefinition, HoverRequest, PrepareRenameRequest,
    References, Rename, Request as _,
};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions,
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams, OneOf,
    PublishDiagnosticsParams, RenameOptions, ServerCapabilities, TextDocumentContentChangeEvent,
    TextDocumentPositionParams, TextDocumentSyncCapability, TextDocumentSyncKind, Uri,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use document::Document;

/// Why the server stopped other than by `shutdown` and `exit`.
#[derive(Debug, thiserror::Error)]
pub enum LspError {
    /// The connection broke or the client broke the protocol.
    #[error("language server protocol: {0}")]
    Protocol(String),
    /// Stdin or stdout failed.
    #[error("language server I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// Serves one client on stdin and stdout until it sends `exit`.
pub fn serve() -> Result<(), LspError> {
    let (connection, io_threads) = Connection::stdio();
    let capabilities =
        serde_json::to_value(capabilities()).map_err(|e| LspError::Protocol(e.to_string()))?;
    connection
        .initialize(capabilities)
        .map_err(|e| LspError::Protocol(e.to_string()))?;
    let mut server = Server {
        connection: &connection,
        documents: HashMap::new(),
        pending: HashMap::new(),
    };
    server.run()?;
    drop(connection);
    io_threads.join()?;
    Ok(())
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        // Incremental: a keystroke sends one small range, not the whole file.
        text_document_sync: Some(TextDocumentSyncCapability::Kind(
            TextDocumentSyncKind::INCREMENTAL,
        )),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![" ".to_owned(), ",".to_owned()]),
            ..CompletionOptions::default()
        }),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_highlight_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: lsp_types::WorkDoneProgressOptions::default(),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(lsp_types::FoldingRangeProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

struct Server<'c> {
    connection: &'c Connection,
    /// Open documents by URI (as text: `Uri` hashes through interior mutability).
    documents: HashMap<String, Document>,
    /// Texts changed since they were last analysed, with their URI and
    /// version: analysed when no message waits or before a request.
    pending: HashMap<String, (Uri, String, i32)>,
}

impl Server<'_> {
    /// Serves messages in order. Edits are only recorded as they come; the
    /// analysis (parse, check, diagnostics) runs once the queue is empty or a
    /// request needs it, so a burst of keystrokes costs one analysis, not one
    /// per key.
    fn run(&mut self) -> Result<(), LspError> {
        loop {
            let message = match self.connection.receiver.try_recv() {
                Ok(message) => message,
                Err(e) if e.is_empty() => {
                    self.analyse_pending();
                    match self.connection.receiver.recv() {
                        Ok(message) => message,
                        Err(_) => return Ok(()),
                    }
                }
                Err(_) => return Ok(()),
            };
            match message {
                Message::Request(request) => {
                    self.analyse_pending();
                    let shutdown = self
                        .connection
                        .handle_shutdown(&request)
                        .map_err(|e| LspError::Protocol(e.to_string()))?;
                    if shutdown {
                        return Ok(());
                    }
                    let response = self.request(request);
                    self.send(response.into());
                }
                Message::Notification(notification) => self.notification(notification),
                Message::Response(_) => {}
            }
        }
    }

    /// Analyses every text changed since its last analysis and publishes its
    /// diagnostics.
    fn analyse_pending(&mut self) {
        for (key, (uri, text, version)) in std::mem::take(&mut self.pending) {
            let analysed = catch_unwind(AssertUnwindSafe(|| {
                let doc = Document::new(uri.as_str(), text);
                let diagnostics = diagnostics::of(&uri, &doc);
                (doc, diagnostics)
            }));
            if let Ok((doc, diagnostics)) = analysed {
                self.documents.insert(key, doc);
                self.publish(uri, diagnostics, Some(version));
            } else {
                tracing::error!(
                    "drplan lsp: analysing {} hit a bug; the server goes on",
                    uri.as_str()
                );
            }
        }
    }

    fn send(&self, message: Message) {
        // The only failure is a closed connection, which ends the loop anyway.
        let _ = self.connection.sender.send(message);
    }

    fn request(&self, request: Request) -> Response {
        let id = request.id.clone();
        match request.method.as_str() {
            Formatting::METHOD => {
                self.answer(request, |p: lsp_types::DocumentFormattingParams, docs| {
                    docs.get(p.text_document.uri.as_str())
                        .map(formatting::edits)
                })
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
                })
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
                })
            }
            PrepareRenameRequest::METHOD => {
                self.answer(request, |p: TextDocumentPositionParams, docs| {
                    let (doc, offset) = locate(docs, &p)?;
                    navigation::prepare(doc, offset)
                })
            }
            Rename::METHOD => self.answer_or_fail(request, |p: lsp_types::RenameParams, docs| {
                let at = &p.text_document_position;
                let Some((doc, offset)) = locate(docs, at) else {
                    return Ok(None);
                };
                navigation::rename(&at.text_document.uri, doc, offset, &p.new_name)
            }),
            CodeActionRequest::METHOD => {
                self.answer(request, |p: lsp_types::CodeActionParams, docs| {
                    let doc = docs.get(p.text_document.uri.as_str())?;
                    let range = crate::source::Span::new(
                        doc.offset(p.range.start),
                        doc.offset(p.range.end),
                    );
                    Some(actions::quick_fixes(&p.text_document.uri, doc, range))
                })
            }
            FoldingRangeRequest::METHOD => {
                self.answer(request, |p: lsp_types::FoldingRangeParams, docs| {
                    docs.get(p.text_document.uri.as_str()).map(folding::of)
                })
            }
            DocumentSymbolRequest::METHOD => {
                self.answer(request, |p: lsp_types::DocumentSymbolParams, docs| {
                    let doc = docs.get(p.text_document.uri.as_str())?;
                    Some(lsp_types::DocumentSymbolResponse::Nested(symbols::of(doc)))
                })
            }
            _ => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("drplan lsp does not handle `{}`", request.method),
            ),
        }
    }

    /// Deserializes the parameters and runs a handler, turning bad parameters
    /// and panics into error responses so the server lives on.
    fn answer<P, R>(
        &self,
        request: Request,
        handler: impl FnOnce(P, &HashMap<String, Document>) -> R,
    ) -> Response
    where
        P: DeserializeOwned,
        R: Serialize,
    {
        self.answer_or_fail(request, |p, docs| Ok(handler(p, docs)))
    }

    /// [`Self::answer`] for a handler that can refuse: its message goes back
    /// as a `RequestFailed` error, which editors show to the user.
    fn answer_or_fail<P, R>(
        &self,
        request: Request,
        handler: impl FnOnce(P, &HashMap<String, Document>) -> Result<R, String>,
    ) -> Response
    where
        P: DeserializeOwned,
        R: Serialize,
    {
        let params = match serde_json::from_value::<P>(request.params) {
            Ok(params) => params,
            Err(e) => {
                return Response::new_err(
                    request.id,
                    ErrorCode::InvalidParams as i32,
                    e.to_string(),
                );
            }
        };
        match catch_unwind(AssertUnwindSafe(|| handler(params, &self.documents))) {
            Ok(Ok(result)) => Response::new_ok(request.id, result),
            Ok(Err(message)) => {
                Response::new_err(request.id, ErrorCode::RequestFailed as i32, message)
            }
            Err(_) => Response::new_err(
                request.id,
                ErrorCode::InternalError as i32,
                "internal error in drplan lsp (this is a bug in drplan)".to_owned(),
            ),
        }
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
                    self.documents.remove(p.text_document.uri.as_str());
                    self.pending.remove(p.text_document.uri.as_str());
                    // A closed file's problems leave the editor's problem list.
                    self.publish(p.text_document.uri, Vec::new(), None);
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
    fn publish(&self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.send(Notification::new(PublishDiagnostics::METHOD.to_owned(), params).into());
    }
}

/// The text after a `didChange`: each change replaces a range (incremental
/// sync) or, without one, the whole text; applied in order, each against
/// the text the one before left, as the protocol says.
fn apply(mut text: String, changes: Vec<TextDocumentContentChangeEvent>) -> String {
    for change in changes {
        match change.range {
            Some(range) => {
                let index = crate::source::LineIndex::new(&text);
                let start = index.offset_of_utf16(&text, range.start.line, range.start.character);
                let end = index.offset_of_utf16(&text, range.end.line, range.end.character);
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
    documents: &'d HashMap<String, Document>,
    at: &TextDocumentPositionParams,
) -> Option<(&'d Document, usize)> {
    let doc = documents.get(at.text_document.uri.as_str())?;
    Some((doc, doc.offset(at.position)))
}

#[cfg(test)]
mod tests {
    use lsp_types::{Position, Range};
    use serde_json::json;

    use super::*;

    #[test]
    fn queued_edits_are_analysed_once_before_the_request_that_follows() {
        let (server, client) = Connection::memory();
        let uri = "file:///p.drplan";
        let notify = |method: &str, params: serde_json::Value| {
            let message = Notification::new(method.to_owned(), params);
            client.sender.send(message.into()).unwrap();
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
            client.sender.send(message.into()).unwrap();
        };
        request(
            1,
            HoverRequest::METHOD,
            json!({ "textDocument": { "uri": uri }, "position": { "line": 2, "character": 18 } }),
        );
        request(2, "shutdown", serde_json::Value::Null);
        notify("exit", serde_json::Value::Null);

        let mut run = Server {
            connection: &server,
            documents: HashMap::new(),
            pending: HashMap::new(),
        };
        run.run().unwrap();

        let messages: Vec<Message> = client.receiver.try_iter().collect();
        let published: Vec<&Notification> = messages
            .iter()
            .filter_map(|m| match m {
                Message::Notification(n) if n.method == PublishDiagnostics::METHOD => Some(n),
                _ => None,
            })
            .collect();
        // One analysis for eleven versions, and it is the last one's.
        let versions: Vec<&serde_json::Value> =
            published.iter().map(|n| &n.params["version"]).collect();
        assert_eq!(versions, [&json!(11)]);
        let diagnostics = published[0].params["diagnostics"].to_string();
        assert!(
            diagnostics.contains("unknown group `dbbbbbbbbbbb`"),
            "{diagnostics}"
        );
        let hover = messages.iter().find_map(|m| match m {
            Message::Response(r) if r.id == 1.into() => r.response_result.clone().ok(),
            _ => None,
        });
        let hover = hover.unwrap()["contents"]["value"].to_string();
        assert!(hover.contains("**group dbbbbbbbbbbb**"), "{hover}");
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
