//! Values to typed values: durations, integers, enums, booleans, strings,
//! names, maps and lists, each checked against its setting's schema (ARM ids
//! and regions are `resources`, URLs `urls`). Problems become
//! `drplan::invalid_value` or `drplan::invalid_duration`.

use std::collections::BTreeMap;

use crate::ast::{Block, Name, Setting, Value, ValueKind};
use crate::diagnostic::Diagnostic;
use crate::duration::Duration;
use crate::plan::{MapValue, Secret};
use crate::source::Span;

use super::Checker;
use super::schema::{BlockKind, ValueType};
use super::settings::Entries;
use crate::suggest;

impl Checker<'_> {
    /// Reports a `drplan::invalid_value`.
    pub(super) fn invalid(&mut self, at: Span, message: String, label: &str, help: Option<String>) {
        self.diags.push(Diagnostic::InvalidValue {
            message,
            at,
            label: label.into(),
            help,
        });
    }

    pub(super) fn first_value(setting: &Setting) -> Option<&Value> {
        setting.args.first()
    }

    /// `name`'s duration in `entries`, checked.
    pub(super) fn duration(&mut self, entries: &Entries<'_>, name: &str) -> Option<Duration> {
        let setting = entries.get(name)?;
        let spec = entries.spec(name)?;
        let ValueType::Duration { zero } = spec.value else {
            return None;
        };
        self.duration_value(Self::first_value(setting)?, name, zero, spec.example)
    }

    /// A value as a duration.
    pub(super) fn duration_value(
        &mut self,
        value: &Value,
        setting: &str,
        zero: bool,
        example: &str,
    ) -> Option<Duration> {
        match &value.kind {
            ValueKind::Number(text) => match Duration::parse(text) {
                Ok(d) if d.is_zero() && !zero => {
                    self.diags.push(Diagnostic::InvalidDuration {
                        text: text.to_string(),
                        reason: format!("`{setting}` must be longer than zero"),
                        at: value.span,
                        label: "zero duration".into(),
                        help: Some(format!("a zero `{setting}` would stop the work before it starts; for example `{example}`")),
                    });
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    self.diags.push(Diagnostic::InvalidDuration {
                        text: text.to_string(),
                        reason: e.reason,
                        at: value.span,
                        label: "not a valid duration".into(),
                        help: Some(e.help),
                    });
                    None
                }
            },
            ValueKind::Str(text) if Duration::parse(text).is_ok() => {
                self.invalid(
                    value.span,
                    format!("`{setting}` takes a duration, not a string"),
                    "quoted duration",
                    Some(format!("remove the quotes: `{setting} {text}`")),
                );
                None
            }
            _ => {
                self.invalid(
                    value.span,
                    format!("`{setting}` takes a duration, found {}", value.describe()),
                    "not a duration",
                    Some(format!("for example `{example}`")),
                );
                None
            }
        }
    }

    /// `name`'s integer in `entries`, within its schema bounds.
    pub(super) fn integer(&mut self, entries: &Entries<'_>, name: &str) -> Option<u64> {
        let setting = entries.get(name)?;
        let spec = entries.spec(name)?;
        let ValueType::Integer { min, max } = spec.value else {
            return None;
        };
        let value = Self::first_value(setting)?;
        let ValueKind::Number(text) = &value.kind else {
            self.invalid(
                value.span,
                format!("`{name}` takes a whole number, found {}", value.describe()),
                "not a number",
                Some(format!("for example `{}`", spec.example)),
            );
            return None;
        };
        if text.starts_with('-') {
            self.invalid(
                value.span,
                format!("`{name}` cannot be negative"),
                "negative",
                Some(format!("use a number from {min} to {max}")),
            );
            return None;
        }
        let Ok(n) = text.parse::<u64>() else {
            let why = if text.bytes().all(|b| b.is_ascii_digit()) {
                "too large"
            } else {
                "not a whole number"
            };
            self.invalid(
                value.span,
                format!("`{name}` takes a whole number from {min} to {max}, found `{text}`"),
                why,
                Some(format!("for example `{}`", spec.example)),
            );
            return None;
        };
        if n < min || n > max {
            let help = if name == "parallelism" && n == 0 {
                "at least one VM must run at a time; use `parallelism 1` to run them one by one"
                    .to_owned()
            } else {
                format!("use a number from {min} to {max}")
            };
            self.invalid(
                value.span,
                format!("`{name}` must be from {min} to {max}, found {n}"),
                "out of range",
                Some(help),
            );
            return None;
        }
        Some(n)
    }

    /// `name`'s integer as `u32` (every schema bound fits).
    pub(super) fn integer_u32(&mut self, entries: &Entries<'_>, name: &str) -> Option<u32> {
        self.integer(entries, name)
            .and_then(|n| u32::try_from(n).ok())
    }

    /// `name`'s word from its enum.
    pub(super) fn word(&mut self, entries: &Entries<'_>, name: &str) -> Option<&'static str> {
        let setting = entries.get(name)?;
        let spec = entries.spec(name)?;
        let allowed = match spec.value {
            ValueType::Enum(allowed) => allowed,
            ValueType::Bool => &["true", "false"],
            _ => return None,
        };
        self.word_value(Self::first_value(setting)?, name, allowed)
    }

    /// A value as one of `allowed`.
    pub(super) fn word_value(
        &mut self,
        value: &Value,
        setting: &str,
        allowed: &'static [&'static str],
    ) -> Option<&'static str> {
        let text = match &value.kind {
            ValueKind::Ident(t) | ValueKind::Str(t) | ValueKind::Number(t) => t.as_str(),
            _ => "",
        };
        if let Some(word) = allowed.iter().find(|w| **w == text) {
            return Some(word);
        }
        let quoted: Vec<String> = allowed.iter().map(|w| format!("`{w}`")).collect();
        let list = match quoted.as_slice() {
            [init @ .., last] if !init.is_empty() => format!("{} or {last}", init.join(", ")),
            _ => quoted.join(""),
        };
        let help = suggest::did_you_mean(text, allowed.iter().copied())
            .unwrap_or_else(|| format!("use {list}"));
        let shown = if text.is_empty() {
            value.describe().to_owned()
        } else {
            format!("`{text}`")
        };
        self.invalid(
            value.span,
            format!("`{setting}` must be {list}, found {shown}"),
            "not a valid value",
            Some(help),
        );
        None
    }

    /// `name`'s string (a string or an identifier).
    pub(super) fn text(&mut self, entries: &Entries<'_>, name: &str) -> Option<(String, Span)> {
        let setting = entries.get(name)?;
        let value = Self::first_value(setting)?;
        self.text_value(value, name)
    }

    /// A value as text.
    pub(super) fn text_value(&mut self, value: &Value, setting: &str) -> Option<(String, Span)> {
        match &value.kind {
            ValueKind::Str(t) | ValueKind::Ident(t) => Some((t.to_string(), value.span)),
            ValueKind::Env(var) => {
                self.invalid(value.span, format!("`{setting}` cannot come from the environment"), "secret not allowed here", Some(format!("`env(\"{var}\")` is for map values such as `headers {{ … }}` and `env {{ … }}`")));
                None
            }
            _ => {
                self.invalid(
                    value.span,
                    format!("`{setting}` takes a string, found {}", value.describe()),
                    "not a string",
                    None,
                );
                None
            }
        }
    }

    /// A setting's values as names (`vm a, b`, `needs x, y`).
    pub(super) fn names(&mut self, setting: &Setting) -> Vec<Name> {
        let mut names = Vec::with_capacity(setting.args.len());
        for value in &setting.args {
            match value.as_name() {
                Some(name) if self.valid_name(&name) => names.push(name),
                Some(_) => {}
                None => self.invalid(
                    value.span,
                    format!(
                        "`{}` takes names, found {}",
                        setting.key.text,
                        value.describe()
                    ),
                    "not a name",
                    Some("write a name as `web-01` or `\"web 01\"`".into()),
                ),
            }
        }
        names
    }

    /// Names end up in step ids (`vm:db/sql-01`), so they must not be empty
    /// or contain `/` or control characters.
    pub(super) fn valid_name(&mut self, name: &Name) -> bool {
        // An identifier is never empty, and its characters (the grammar's
        // `[A-Za-z0-9_.-]`) are all fine.
        if !name.quoted {
            return true;
        }
        // Fast path: printable ASCII without `/` is always fine.
        if !name.text.is_empty()
            && name
                .text
                .bytes()
                .all(|b| (b' '..=b'~').contains(&b) && b != b'/')
        {
            return true;
        }
        let bad = if name.text.is_empty() {
            Some("a name cannot be empty")
        } else if name.text.contains('/') {
            Some("a name cannot contain `/`: step ids use it as `vm:GROUP/VM`")
        } else if name.text.chars().any(char::is_control) {
            Some("a name cannot contain control characters")
        } else {
            None
        };
        if let Some(reason) = bad {
            self.invalid(
                name.span,
                format!("invalid name `{}`", name.text.escape_debug()),
                "invalid name",
                Some(reason.into()),
            );
        }
        bad.is_none()
    }

    /// A map block: literal strings or `env("NAME")` secrets.
    /// `env("NAME")`: a secret read when the run starts, or, for a name no
    /// environment can hold, an error (none for an empty name, which the
    /// parser already reported).
    pub(super) fn env_secret(&mut self, span: Span, var: &str) -> Option<MapValue> {
        if valid_env_name(var) {
            return Some(MapValue::Secret(Secret {
                name: var.to_string(),
            }));
        }
        if !var.is_empty() {
            self.invalid(
                span,
                format!("`{var}` is not a valid environment variable name"),
                "invalid variable",
                Some("use letters, digits and `_`, not starting with a digit".into()),
            );
        }
        None
    }

    pub(super) fn map(&mut self, block: &Block) -> BTreeMap<String, MapValue> {
        let entries = self.read(BlockKind::Map, &[], &block.statements);
        let mut map = BTreeMap::new();
        for entry in &entries.map {
            if !self.valid_name(&entry.key) {
                continue;
            }
            let Some(value) = &entry.value else { continue };
            let v = match &value.kind {
                ValueKind::Str(s) | ValueKind::Ident(s) => MapValue::Literal(s.to_string()),
                ValueKind::Number(n) => MapValue::Literal(n.to_string()),
                ValueKind::Env(var) => match self.env_secret(value.span, var) {
                    Some(secret) => secret,
                    None => continue,
                },
                ValueKind::List(_) => {
                    self.invalid(
                        value.span,
                        format!(
                            "`{}` takes a string or `env(\"NAME\")`, found a list",
                            entry.key.text
                        ),
                        "not a string",
                        Some("join the items into one string".into()),
                    );
                    continue;
                }
            };
            map.insert(entry.key.text.to_string(), v);
        }
        map
    }

    /// `args ["a", "b"]`.
    pub(super) fn string_list(&mut self, entries: &Entries<'_>, name: &str) -> Vec<String> {
        let Some(value) = entries.get(name).and_then(Self::first_value) else {
            return Vec::new();
        };
        let ValueKind::List(items) = &value.kind else {
            self.invalid(
                value.span,
                format!(
                    "`{name}` takes a list such as `[\"--fast\", \"db\"]`, found {}",
                    value.describe()
                ),
                "not a list",
                Some("put the items in `[ ]`, separated by commas".into()),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            match &item.kind {
                ValueKind::Str(s) | ValueKind::Ident(s) | ValueKind::Number(s) => out.push(s.to_string()),
                ValueKind::Env(_) => self.invalid(item.span, "secrets cannot be passed as arguments".into(), "secret in argv", Some("arguments show in process lists; pass the secret in `env { NAME = env(\"NAME\") }`".into())),
                ValueKind::List(_) => self.invalid(item.span, format!("`{name}` items are strings, found a list"), "nested list", None),
            }
        }
        out
    }
}

pub(super) fn valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
