//! One open document: its text, the same parse and check as `drplan check`
//! (syntax tree, checked plan, diagnostics), LSP position mapping through
//! [`LineIndex`] (UTF-16), and the questions every feature asks of the tree:
//! which block the cursor is in, which setting or name is under it.

use lsp_types::{Position, Range};

use crate::ast::{Block, Name, PlanFile, Setting, Statement, Value, ValueKind};
use crate::check::schema::{self, BlockKind, BlockRule};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::plan::Plan;
use crate::source::{LineIndex, SourceFile, Span};

/// An open document, analysed once per change.
pub(super) struct Document {
    /// The text as the editor holds it.
    pub(super) source: SourceFile,
    /// Line starts of the text.
    pub(super) index: LineIndex,
    /// The syntax tree; for text with unbalanced braces, the tree of the text
    /// with its missing `}` appended (see [`close_braces`]), so completion and
    /// navigation keep working while a block is being typed.
    pub(super) file: Option<PlanFile>,
    /// The checked plan, when the text has no errors.
    pub(super) plan: Option<Plan>,
    /// Every diagnostic of the text itself, as `drplan check` reports it.
    pub(super) diagnostics: Vec<Diagnostic>,
}

/// Groups and VMs: the things that have names which other statements use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SymbolKind {
    /// A group (defined by `group NAME`, used in a group's `needs`).
    Group,
    /// A VM (defined by `vm NAME`, used in a VM's `needs`).
    Vm,
}

/// One occurrence of a group or VM name.
#[derive(Debug, Clone)]
pub(super) struct NameRef {
    /// Group or VM.
    pub(super) kind: SymbolKind,
    /// The name as written.
    pub(super) name: Name,
    /// Whether this occurrence defines the name (rather than uses it).
    pub(super) definition: bool,
    /// The group this occurrence sits in (for a group, itself).
    pub(super) group: Option<String>,
}

impl Document {
    /// Parses and checks `text`, as `drplan::compile` does, keeping the tree.
    pub(super) fn new(path: &str, text: String) -> Self {
        let source = SourceFile::new(path, text);
        let index = LineIndex::new(&source.text);
        let (parsed, plan, diagnostics) = crate::compile_keeping_tree(&source);
        let file = parsed.or_else(|| {
            let repaired = close_braces(&source.text)?;
            let repaired = SourceFile::new(path, repaired);
            crate::syntax::parse(&repaired, &mut Diagnostics::new())
        });
        Self {
            source,
            index,
            file,
            plan,
            diagnostics,
        }
    }

    /// The text.
    pub(super) fn text(&self) -> &str {
        &self.source.text
    }

    /// The byte offset of an LSP position (clamped to the text).
    pub(super) fn offset(&self, position: Position) -> usize {
        self.index
            .offset_of_utf16(self.text(), position.line, position.character)
    }

    /// The LSP position of a byte offset.
    pub(super) fn position(&self, offset: usize) -> Position {
        let (line, character) = self.index.utf16(self.text(), offset);
        Position { line, character }
    }

    /// The LSP range of a span.
    pub(super) fn range(&self, span: Span) -> Range {
        Range {
            start: self.position(span.start as usize),
            end: self.position(span.end as usize),
        }
    }

    /// The range of the whole text.
    pub(super) fn full_range(&self) -> Range {
        Range {
            start: Position::default(),
            end: self.position(self.text().len()),
        }
    }

    /// The innermost block holding `offset`: its kind and its statements (the
    /// top level of the file outside every block).
    pub(super) fn scope_at(&self, offset: usize) -> (BlockKind, &[Statement]) {
        let Some(file) = &self.file else {
            return (BlockKind::File, &[]);
        };
        let mut kind = BlockKind::File;
        let mut statements = file.statements.as_slice();
        'descend: loop {
            for statement in statements {
                if let Some((child, block)) = child_block(kind, statement) {
                    // Inside means after `{` and not after `}`.
                    if (block.span.start as usize) < offset && offset < block.span.end as usize {
                        kind = child;
                        statements = &block.statements;
                        continue 'descend;
                    }
                }
            }
            return (kind, statements);
        }
    }

    /// The setting whose keyword is under `offset`, with the kind of block it is in.
    pub(super) fn setting_at(&self, offset: usize) -> Option<(BlockKind, &Setting)> {
        self.settings()
            .into_iter()
            .find(|(_, s)| s.key.span.contains(offset))
    }

    /// The value under `offset` (a list's item, not the list), with its
    /// setting and the kind of block the setting is in.
    pub(super) fn value_at(&self, offset: usize) -> Option<(BlockKind, &Setting, &Value)> {
        self.settings().into_iter().find_map(|(kind, setting)| {
            let mut values: Vec<&Value> = setting.args.iter().collect();
            while let Some(value) = values.pop() {
                match &value.kind {
                    ValueKind::List(items) => values.extend(items),
                    _ if value.span.contains(offset) => return Some((kind, setting, value)),
                    _ => {}
                }
            }
            None
        })
    }

    /// Every setting in the file (a hook's inline step settings included),
    /// with the kind of block each is in, outer before inner.
    fn settings(&self) -> Vec<(BlockKind, &Setting)> {
        let mut out = Vec::new();
        if let Some(file) = &self.file {
            collect_settings(BlockKind::File, &file.statements, &mut out);
        }
        out
    }

    /// Every group and VM name in the file, in source order per walk.
    pub(super) fn names(&self) -> Vec<NameRef> {
        let mut out = Vec::new();
        if let Some(file) = &self.file {
            collect_names(BlockKind::File, &file.statements, None, &mut out);
        }
        out
    }

    /// The group or VM name under `offset`.
    pub(super) fn name_at(&self, offset: usize) -> Option<NameRef> {
        self.names()
            .into_iter()
            .find(|n| n.name.span.contains(offset))
    }
}

