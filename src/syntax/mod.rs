//! Text to syntax tree: `parse` runs the pest grammar (`grammar/drplan.pest`)
//! and lowers its pairs into [`crate::ast`] nodes with spans. Every problem becomes
//! a `drplan::syntax` diagnostic; lines with no statement shape become
//! [`crate::ast::Statement::Stray`] so one pass reports all of them.

mod lower;
pub mod parser;
mod syntax_error;

use pest::Parser as _;

use crate::ast::PlanFile;
use crate::diagnostic::Diagnostics;
use crate::source::SourceFile;

use parser::{DrplanParser, Rule};

/// Brackets nested deeper than this are refused before parsing, so that
/// no input can exhaust the stack of the recursive-descent parser.
const MAX_NESTING: usize = 64;

/// Parses a file. Returns `None` when the text has no usable shape at all
/// (unbalanced braces); otherwise the tree, with strays reported in `diags`.
pub fn parse(source: &SourceFile, diags: &mut Diagnostics) -> Option<PlanFile> {
    let text: &str = &source.text;
    if let Some(diagnostic) = syntax_error::brackets(text, MAX_NESTING) {
        diags.push(diagnostic);
        return None;
    }
    match DrplanParser::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let file = pairs.next()?;
            Some(lower::Lowerer::new(diags).file(file))
        }
        Err(error) => {
            diags.push(syntax_error::from_pest(&error, text));
            None
        }
    }
}
