//! The syntax tree: what the text says, close to how it says it. Every node
//! carries its [`Span`]; comments ride along as trivia for the formatter.
//! Produced by `syntax::parse`, read by `check`, `fmt` and the language server.

use smol_str::SmolStr;

use crate::source::Span;

/// A parsed file: its top-level statements and every comment in it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanFile {
    /// Top-level statements; a valid file has exactly one `plan`.
    pub statements: Vec<Statement>,
    /// Every comment, in source order.
    pub comments: Vec<Comment>,
}

/// A `# …` comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    /// The comment's text, from `#` to the end of the line.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// One statement of a block.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `group NAME needs A, B { … }`.
    Group(GroupStmt),
    /// `key value, … inline-settings { … }`: plan settings, `vm`, `before`, hooks…
    Setting(Setting),
    /// `KEY = value` in a map.
    MapEntry(MapEntry),
    /// Text with no statement shape; already reported as `drplan::syntax`.
    Stray(Span),
}

impl Statement {
    /// The whole statement's span.
    pub fn span(&self) -> Span {
        match self {
            Statement::Group(g) => g.span,
            Statement::Setting(s) => s.span,
            Statement::MapEntry(m) => m.span,
            Statement::Stray(span) => *span,
        }
    }
}

/// `group NAME needs A, B { … }`. Parts may be missing in a half-written file;
/// the checker reports them.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupStmt {
    /// The `group` keyword.
    pub keyword: Span,
    /// The group's name.
    pub name: Option<Name>,
    /// The `needs` clause.
    pub needs: Option<Needs>,
    /// The body.
    pub block: Option<Block>,
    /// The whole statement.
    pub span: Span,
}

/// `needs A, B`.
#[derive(Debug, Clone, PartialEq)]
pub struct Needs {
    /// The `needs` keyword.
    pub keyword: Span,
    /// The names listed.
    pub names: Vec<Name>,
}

/// The general statement: a key, values, step settings on the same statement
/// (hooks only), and a block.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The keyword: `vault`, `vm`, `after`, `script`, `timeout`, …
    pub key: Name,
    /// Comma-separated values after the key.
    pub args: Vec<Value>,
    /// Step settings on a hook's own statement (`wait 5m timeout 10m`).
    pub inline: Vec<Setting>,
    /// `{ … }` after the values.
    pub block: Option<Block>,
    /// Whether the key is one of the hook kinds (the grammar's `hook_stmt`).
    pub is_hook: bool,
    /// The whole statement.
    pub span: Span,
}

/// `{ … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// The statements inside.
    pub statements: Vec<Statement>,
    /// From `{` to `}` inclusive.
    pub span: Span,
}

/// `KEY = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    /// The key, an identifier or a string.
    pub key: Name,
    /// The value; missing in `KEY =`.
    pub value: Option<Value>,
    /// The whole entry.
    pub span: Span,
}

/// A name as written: `web-01` and `"web-01"` lower to the same `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The name itself (escapes decoded): inline up to 23 bytes, so names
    /// cost no allocation here and copies cost none in the checker.
    pub text: SmolStr,
    /// Whether it was written as a string.
    pub quoted: bool,
    /// Where it is.
    pub span: Span,
}

/// A value with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// What kind of value, and its content.
    pub kind: ValueKind,
    /// Where it is.
    pub span: Span,
}

/// The kinds of values the grammar knows.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    /// A bare identifier: a name, a keyword value (`abort`, `simulator`), `true`.
    Ident(SmolStr),
    /// A string, escapes decoded.
    Str(SmolStr),
    /// A numeric token as written: an integer (`200`) or a duration (`1h30m`).
    Number(SmolStr),
    /// `[a, b]`.
    List(Vec<Value>),
    /// `env("NAME")`: the variable's name, not its value.
    Env(String),
}

impl Value {
    /// The value as a name (identifier or string), if it is one.
    pub fn as_name(&self) -> Option<Name> {
        match &self.kind {
            ValueKind::Ident(text) => Some(Name {
                text: text.clone(),
                quoted: false,
                span: self.span,
            }),
            ValueKind::Str(text) => Some(Name {
                text: text.clone(),
                quoted: true,
                span: self.span,
            }),
            _ => None,
        }
    }

    /// A few words for messages: "a string", "a duration", …
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            ValueKind::Ident(_) => "a name",
            ValueKind::Str(_) => "a string",
            ValueKind::Number(text) if text.bytes().all(|b| b.is_ascii_digit()) => "an integer",
            ValueKind::Number(_) => "a duration",
            ValueKind::List(_) => "a list",
            ValueKind::Env(_) => "`env(…)`",
        }
    }
}
