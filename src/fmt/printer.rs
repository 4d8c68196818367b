//! The layout engine behind `fmt::format`: walks statements with the comments
//! of the file, deciding per block between one line and one statement a line.

use crate::ast::{Block, Comment, GroupStmt, MapEntry, Setting, Statement, Value, ValueKind};
use crate::source::Span;

const INDENT: &str = "  ";
const WIDTH: usize = 100;
/// Blocks with more entries than this go multi-line when they overflow `WIDTH`.
const CROWDED: usize = 3;

pub(super) struct Printer<'a> {
    text: &'a str,
    comments: &'a [Comment],
    /// The next comment not yet printed.
    next: usize,
    out: String,
    /// End of the last source item printed, for blank-line decisions.
    last_end: usize,
    /// The canonical form: no comments, no blank lines (see `fmt::canonical`).
    bare: bool,
}

impl<'a> Printer<'a> {
    pub(super) fn new(text: &'a str, comments: &'a [Comment]) -> Self {
        Self {
            text,
            comments,
            next: 0,
            out: String::with_capacity(text.len() + 64),
            last_end: 0,
            bare: false,
        }
    }

    /// The printer of the canonical form: what the layout of the text and
    /// its comments leave out.
    pub(super) fn bare(text: &'a str) -> Self {
        Self {
            bare: true,
            ..Self::new(text, &[])
        }
    }

    pub(super) fn file(mut self, statements: &[Statement]) -> String {
        self.statements(statements, 0, true);
        let end = self.text.len();
        self.own_line_comments_before(end, 0);
        let trimmed = self.out.trim_end_matches('\n').len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out
    }

