//! `drplan lsp`: a language server over stdio. JSON-RPC messages in (framed
//! by `Content-Length` headers), responses and `publishDiagnostics` out.
//! Every document is analysed with the CLI's own `syntax::parse`,
//! `check::check` and `fmt::format` (no second parser), and positions are
//! mapped in UTF-16 units.
//!
//! Threads: the reader (`incoming`) frames stdin and hands messages to the
//! server (`server`), which writes its answers through `outgoing`; the
//! reader answers what is no message itself. `lsp-server` provides the
//! message types and the `initialize` handshake.
//!
//! Invariant: no input from the client stops the server. A message over 64
//! MiB is refused and skipped; see `frames` and `incoming` for what else is
//! refused and how. Stdout belongs to the protocol, hence the lint below.

#![deny(clippy::print_stdout)]

mod actions;
mod completion;
mod diagnostics;
mod document;
mod folding;
mod formatting;
mod frames;
mod hover;
mod incoming;
mod navigation;
mod outgoing;
mod positions;
pub(crate) mod rename;
mod server;
mod symbols;

use std::io::BufWriter;

use crossbeam_channel::Receiver;
use lsp_server::{Connection, Message, ProtocolError};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions, OneOf,
    RenameOptions, ServerCapabilities, TextDocumentSyncCapability, TextDocumentSyncKind,
};

use outgoing::Output;
use server::Server;

/// Why the server stopped other than by `exit` or the end of its input.
#[derive(Debug, thiserror::Error)]
pub enum LspError {
    /// The client broke the `initialize` handshake.
    #[error("language server protocol: {0}")]
    Protocol(#[from] ProtocolError),
    /// The capabilities did not serialize.
    #[error("language server capabilities: {0}")]
    Capabilities(#[from] serde_json::Error),
    /// The reader thread did not start.
    #[error("language server I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// Serves one client on stdin and stdout until it sends `exit` or closes stdin.
pub fn serve() -> Result<(), LspError> {
    let out = Output::new(BufWriter::with_capacity(1 << 16, std::io::stdout()));
    // Unbuffered, as lsp-server's own: the reader waits until the server
    // takes each message, so input is never read far ahead of the server.
    let (sender, incoming) = crossbeam_channel::bounded(0);
    incoming::spawn(sender, out.clone())?;
    match initialize(&incoming, &out) {
        Err(LspError::Protocol(e)) if e.channel_is_disconnected() => return Ok(()),
        result => result?,
    }
    Server::new(incoming, out).run();
    Ok(())
}

/// The `initialize` handshake, as `lsp-server` does it, its messages
/// written by a thread of its own while the handshake waits for the client.
fn initialize(incoming: &Receiver<Message>, out: &Output) -> Result<(), LspError> {
    let capabilities = serde_json::to_value(capabilities())?;
    let (sender, outgoing) = crossbeam_channel::unbounded::<Message>();
    let connection = Connection {
        sender,
        receiver: incoming.clone(),
    };
    std::thread::scope(|scope| {
        scope.spawn(move || {
            for message in outgoing {
                // A closed stdout means the client is gone; the input ends soon after.
                let _ = out.message(&message);
            }
        });
        let result = connection.initialize(capabilities);
        // Ends the writing thread.
        drop(connection);
        result
    })?;
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
