//! Syntax problems to `drplan::syntax` diagnostics: pest's failures (unbalanced
//! braces), stray lines, and nesting too deep to parse safely.

use pest::error::{Error, ErrorVariant, InputLocation};

use crate::diagnostic::Diagnostic;
use crate::source::Span;

use super::parser::{Rule, describe};

/// A pest failure: "expected `}`", positioned where parsing stopped.
pub(super) fn from_pest(error: &Error<Rule>, text: &str) -> Diagnostic {
    let pos = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let mut expected: Vec<&'static str> = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().map(|r| describe(*r)).collect()
        }
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    expected.sort_unstable();
    expected.dedup();
    let found = found_at(text, pos);
    let at = Span::new(pos, pos + found.len());
    let (message, label, help) = match found.as_str() {
        "" => (
            "unexpected end of file".to_owned(),
            "the file ends here".to_owned(),
            Some("a block is not closed: add the missing `}`".to_owned()),
        ),
        "}" => (
            "unexpected `}`".to_owned(),
            "no block is open here".to_owned(),
            Some("remove this `}` or add the `{` it should close".to_owned()),
        ),
        "{" => (
            "unexpected `{`".to_owned(),
            "a block with no statement before it".to_owned(),
            Some("a block belongs to a statement: `name value { … }`".to_owned()),
        ),
        other => (
            format!("unexpected `{other}`"),
            format!("expected {}", join_or(&expected)),
            None,
        ),
    };
    Diagnostic::Syntax {
        message,
        at,
        label,
        help,
    }
}

/// The token-ish text at `pos`, for "unexpected …".
fn found_at(text: &str, pos: usize) -> String {
    let rest = text.get(pos..).unwrap_or("");
    let mut chars = rest.chars();
    match chars.next() {
        None => String::new(),
        Some(c) if c.is_alphanumeric() || c == '_' => rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
            .collect(),
        Some(c) => c.to_string(),
    }
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => "something else".to_owned(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A line that has no statement shape.
pub(super) fn stray(text: &str, at: Span) -> Diagnostic {
    let shown: String = text.trim_end().chars().take(40).collect();
    let trimmed = text.trim_start();
    let help = if trimmed.starts_with(',') {
        "a list does not end with a comma: remove it, or add the next item".to_owned()
    } else if text.contains('=') || text.contains(':') {
        "settings are written `name value` (`timeout 5m`), without `=` or `:`; `KEY = value` is only for maps such as `env { … }`".to_owned()
    } else {
        "a statement is a name, then values separated by commas, then an optional `{ … }` block"
            .to_owned()
    };
    Diagnostic::Syntax {
        message: format!("unexpected `{shown}`"),
        at,
        label: "not a statement".into(),
        help: Some(help),
    }
}

/// The bytes `brackets` acts on.
const INTERESTING: [bool; 256] = {
    let mut table = [false; 256];
    let bytes = b"\n\r\\\"#{}[]()";
    let mut k = 0;
    while k < bytes.len() {
        table[bytes[k] as usize] = true;
        k += 1;
    }
    table
};

/// Checks braces before pest runs: nesting deeper than `max` (which could
/// exhaust the parser's stack), a `}` with no block open, and a `{` never
/// closed. For the last, indentation points at the likely culprit: the block
/// whose `}` is indented less than its opening line (as rustc does).
pub(super) fn brackets(text: &str, max: usize) -> Option<Diagnostic> {
    struct Open {
        at: usize,
        indent: usize,
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut other_depth = 0usize;
    let mut suspect: Option<(usize, usize)> = None;
    let mut in_string = false;
    let mut in_comment = false;
    let mut escaped = false;
    let mut line_start = 0usize;
    let indent_at = |line_start: usize| {
        text.get(line_start..)
            .map_or(0, |l| l.len() - l.trim_start_matches([' ', '\t']).len())
    };
    // Bytes, not chars: every byte looked at is ASCII, and UTF-8 never uses
    // ASCII bytes inside a multi-byte character.
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Most bytes are none of the ones that matter: skip them in a tight loop.
        if !escaped && !INTERESTING[usize::from(bytes[i])] {
            i += 1;
            continue;
        }
        let b = bytes[i];
        i += 1;
        let i = i - 1;
        if b == b'\n' || b == b'\r' {
            line_start = i + 1;
            in_comment = false;
            in_string = false;
            continue;
        }
        if in_comment {
            continue;
        }
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'#' => in_comment = true,
            b'"' => in_string = true,
            b'{' | b'[' | b'(' => {
                if b == b'{' {
                    stack.push(Open {
                        at: i,
                        indent: indent_at(line_start),
                    });
                } else {
                    other_depth += 1;
                }
                if stack.len() + other_depth > max {
                    return Some(Diagnostic::Syntax {
                        message: format!("brackets nest more than {max} deep"),
                        at: Span::new(i, i + 1),
                        label: "too deep".into(),
                        help: Some(
                            "a plan nests only a few blocks: plan, group, hook block, map".into(),
                        ),
                    });
                }
            }
            b'}' => match stack.pop() {
                Some(open) => {
                    let closing_indent = indent_at(line_start);
                    if closing_indent < open.indent && suspect.is_none() {
                        suspect = Some((open.at, i));
                    }
                }
                None => {
                    return Some(Diagnostic::Syntax {
                        message: "unexpected `}`".into(),
                        at: Span::new(i, i + 1),
                        label: "no block is open here".into(),
                        help: Some("remove this `}` or add the `{` it should close".into()),
                    });
                }
            },
            b']' | b')' => other_depth = other_depth.saturating_sub(1),
            _ => {}
        }
    }
    let innermost = stack.last()?;
    Some(unclosed(text, innermost.at, suspect))
}

/// "unclosed `{`", at the suspect by indentation when there is one.
fn unclosed(text: &str, innermost: usize, suspect: Option<(usize, usize)>) -> Diagnostic {
    let (at, help) = match suspect {
        Some((open, close)) => (
            open,
            format!(
                "add the `}}` that closes this block; the `}}` at {} is indented as if it closed an outer block",
                line_col_text(text, close)
            ),
        ),
        None => (
            innermost,
            "add the missing `}` at the end of the block".to_owned(),
        ),
    };
    Diagnostic::Syntax {
        message: "unclosed `{`".into(),
        at: Span::new(at, at + 1),
        label: "this block is never closed".into(),
        help: Some(help),
    }
}

fn line_col_text(text: &str, offset: usize) -> String {
    let lc = crate::source::LineIndex::new(text).line_col(text, offset);
    format!("line {}", lc.line)
}