/// The block a statement opens, with its kind, when the schema knows it.
fn child_block(parent: BlockKind, statement: &Statement) -> Option<(BlockKind, &Block)> {
    match statement {
        Statement::Group(group) => Some((BlockKind::Group, group.block.as_ref()?)),
        Statement::Setting(setting) => {
            let block = setting.block.as_ref()?;
            let kind = match schema::find(parent, &setting.key.text).map(|s| s.block) {
                Some(BlockRule::Required(kind) | BlockRule::Optional(kind)) => kind,
                // An unknown setting's block has no settings to offer.
                _ => BlockKind::Map,
            };
            Some((kind, block))
        }
        Statement::MapEntry(_) | Statement::Stray(_) => None,
    }
}

fn collect_settings<'f>(
    kind: BlockKind,
    statements: &'f [Statement],
    out: &mut Vec<(BlockKind, &'f Setting)>,
) {
    for statement in statements {
        if let Statement::Setting(setting) = statement {
            out.push((kind, setting));
            if let Some(hook) =
                schema::hook_block(&setting.key.text).filter(|_| kind == BlockKind::Hooks)
            {
                out.extend(setting.inline.iter().map(|s| (hook, s)));
            }
        }
        if let Some((child, block)) = child_block(kind, statement) {
            collect_settings(child, &block.statements, out);
        }
    }
}

fn collect_names(
    kind: BlockKind,
    statements: &[Statement],
    group: Option<&str>,
    out: &mut Vec<NameRef>,
) {
    for statement in statements {
        match statement {
            Statement::Group(g) if kind == BlockKind::Plan => {
                let own = g.name.as_ref().map(|n| n.text.as_str());
                if let Some(name) = &g.name {
                    out.push(NameRef {
                        kind: SymbolKind::Group,
                        name: name.clone(),
                        definition: true,
                        group: own.map(str::to_owned),
                    });
                }
                for used in g.needs.iter().flat_map(|n| &n.names) {
                    out.push(NameRef {
                        kind: SymbolKind::Group,
                        name: used.clone(),
                        definition: false,
                        group: own.map(str::to_owned),
                    });
                }
                if let Some(block) = &g.block {
                    collect_names(BlockKind::Group, &block.statements, own, out);
                }
            }
            Statement::Setting(s) if kind == BlockKind::Group && s.key.text == "vm" => {
                for name in s.args.iter().filter_map(crate::ast::Value::as_name) {
                    out.push(NameRef {
                        kind: SymbolKind::Vm,
                        name,
                        definition: true,
                        group: group.map(str::to_owned),
                    });
                }
                if let Some(block) = &s.block {
                    collect_names(BlockKind::Vm, &block.statements, group, out);
                }
            }
            Statement::Setting(s) if kind == BlockKind::Vm && s.key.text == "needs" => {
                for name in s.args.iter().filter_map(crate::ast::Value::as_name) {
                    out.push(NameRef {
                        kind: SymbolKind::Vm,
                        name,
                        definition: false,
                        group: group.map(str::to_owned),
                    });
                }
            }
            Statement::Setting(s) if kind == BlockKind::File && s.key.text == "plan" => {
                if let Some(block) = &s.block {
                    collect_names(BlockKind::Plan, &block.statements, None, out);
                }
            }
            _ => {}
        }
    }
}

/// The text with a `}` appended for every block left open, or `None` when
/// that does not help (no open block, or a stray `}`). Strings and comments
/// are skipped as the grammar skips them; appending at the end keeps every
/// span of the tree valid for the original text.
fn close_braces(text: &str) -> Option<String> {
    let mut depth = 0usize;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' || c == '\r' {
                        break;
                    }
                }
            }
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' | '\n' | '\r' => break,
                        _ => {}
                    }
                }
            }
            '{' => depth += 1,
            '}' => depth = depth.checked_sub(1)?,
            _ => {}
        }
    }
    if depth == 0 {
        return None;
    }
    let mut repaired = String::with_capacity(text.len() + depth + 1);
    repaired.push_str(text);
    repaired.push('\n');
    repaired.extend(std::iter::repeat_n('}', depth));
    Some(repaired)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_blocks_are_closed_for_analysis() {
        assert_eq!(
            close_braces("plan p { group a {").as_deref(),
            Some("plan p { group a {\n}}")
        );
        assert_eq!(
            close_braces("a { \"{\" # {\n"),
            Some("a { \"{\" # {\n\n}".to_owned())
        );
        assert_eq!(close_braces("a { } }"), None);
        assert_eq!(close_braces("a { }"), None);
    }

    #[test]
    fn half_typed_group_still_has_a_block_context() {
        let text = "plan p {\n  group a {\n    ";
        let doc = Document::new("p.drplan", text.to_owned());
        assert!(doc.file.is_some());
        assert_eq!(doc.scope_at(text.len()).0, BlockKind::Group);
    }
}
