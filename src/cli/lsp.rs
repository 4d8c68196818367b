//! `drplan lsp`: hands stdin and stdout to the language server (`crate::lsp`)
//! until the editor sends `exit`; logs go to stderr as for every command.

use super::args::LspArgs;
use super::exit::ExitCode;
use super::output;

pub(super) fn run(_args: &LspArgs) -> ExitCode {
    match crate::lsp::serve() {
        Ok(()) => ExitCode::Success,
        Err(e) => {
            output::error(&e.to_string());
            ExitCode::Failed
        }
    }
}
