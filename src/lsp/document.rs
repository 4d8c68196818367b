//! One open document: its text, the same parse and check as `drplan check`
//! (syntax tree, checked plan, diagnostics), LSP position mapping through
//! [`Positions`] (UTF-16), and the questions every feature asks of the tree:
//! which block the cursor is in, which setting or name is under it.

use lsp_types::{Position, Range};

use crate::ast::{Block, GroupStmt, Name, PlanFile, Setting, Statement, Value, ValueKind};
use crate::check::schema::{self, BlockKind, BlockRule};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::plan::Plan;
use crate::source::{SourceFile, Span};

use super::positions::Positions;

/// An open document, analysed once per change.
pub(super) struct Document {
    /// The text as the editor holds it.
    pub(super) source: SourceFile,
    /// Line starts and UTF-16 columns of the text.
    positions: Positions,
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

/// One occurrence of a group or VM name, borrowed from the tree: a plan of a
/// million VMs is walked for every hover and highlight.
#[derive(Debug, Clone, Copy)]
pub(super) struct NameRef<'d> {
    /// Group or VM.
    pub(super) kind: SymbolKind,
    /// The name (escapes decoded).
    pub(super) text: &'d str,
    /// Whether it is written as a string.
    pub(super) quoted: bool,
    /// Where it is written.
    pub(super) span: Span,
    /// Whether this occurrence defines the name (rather than uses it).
    pub(super) definition: bool,
    /// The group this occurrence sits in (for a group, itself).
    pub(super) group: Option<&'d str>,
}

impl<'d> NameRef<'d> {
    fn of(name: &'d Name, kind: SymbolKind, definition: bool, group: Option<&'d str>) -> Self {
        Self {
            kind,
            text: &name.text,
            quoted: name.quoted,
            span: name.span,
            definition,
            group,
        }
    }

    /// A VM name in a `vm` or `needs` list, when the value is a name.
    fn vm(value: &'d Value, definition: bool, group: Option<&'d str>) -> Option<Self> {
        let (text, quoted) = name_text(value)?;
        Some(Self {
            kind: SymbolKind::Vm,
            text,
            quoted,
            span: value.span,
            definition,
            group,
        })
    }
}

impl Document {
    /// Parses and checks `text`, as `drplan::compile` does, keeping the tree.
    pub(super) fn new(path: &str, text: String) -> Self {
        let source = SourceFile::new(path, text);
        let positions = Positions::new(&source.text);
        let (parsed, plan, diagnostics) = crate::compile_keeping_tree(&source);
        let file = parsed.or_else(|| {
            let repaired = close_braces(&source.text)?;
            let repaired = SourceFile::new(path, repaired);
            crate::syntax::parse(&repaired, &mut Diagnostics::new())
        });
        Self {
            source,
            positions,
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
        self.positions.offset(self.text(), position)
    }

    /// The LSP position of a byte offset.
    pub(super) fn position(&self, offset: usize) -> Position {
        self.positions.position(self.text(), offset)
    }

    /// The LSP range of a span.
    pub(super) fn range(&self, span: Span) -> Range {
        self.positions
            .range(self.text(), span.start as usize, span.end as usize)
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

    /// Every group and VM name in the file, in source order.
    pub(super) fn names(&self) -> impl Iterator<Item = NameRef<'_>> {
        self.file
            .iter()
            .flat_map(|file| settings_named(&file.statements, "plan"))
            .flat_map(|plan| plan.block.iter().flat_map(|b| &b.statements))
            .filter_map(|statement| match statement {
                Statement::Group(group) => Some(group),
                _ => None,
            })
            .flat_map(group_names)
    }

    /// The group or VM name under `offset`.
    pub(super) fn name_at(&self, offset: usize) -> Option<NameRef<'_>> {
        self.names().find(|n| n.span.contains(offset))
    }
}

/// The settings called `key` among `statements`.
fn settings_named<'f>(
    statements: &'f [Statement],
    key: &'static str,
) -> impl Iterator<Item = &'f Setting> {
    statements
        .iter()
        .filter_map(move |statement| match statement {
            Statement::Setting(setting) if setting.key.text == key => Some(setting),
            _ => None,
        })
}

/// A group's name, the groups it needs, its VMs and the VMs they need.
fn group_names(group: &GroupStmt) -> impl Iterator<Item = NameRef<'_>> {
    let own = group.name.as_ref().map(|n| n.text.as_str());
    let defined = group
        .name
        .iter()
        .map(move |n| NameRef::of(n, SymbolKind::Group, true, own));
    let needed = group
        .needs
        .iter()
        .flat_map(|n| &n.names)
        .map(move |n| NameRef::of(n, SymbolKind::Group, false, own));
    let vms = group
        .block
        .iter()
        .flat_map(|b| settings_named(&b.statements, "vm"))
        .flat_map(move |vm| {
            let defined = vm
                .args
                .iter()
                .filter_map(move |v| NameRef::vm(v, true, own));
            let needed = vm
                .block
                .iter()
                .flat_map(|b| settings_named(&b.statements, "needs"))
                .flat_map(|needs| &needs.args)
                .filter_map(move |v| NameRef::vm(v, false, own));
            defined.chain(needed)
        });
    defined.chain(needed).chain(vms)
}

/// A value's text when it is a name (an identifier or a string), and
/// whether it is quoted; [`Value::as_name`] without the copy.
pub(super) fn name_text(value: &Value) -> Option<(&str, bool)> {
    match &value.kind {
        ValueKind::Ident(text) => Some((text, false)),
        ValueKind::Str(text) => Some((text, true)),
        _ => None,
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
