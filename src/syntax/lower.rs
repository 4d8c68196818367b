//! pest pairs to AST nodes. The grammar guarantees each pair's shape, but nothing
//! here unwraps on it: a pair that is not what the grammar promised becomes a
//! `drplan::internal` diagnostic ("presume"), and problems in the user's text
//! (bad escapes, stray lines) become `drplan::syntax` diagnostics ("expect").

use pest::iterators::{Pair, Pairs};
use smol_str::SmolStr;

use crate::ast::{
    Block, Comment, GroupStmt, MapEntry, Name, Needs, PlanFile, Setting, Statement, Value,
    ValueKind,
};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::Span;

use super::parser::Rule;

/// Lowers one parse; collects comments and diagnostics as it goes.
pub(super) struct Lowerer<'d> {
    diags: &'d mut Diagnostics,
    comments: Vec<Comment>,
}

/// The children of a pair without comments (collected once, up front, by `Lowerer::file`).
fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    without_comments(pair.into_inner())
}

fn without_comments(pairs: Pairs<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pairs.filter(|p| p.as_rule() != Rule::COMMENT)
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

impl<'d> Lowerer<'d> {
    pub(super) fn new(diags: &'d mut Diagnostics) -> Self {
        Self {
            diags,
            comments: Vec::new(),
        }
    }

    fn internal(&mut self, pair: &Pair<'_, Rule>, what: &str) {
        self.diags.push(Diagnostic::Internal {
            message: format!("unexpected {:?} where {what} was expected", pair.as_rule()),
            at: span_of(pair),
        });
    }

    pub(super) fn file(mut self, pair: Pair<'_, Rule>) -> PlanFile {
        // Comments can sit between any two tokens: one pass over every token
        // finds them, skipped when the text has no `#` (generated plans often have none).
        if pair.as_str().contains('#') {
            self.comments = pair
                .clone()
                .into_inner()
                .flatten()
                .filter(|p| p.as_rule() == Rule::COMMENT)
                .map(|c| Comment {
                    text: c.as_str().trim_end().to_owned(),
                    span: span_of(&c),
                })
                .collect();
        }
        let inner = pair.into_inner();
        let mut statements = Vec::with_capacity(inner.len());
        for child in without_comments(inner) {
            if child.as_rule() == Rule::EOI {
                continue;
            }
            if let Some(statement) = self.statement(child) {
                statements.push(statement);
            }
        }
        PlanFile {
            statements,
            comments: self.comments,
        }
    }

    fn statement(&mut self, pair: Pair<'_, Rule>) -> Option<Statement> {
        match pair.as_rule() {
            Rule::group_stmt => Some(Statement::Group(self.group(pair))),
            Rule::hook_stmt | Rule::setting | Rule::inline_setting => {
                self.setting(pair).map(Statement::Setting)
            }
            Rule::map_entry => self.map_entry(pair).map(Statement::MapEntry),
            Rule::stray => {
                let span = span_of(&pair);
                let text = pair.into_inner().find(|p| p.as_rule() == Rule::stray_text);
                let (text, at) = text.map_or((String::new(), span), |t| {
                    let trimmed = t.as_str().trim_end();
                    let start = t.as_span().start();
                    (trimmed.to_owned(), Span::new(start, start + trimmed.len()))
                });
                self.diags.push(super::syntax_error::stray(&text, at));
                Some(Statement::Stray(span))
            }
            _ => {
                self.internal(&pair, "a statement");
                None
            }
        }
    }

    fn group(&mut self, pair: Pair<'_, Rule>) -> GroupStmt {
        let span = span_of(&pair);
        let mut group = GroupStmt {
            keyword: span,
            name: None,
            needs: None,
            block: None,
            span,
        };
        // pest's span of a statement can run over trailing white space and
        // comments; the statement ends where its last part does.
        let mut end = span.end as usize;
        for child in children(pair) {
            end = end_of(&child);
            match child.as_rule() {
                Rule::kw_group => group.keyword = span_of(&child),
                Rule::name => group.name = self.name(child),
                Rule::needs_clause => {
                    let mut needs = Needs {
                        keyword: span_of(&child),
                        names: Vec::new(),
                    };
                    for part in children(child) {
                        match part.as_rule() {
                            Rule::kw_needs => needs.keyword = span_of(&part),
                            Rule::name_list => needs.names = self.name_list(part),
                            _ => self.internal(&part, "`needs` or a name"),
                        }
                    }
                    group.needs = Some(needs);
                }
                Rule::block => group.block = Some(self.block(child)),
                _ => self.internal(&child, "a group's name, needs or block"),
            }
        }
        group.span = Span::new(span.start as usize, end);
        group
    }

    fn setting(&mut self, pair: Pair<'_, Rule>) -> Option<Setting> {
        let span = span_of(&pair);
        let is_hook = pair.as_rule() == Rule::hook_stmt;
        let mut parts = children(pair);
        // The grammar starts every setting with its keyword (`ident`, `hook_kind` or `step_key`).
        let Some(first) = parts.next() else {
            self.diags.push(Diagnostic::Internal {
                message: "a statement without a keyword".into(),
                at: span,
            });
            return None;
        };
        let key = Name {
            text: SmolStr::new(first.as_str()),
            quoted: false,
            span: span_of(&first),
        };
        // pest's span of a statement can run over trailing white space and
        // comments; the statement ends where its last part does.
        let mut end = key.span.end as usize;
        let mut setting = Setting {
            key,
            args: Vec::new(),
            inline: Vec::new(),
            block: None,
            is_hook,
            span,
        };
        for child in parts {
            end = end_of(&child);
            match child.as_rule() {
                Rule::inline_setting => {
                    if let Some(inline) = self.setting(child) {
                        setting.inline.push(inline);
                    }
                }
                Rule::block => setting.block = Some(self.block(child)),
                Rule::args => {
                    // pest counts a pair's children anyway: one allocation for the values.
                    let items = child.into_inner();
                    setting.args.reserve_exact(items.len());
                    for item in without_comments(items) {
                        if let Some(value) = self.value(item) {
                            setting.args.push(value);
                        }
                    }
                }
                _ => self.internal(&child, "a setting's values or block"),
            }
        }
        setting.span = Span::new(span.start as usize, end);
        Some(setting)
    }

    fn map_entry(&mut self, pair: Pair<'_, Rule>) -> Option<MapEntry> {
        let span = span_of(&pair);
        let mut key = None;
        let mut value = None;
        let mut end = span.end as usize;
        for child in children(pair) {
            end = end_of(&child);
            match child.as_rule() {
                Rule::name => key = self.name(child),
                _ => value = self.value(child),
            }
        }
        let span = Span::new(span.start as usize, end);
        let key = key?;
        if value.is_none() {
            self.diags.push(Diagnostic::Syntax {
                message: format!("`{}` has no value after `=`", key.text),
                at: span,
                label: "value missing".into(),
                help: Some(format!(
                    "write `{} = \"value\"` or `{} = env(\"NAME\")`",
                    key.text, key.text
                )),
            });
        }
        Some(MapEntry { key, value, span })
    }

    fn block(&mut self, pair: Pair<'_, Rule>) -> Block {
        let span = span_of(&pair);
        let inner = pair.into_inner();
        let mut statements = Vec::with_capacity(inner.len());
        for child in without_comments(inner) {
            if let Some(statement) = self.statement(child) {
                statements.push(statement);
            }
        }
        Block { statements, span }
    }

    fn name_list(&mut self, pair: Pair<'_, Rule>) -> Vec<Name> {
        let inner = pair.into_inner();
        let mut names = Vec::with_capacity(inner.len());
        for child in without_comments(inner) {
            if let Some(name) = self.name(child) {
                names.push(name);
            }
        }
        names
    }

    fn name(&mut self, pair: Pair<'_, Rule>) -> Option<Name> {
        let span = span_of(&pair);
        let inner = children(pair).next()?;
        match inner.as_rule() {
            Rule::ident => Some(Name {
                text: SmolStr::new(inner.as_str()),
                quoted: false,
                span,
            }),
            Rule::string => Some(Name {
                text: SmolStr::new(self.string(inner)),
                quoted: true,
                span,
            }),
            _ => {
                self.internal(&inner, "a name");
                None
            }
        }
    }

    /// A value: one of the alternatives of the grammar's (silent) `value` rule.
    fn value(&mut self, inner: Pair<'_, Rule>) -> Option<Value> {
        let span = span_of(&inner);
        let kind = match inner.as_rule() {
            Rule::ident => ValueKind::Ident(SmolStr::new(inner.as_str())),
            Rule::number => ValueKind::Number(SmolStr::new(inner.as_str())),
            Rule::string => ValueKind::Str(SmolStr::new(self.string(inner))),
            Rule::unterminated_string => {
                self.unterminated(&inner);
                ValueKind::Str(SmolStr::new(inner.as_str().trim_start_matches('"')))
            }
            Rule::list => {
                let mut items = Vec::new();
                for child in children(inner) {
                    if let Some(item) = self.value(child) {
                        items.push(item);
                    }
                }
                ValueKind::List(items)
            }
            Rule::env_call => {
                let mut name = None;
                for child in children(inner) {
                    match child.as_rule() {
                        Rule::string => name = Some(self.string(child)),
                        Rule::unterminated_string => self.unterminated(&child),
                        _ => self.internal(&child, "a variable name"),
                    }
                }
                if let Some(name) = name {
                    ValueKind::Env(name)
                } else {
                    self.diags.push(Diagnostic::Syntax {
                        message: "`env()` needs the name of an environment variable".into(),
                        at: span,
                        label: "no variable named".into(),
                        help: Some("write `env(\"NAME\")`".into()),
                    });
                    ValueKind::Env(String::new())
                }
            }
            _ => {
                self.internal(&inner, "a value");
                return None;
            }
        };
        Some(Value { kind, span })
    }

    fn unterminated(&mut self, pair: &Pair<'_, Rule>) {
        self.diags.push(Diagnostic::Syntax {
            message: "unterminated string".into(),
            at: span_of(pair),
            label: "this string has no closing `\"` on its line".into(),
            help: Some("add the closing `\"`; write a line break inside a string as `\\n`".into()),
        });
    }

    /// Decodes a string's escapes; reports bad ones and keeps their text.
    fn string(&mut self, pair: Pair<'_, Rule>) -> String {
        let outer = span_of(&pair);
        let body = pair.into_inner().find(|p| p.as_rule() == Rule::string_body);
        let Some(body) = body else {
            return String::new();
        };
        let start = body.as_span().start();
        let raw = body.as_str();
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let escape_start = start + i;
            match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, 'u')) => {
                    let rest = &raw[i + 2..];
                    match decode_unicode(rest) {
                        Some((ch, used)) => {
                            out.push(ch);
                            for _ in 0..used {
                                chars.next();
                            }
                        }
                        None => self.bad_escape(Span::new(escape_start, escape_start + 2), outer, "`\\u` must be followed by `{HEX}` naming a Unicode scalar value, e.g. `\\u{1F600}`"),
                    }
                }
                Some((j, other)) => {
                    let end = start + j + other.len_utf8();
                    out.push(other);
                    self.bad_escape(
                        Span::new(escape_start, end),
                        outer,
                        "valid escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{…}`",
                    );
                }
                None => self.bad_escape(
                    Span::new(escape_start, escape_start + 1),
                    outer,
                    "a string cannot end with a lone `\\`",
                ),
            }
        }
        out
    }

    fn bad_escape(&mut self, at: Span, _string: Span, help: &str) {
        self.diags.push(Diagnostic::Syntax {
            message: "invalid escape in string".into(),
            at,
            label: "not a valid escape".into(),
            help: Some(help.to_owned()),
        });
    }
}

/// Where a pair's text really ends. pest's span of a non-atomic rule can run
/// over white space and comments it skipped looking for an optional part, so
/// follow the last part down to a token (or a closing bracket). `args` and
/// `name_list` (no implicit skipping) and `name` (no sequence) end where
/// their last part does.
fn end_of(pair: &Pair<'_, Rule>) -> usize {
    match pair.as_rule() {
        Rule::setting
        | Rule::hook_stmt
        | Rule::inline_setting
        | Rule::group_stmt
        | Rule::needs_clause
        | Rule::map_entry => children(pair.clone())
            .last()
            .map_or_else(|| pair.as_span().end(), |p| end_of(&p)),
        _ => pair.as_span().end(),
    }
}

/// Decodes the `{HEX}` after `\u`; returns the char and how many chars it used.
fn decode_unicode(rest: &str) -> Option<(char, usize)> {
    let inner = rest.strip_prefix('{')?;
    let close = inner.find('}')?;
    let hex = &inner[..close];
    if hex.is_empty() || hex.len() > 6 {
        return None;
    }
    let code = u32::from_str_radix(hex, 16).ok()?;
    Some((char::from_u32(code)?, close + 2))
}
