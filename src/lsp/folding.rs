//! Folding ranges: every `{ … }` block that spans lines (its closing brace
//! stays visible), and every run of two or more comment lines.

use lsp_types::{FoldingRange, FoldingRangeKind};

use crate::ast::{Block, Statement};

use super::document::Document;

/// The folding ranges of a document, blocks outer before inner, then comments.
pub(super) fn of(doc: &Document) -> Vec<FoldingRange> {
    let mut ranges = Vec::new();
    if let Some(file) = &doc.file {
        blocks(doc, &file.statements, &mut ranges);
    }
    comments(doc.text(), &mut ranges);
    ranges
}

fn blocks(doc: &Document, statements: &[Statement], out: &mut Vec<FoldingRange>) {
    for statement in statements {
        let block: Option<&Block> = match statement {
            Statement::Group(group) => group.block.as_ref(),
            Statement::Setting(setting) => setting.block.as_ref(),
            Statement::MapEntry(_) | Statement::Stray(_) => None,
        };
        let Some(block) = block else {
            continue;
        };
        let start = doc.position(block.span.start as usize).line;
        let close = doc
            .position((block.span.end as usize).saturating_sub(1))
            .line;
        if close > start + 1 || (close == start + 1 && !block.statements.is_empty()) {
            out.push(FoldingRange {
                start_line: start,
                end_line: close - 1,
                ..FoldingRange::default()
            });
        }
        blocks(doc, &block.statements, out);
    }
}

fn comments(text: &str, out: &mut Vec<FoldingRange>) {
    let mut run: Option<(u32, u32)> = None;
    // Lines as the LSP counts them: `\n`, `\r\n` or a lone `\r` ends one.
    let lines = text
        .split('\n')
        .flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'));
    for (number, line) in (0u32..).zip(lines) {
        if line.trim_start().starts_with('#') {
            run = Some(run.map_or((number, number), |(first, _)| (first, number)));
        } else {
            comment_run(run.take(), out);
        }
    }
    comment_run(run, out);
}

/// A run of comment lines, folded when it is more than one line.
fn comment_run(run: Option<(u32, u32)>, out: &mut Vec<FoldingRange>) {
    if let Some((first, last)) = run
        && last > first
    {
        out.push(FoldingRange {
            start_line: first,
            end_line: last,
            kind: Some(FoldingRangeKind::Comment),
            ..FoldingRange::default()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folds(text: &str) -> Vec<(u32, u32, bool)> {
        of(&Document::new("t.drplan", text.to_owned()))
            .into_iter()
            .map(|r| {
                (
                    r.start_line,
                    r.end_line,
                    r.kind == Some(FoldingRangeKind::Comment),
                )
            })
            .collect()
    }

    #[test]
    fn blocks_and_comment_runs_fold() {
        let text = "# one\n# two\nplan p {\n  objectives { rto 1h }\n  group a {\n    vm x\n  }\n}\n# lone\n";
        assert_eq!(
            folds(text),
            [(2, 6, false), (4, 5, false), (0, 1, true)],
            "the plan and the group fold, the one-line block and the lone comment do not"
        );
        // Half-typed: the open block still folds to the end of the text.
        assert_eq!(
            folds("plan p {\n  group a {\n    vm x\n"),
            [(0, 2, false), (1, 2, false)]
        );
        // CRLF and lone CR count as line ends.
        assert_eq!(folds("# a\r\n# b\r# c\nplan p { }\n"), [(0, 2, true)]);
    }
}