    fn src(&self, span: Span) -> &'a str {
        self.text.get(span.range()).unwrap_or("")
    }

    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str(INDENT);
        }
    }

    /// Whether the source has a blank line between the last printed item and `start`.
    fn blank_before(&self, start: usize) -> bool {
        if self.bare {
            return false;
        }
        let gap = self.text.get(self.last_end.min(start)..start).unwrap_or("");
        gap.matches('\n').count() >= 2 || (gap.matches('\r').count() >= 2 && !gap.contains('\n'))
    }

    fn own_line_comments_before(&mut self, offset: usize, depth: usize) {
        while let Some(c) = self.comments.get(self.next) {
            if c.span.start as usize >= offset {
                break;
            }
            if self.blank_before(c.span.start as usize) && !self.at_block_start() {
                self.out.push('\n');
            }
            self.indent(depth);
            self.out.push_str(c.text.trim_end());
            self.out.push('\n');
            self.last_end = self.last_end.max(c.span.end as usize);
            self.next += 1;
        }
    }

    fn at_block_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with("{\n")
    }

    /// Comments inside `span` or after it on the same line: appended to the line just printed.
    fn trailing_comments(&mut self, span_end: usize, depth: usize) {
        let mut first = true;
        while let Some(c) = self.comments.get(self.next) {
            let start = c.span.start as usize;
            let same_line = start >= span_end
                && !self
                    .text
                    .get(span_end..start)
                    .unwrap_or("\n")
                    .contains(['\n', '\r']);
            if start >= span_end && !same_line {
                break;
            }
            if first {
                self.out.push_str("  ");
            } else {
                self.out.push('\n');
                self.indent(depth);
            }
            self.out.push_str(c.text.trim_end());
            self.last_end = self.last_end.max(c.span.end as usize);
            first = false;
            self.next += 1;
        }
        self.out.push('\n');
    }

    fn has_comment_in(&self, span: Span) -> bool {
        self.comments[self.next.min(self.comments.len())..]
            .iter()
            .take_while(|c| c.span.start < span.end)
            .any(|c| c.span.start >= span.start)
    }

    fn statements(&mut self, statements: &[Statement], depth: usize, top: bool) {
        let aligned = alignment(statements, self);
        for (i, statement) in statements.iter().enumerate() {
            let start = statement.span().start as usize;
            self.own_line_comments_before(start, depth);
            if (i > 0 || top) && self.blank_before(start) && !self.at_block_start() {
                self.out.push('\n');
            }
            self.indent(depth);
            self.statement(statement, depth, aligned.get(i).copied().flatten());
            self.last_end = self.last_end.max(statement.span().end as usize);
        }
    }

    fn statement(&mut self, statement: &Statement, depth: usize, pad: Option<usize>) {
        match statement {
            Statement::Group(group) => self.group(group, depth),
            Statement::Setting(setting) => self.setting(setting, depth, pad),
            Statement::MapEntry(entry) => {
                let line = self.map_entry(entry);
                self.out.push_str(&line);
                self.trailing_comments(entry.span.end as usize, depth);
            }
            Statement::Stray(span) => {
                let raw = self.src(*span).trim_end().to_owned();
                self.out.push_str(&raw);
                self.trailing_comments(span.end as usize, depth);
            }
        }
    }

    fn group(&mut self, group: &GroupStmt, depth: usize) {
        let mut head = String::from("group");
        if let Some(name) = &group.name {
            head.push(' ');
            head.push_str(self.src(name.span));
        }
        if let Some(needs) = &group.needs {
            head.push_str(" needs");
            let names: Vec<&str> = needs.names.iter().map(|n| self.src(n.span)).collect();
            if !names.is_empty() {
                head.push(' ');
                head.push_str(&names.join(", "));
            }
        }
        self.out.push_str(&head);
        match &group.block {
            Some(block) => self.multiline_block(block, depth),
            None => self.trailing_comments(group.span.end as usize, depth),
        }
    }

    fn setting(&mut self, setting: &Setting, depth: usize, pad: Option<usize>) {
        let head = self.head(setting);
        self.out.push_str(&head);
        let Some(block) = &setting.block else {
            self.trailing_comments(setting.span.end as usize, depth);
            return;
        };
        if let Some(width) = pad {
            let len = head.chars().count();
            self.out.push_str(&" ".repeat(width.saturating_sub(len)));
        }
        if self.must_be_multiline(setting, depth) {
            self.multiline_block(block, depth);
        } else {
            let inline = self.inline_block(block);
            self.out.push(' ');
            self.out.push_str(&inline);
            self.trailing_comments(setting.span.end as usize, depth);
        }
    }

    /// `{`, comments on its line, the statements one a line, `}`.
    fn multiline_block(&mut self, block: &Block, depth: usize) {
        self.out.push_str(" {");
        // Comments between the head and `{`, or on the `{` line, stay on the head's line.
        let brace_line_end = self
            .text
            .get(block.span.start as usize..)
            .and_then(|t| t.find(['\n', '\r']))
            .map_or(self.text.len(), |i| block.span.start as usize + i);
        let first_statement = block
            .statements
            .first()
            .map_or(usize::MAX, |s| s.span().start as usize);
        // Further comments there go on their own lines inside the block, where
        // a second run puts them.
        self.trailing_comments(
            brace_line_end
                .min(first_statement)
                .max(block.span.start as usize + 1),
            depth + 1,
        );
        self.last_end = block.span.start as usize + 1;
        self.statements(&block.statements, depth + 1, false);
        let close = (block.span.end as usize).saturating_sub(1);
        self.own_line_comments_before(close, depth + 1);
        self.indent(depth);
        self.out.push('}');
        self.last_end = block.span.end as usize;
        self.trailing_comments(block.span.end as usize, depth);
    }

    /// `{ a  b }` on one line.
    fn inline_block(&mut self, block: &Block) -> String {
        let parts: Vec<String> = block
            .statements
            .iter()
            .map(|s| self.inline_statement(s))
            .collect();
        if parts.is_empty() {
            "{}".to_owned()
        } else {
            format!("{{ {} }}", parts.join("  "))
        }
    }

    fn inline_statement(&mut self, statement: &Statement) -> String {
        match statement {
            Statement::Group(group) => {
                let mut s = String::from("group");
                if let Some(name) = &group.name {
                    s.push(' ');
                    s.push_str(self.src(name.span));
                }
                if let Some(block) = &group.block {
                    s.push(' ');
                    s.push_str(&self.inline_block(block));
                }
                s
            }
            Statement::Setting(setting) => {
                let mut s = self.head(setting);
                if let Some(block) = &setting.block {
                    s.push(' ');
                    s.push_str(&self.inline_block(block));
                }
                s
            }
            Statement::MapEntry(entry) => self.map_entry(entry),
            Statement::Stray(span) => self.src(*span).trim_end().to_owned(),
        }
    }

    fn must_be_multiline(&self, setting: &Setting, depth: usize) -> bool {
        let Some(block) = &setting.block else {
            return false;
        };
        if matches!(
            setting.key.text.as_str(),
            "plan" | "before" | "after" | "on_failure" | "notify"
        ) && !setting.is_hook
        {
            return true;
        }
        if self.has_comment_in(setting.span) {
            return true;
        }
        if block.statements.iter().any(|s| match s {
            Statement::Group(_) => true,
            Statement::Setting(inner) => self.must_be_multiline(inner, depth + 1),
            _ => false,
        }) {
            return true;
        }
        // Target and coverage blocks hold ARM ids: one a line as soon as
        // they do not fit, however few.
        let ids = matches!(setting.key.text.as_str(), "target" | "coverage");
        if block.statements.len() > CROWDED || ids {
            let width =
                depth * INDENT.len() + self.head(setting).len() + 1 + inline_len(self, block);
            return width > WIDTH;
        }
        false
    }

    /// The key, values and inline step settings of a statement.
    fn head(&self, setting: &Setting) -> String {
        let mut s = setting.key.text.to_string();
        if !setting.args.is_empty() {
            s.push(' ');
            s.push_str(&self.values(&setting.args));
        }
        for inline in &setting.inline {
            s.push(' ');
            s.push_str(&self.head(inline));
        }
        s
    }

    fn values(&self, values: &[Value]) -> String {
        values
            .iter()
            .map(|v| self.value(v))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn value(&self, value: &Value) -> String {
        match &value.kind {
            ValueKind::List(items) => format!("[{}]", self.values(items)),
            ValueKind::Env(_) => {
                let raw = self.src(value.span);
                let inner = raw
                    .find('"')
                    .and_then(|a| raw.rfind('"').map(|b| (a, b)))
                    .and_then(|(a, b)| raw.get(a..=b));
                format!("env({})", inner.unwrap_or("\"\""))
            }
            ValueKind::Ident(_) | ValueKind::Str(_) | ValueKind::Number(_) => {
                self.src(value.span).to_owned()
            }
        }
    }

    fn map_entry(&self, entry: &MapEntry) -> String {
        match &entry.value {
            Some(v) => format!("{} = {}", self.src(entry.key.span), self.value(v)),
            None => format!("{} =", self.src(entry.key.span)),
        }
    }
}

