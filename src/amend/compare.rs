//! The pieces every comparison shares: a definition flattened to named
//! [`Field`]s (rendered values, so two definitions compare field by field
//! and a difference reads as `retries 1 → 3`), their differences, and what
//! the comparisons [`Found`].

use super::{Change, Conflict};

/// Where a step's setting comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The step itself (its hook statement, its VM).
    Own,
    /// `defaults { … }`.
    Defaults,
    /// `failover { … }`.
    Failover,
    /// `test_network`.
    TestNetwork,
}

/// One setting of a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    /// `url`, `retries`, `header "Authorization"`, `target subnet`.
    pub(crate) name: String,
    /// Rendered: strings quoted, missing values as `none`.
    pub(crate) value: String,
    /// Whether a message may show the value (not a header, body or map
    /// value, which may hold a token written in the plan).
    pub(crate) shown: bool,
    /// Where it comes from.
    pub(crate) origin: Origin,
}

impl Field {
    /// A setting of the step's own, shown in messages.
    pub(crate) fn own(name: impl Into<String>, value: impl Into<String>) -> Field {
        Field {
            name: name.into(),
            value: value.into(),
            shown: true,
            origin: Origin::Own,
        }
    }

    /// A setting of the step's own whose value messages do not show.
    pub(crate) fn hidden(name: impl Into<String>, value: impl Into<String>) -> Field {
        Field {
            shown: false,
            ..Field::own(name, value)
        }
    }

    /// A shown setting from `origin`.
    pub(crate) fn from(origin: Origin, name: impl Into<String>, value: impl Into<String>) -> Field {
        Field {
            origin,
            ..Field::own(name, value)
        }
    }
}

/// One difference between two definitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldChange {
    /// `url "a" → "b"`, `header "X" changed`, `env "Y" added`.
    pub(crate) text: String,
    /// Whether both sides take the setting from the plan, not the step, so a
    /// plan-wide line already says it.
    pub(crate) inherited: bool,
    /// Where the setting comes from, as the corrected plan has it.
    pub(crate) origin: Origin,
}

/// The differences between two flattened definitions: the old fields in
/// order, then fields only the new one has.
pub(crate) fn diff(old: &[Field], new: &[Field]) -> Vec<FieldChange> {
    let mut out = Vec::new();
    for o in old {
        match new.iter().find(|n| n.name == o.name) {
            Some(n) if n.value == o.value => {}
            Some(n) => out.push(FieldChange {
                text: if o.shown && n.shown {
                    format!("{} {} → {}", o.name, o.value, n.value)
                } else {
                    format!("{} changed", o.name)
                },
                inherited: o.origin != Origin::Own && n.origin != Origin::Own,
                origin: n.origin,
            }),
            None => out.push(FieldChange {
                text: format!("{} removed", o.name),
                inherited: false,
                origin: Origin::Own,
            }),
        }
    }
    for n in new.iter().filter(|n| !old.iter().any(|o| o.name == n.name)) {
        out.push(FieldChange {
            text: if n.shown {
                format!("{} added ({})", n.name, n.value)
            } else {
                format!("{} added", n.name)
            },
            inherited: false,
            origin: Origin::Own,
        });
    }
    out
}

/// What the comparisons found, in the order they found it.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// Every difference.
    pub(crate) changes: Vec<Change>,
    /// Every reason to refuse.
    pub(crate) conflicts: Vec<Conflict>,
    /// Groups some step change is about, by name: a group with no such
    /// change that still differs gets a line of its own.
    pub(crate) groups_mentioned: Vec<String>,
}

impl Found {
    /// Records a change.
    pub(crate) fn change(&mut self, subject: impl Into<String>, detail: impl Into<String>) {
        self.changes.push(Change {
            subject: subject.into(),
            detail: detail.into(),
        });
    }

    /// Notes that a change is about group `name`.
    pub(crate) fn mention(&mut self, name: &str) {
        if !self.groups_mentioned.iter().any(|g| g == name) {
            self.groups_mentioned.push(name.to_string());
        }
    }
}

/// A string as a plan writes it.
pub(crate) fn quoted(text: &str) -> String {
    format!("{text:?}")
}

/// An optional value, `none` when missing.
pub(crate) fn or_none<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "none".to_string(), |v| v.to_string())
}