fn inline_len(printer: &Printer<'_>, block: &Block) -> usize {
    let mut p = Printer {
        text: printer.text,
        comments: &[],
        next: 0,
        out: String::new(),
        last_end: 0,
        bare: printer.bare,
    };
    p.inline_block(block).len()
}

/// For each statement, the width to pad its key to: consecutive one-line
/// `key { … }` blocks (no values, no blank line or comment between) align their braces.
fn alignment(statements: &[Statement], printer: &Printer<'_>) -> Vec<Option<usize>> {
    let alignable = |s: &Statement| match s {
        Statement::Setting(set) => {
            set.args.is_empty()
                && set.inline.is_empty()
                && set.block.is_some()
                && !printer.must_be_multiline(set, 0)
        }
        _ => false,
    };
    let mut out = vec![None; statements.len()];
    let mut i = 0;
    while i < statements.len() {
        if !alignable(&statements[i]) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < statements.len()
            && alignable(&statements[j])
            && adjacent(printer, &statements[j - 1], &statements[j])
        {
            j += 1;
        }
        if j - i >= 2 {
            let width = statements[i..j]
                .iter()
                .filter_map(|s| {
                    if let Statement::Setting(set) = s {
                        Some(set.key.text.chars().count())
                    } else {
                        None
                    }
                })
                .max()
                .unwrap_or(0);
            out[i..j].iter_mut().for_each(|w| *w = Some(width));
        }
        i = j;
    }
    out
}

/// Two statements on consecutive lines with nothing between them.
fn adjacent(printer: &Printer<'_>, a: &Statement, b: &Statement) -> bool {
    if printer.bare {
        return true;
    }
    let gap = printer
        .text
        .get(a.span().end as usize..b.span().start as usize)
        .unwrap_or("");
    gap.matches('\n').count() <= 1 && !gap.contains('#')
}
