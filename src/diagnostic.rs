//! Every problem drplan reports about a plan: one variant per stable
//! `drplan::*` code (spec: language.md "Checks"), with labelled spans and help.
//! Produced by `syntax` and `check`; rendered by `render` for the CLI and the LSP.

use miette::LabeledSpan;

use crate::source::Span;

/// A problem in a plan file. The `code` strings are a contract: tests and users
/// rely on them. Variants are sorted by name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum Diagnostic {
    /// A dependency cycle among groups or VMs.
    #[error("dependency cycle: {cycle}")]
    #[diagnostic(
        code(drplan::cycle),
        help("remove one of these `needs` so the dependencies form a DAG")
    )]
    Cycle {
        /// The whole cycle, `app -> web -> app`.
        cycle: String,
        /// Where the first dependency of the cycle is declared.
        #[label(primary, "{first_label}")]
        at: Span,
        /// What the first label says.
        first_label: String,
        /// The other dependencies of the cycle.
        #[label(collection)]
        rest: Vec<LabeledSpan>,
    },

    /// Two groups with one name.
    #[error("group `{name}` is defined twice")]
    #[diagnostic(
        code(drplan::duplicate_group),
        help("rename one group or merge the two")
    )]
    DuplicateGroup {
        /// The name.
        name: String,
        /// The first definition.
        #[label("first defined here")]
        first: Span,
        /// The second definition.
        #[label(primary, "defined again here")]
        second: Span,
    },

    /// A setting given twice in one block.
    #[error("`{name}` is set twice in {context}")]
    #[diagnostic(code(drplan::duplicate_setting), help("keep one of the two"))]
    DuplicateSetting {
        /// The setting.
        name: String,
        /// "this `defaults` block", …
        context: String,
        /// The first one.
        #[label("first set here")]
        first: Span,
        /// The second one.
        #[label(primary, "set again here")]
        second: Span,
    },

    /// One VM in two places.
    #[error("VM `{name}` appears twice{detail}")]
    #[diagnostic(
        code(drplan::duplicate_vm),
        help("a VM fails over once: list it in one group only")
    )]
    DuplicateVm {
        /// The VM.
        name: String,
        /// Extra words, e.g. " (both name replicated item `x`)".
        detail: String,
        /// The first place.
        #[label("first listed here")]
        first: Span,
        /// The second place.
        #[label(primary, "listed again here")]
        second: Span,
    },

    /// A group with nothing in it.
    #[error("group `{name}` has no VMs and no hooks")]
    #[diagnostic(
        code(drplan::empty_group),
        severity(Warning),
        help("add `vm` or hooks to it, or remove it")
    )]
    EmptyGroup {
        /// The group.
        name: String,
        /// Its name.
        #[label("empty group")]
        at: Span,
    },

    /// An operation whose estimates add up past what a schedule can count.
    #[error("the estimated time of {operations} is more than drplan can count ({limit})")]
    #[diagnostic(code(drplan::estimate_overflow))]
    EstimateOverflow {
        /// The operations: `failover`, `failover, failback and test-failover`.
        operations: String,
        /// The largest estimate a schedule computes.
        limit: String,
        /// The step with the largest estimate on the way to the overflow.
        #[label("{label}")]
        at: Span,
        /// What the label says.
        label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// A bug in drplan, not in the plan.
    #[error("internal error, this is a bug in drplan: {message}")]
    #[diagnostic(
        code(drplan::internal),
        help("please report it with the plan that caused it")
    )]
    Internal {
        /// What went wrong.
        message: String,
        /// Where in the plan.
        #[label("here")]
        at: Span,
    },

    /// A malformed or zero duration.
    #[error("invalid duration `{text}`: {reason}")]
    #[diagnostic(code(drplan::invalid_duration))]
    InvalidDuration {
        /// As written.
        text: String,
        /// Why it is invalid.
        reason: String,
        /// The value.
        #[label("{label}")]
        at: Span,
        /// What the label says.
        label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// A value of the wrong kind or out of range.
    #[error("{message}")]
    #[diagnostic(code(drplan::invalid_value))]
    InvalidValue {
        /// What is wrong.
        message: String,
        /// The value.
        #[label("{label}")]
        at: Span,
        /// What the label says.
        label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// A required plan setting is missing.
    #[error("{owner} has no `{setting}`")]
    #[diagnostic(code(drplan::missing_setting))]
    MissingSetting {
        /// What lacks it: "plan `contoso-web`", "runbook `Drain`".
        owner: String,
        /// The missing setting.
        setting: String,
        /// The block that lacks it.
        #[label("`{setting}` is required here")]
        at: Span,
        /// An example of the setting.
        #[help]
        help: Option<String>,
    },

    /// The RTO does not fit the estimated failover.
    #[error("estimated failover time {estimate} exceeds the RTO of {rto}")]
    #[diagnostic(code(drplan::rto_exceeded), severity(Warning))]
    RtoExceeded {
        /// The estimate, e.g. `52m`.
        estimate: String,
        /// The objective, e.g. `45m`.
        rto: String,
        /// The `rto` value.
        #[label("objective set here")]
        at: Span,
        /// The critical path and how to shorten it.
        #[help]
        help: Option<String>,
    },

    /// `primary` and `recovery` name the same region.
    #[error("`primary` and `recovery` are both `{region}`")]
    #[diagnostic(
        code(drplan::same_region),
        help("fail over to another region: set `recovery` to the region ASR replicates to")
    )]
    SameRegion {
        /// The region.
        region: String,
        /// `primary`'s value.
        #[label("primary region")]
        primary: Span,
        /// `recovery`'s value.
        #[label(primary, "recovery region is the same")]
        recovery: Span,
    },

    /// The text does not parse.
    #[error("{message}")]
    #[diagnostic(code(drplan::syntax))]
    Syntax {
        /// What was expected.
        message: String,
        /// Where.
        #[label("{label}")]
        at: Span,
        /// What the label says.
        label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// `needs` names no group.
    #[error("`needs` names an unknown group `{name}`")]
    #[diagnostic(code(drplan::unknown_group))]
    UnknownGroup {
        /// The name.
        name: String,
        /// Where.
        #[label("no group with this name")]
        at: Span,
        /// "did you mean `db`?"
        #[help]
        help: Option<String>,
    },

    /// A setting or keyword that does not exist here.
    #[error("unknown setting `{name}` in {context}")]
    #[diagnostic(code(drplan::unknown_setting))]
    UnknownSetting {
        /// The name.
        name: String,
        /// "a `defaults` block", …
        context: String,
        /// Where.
        #[label("not valid here")]
        at: Span,
        /// "did you mean `timeout`?" or the valid settings.
        #[help]
        help: Option<String>,
    },

    /// A VM's `needs` names no VM.
    #[error("`needs` names an unknown VM `{name}`")]
    #[diagnostic(code(drplan::unknown_vm))]
    UnknownVm {
        /// The name.
        name: String,
        /// Where.
        #[label("no VM with this name")]
        at: Span,
        /// "did you mean `app-01`?"
        #[help]
        help: Option<String>,
    },
}

impl Diagnostic {
    /// Errors block execution; warnings do not (unless `--deny-warnings`).
    pub fn is_error(&self) -> bool {
        !matches!(
            self,
            Diagnostic::EmptyGroup { .. } | Diagnostic::RtoExceeded { .. }
        )
    }

    /// The stable code, `drplan::unknown_group`.
    pub fn code_str(&self) -> String {
        miette::Diagnostic::code(self)
            .map(|c| c.to_string())
            .unwrap_or_default()
    }

    /// The byte offset of the primary label, for sorting.
    pub fn offset(&self) -> usize {
        primary_label(self).map_or(0, |l| l.offset())
    }
}

/// Characters of one text of a diagnostic (a name, a value, a message, a
/// label, a help line). Texts quote the plan, and a plan can hold a name or a
/// line of megabytes: longer texts keep their start and end around a `…`, so
/// no report, JSON document or editor message grows with the plan.
pub const MAX_TEXT: usize = 300;

impl Diagnostic {
    /// The diagnostic with every text within [`MAX_TEXT`].
    #[must_use]
    fn bounded(mut self) -> Self {
        let texts: Vec<&mut String> = match &mut self {
            Diagnostic::Cycle {
                cycle,
                first_label,
                rest,
                ..
            } => {
                for label in rest.iter_mut() {
                    let text = label.label().map(|t| cut_middle(t.to_owned()));
                    label.set_label(text);
                }
                vec![cycle, first_label]
            }
            Diagnostic::DuplicateGroup { name, .. }
            | Diagnostic::EmptyGroup { name, .. }
            | Diagnostic::Internal { message: name, .. } => vec![name],
            Diagnostic::DuplicateSetting { name, context, .. } => vec![name, context],
            Diagnostic::DuplicateVm { name, detail, .. } => vec![name, detail],
            Diagnostic::EstimateOverflow {
                operations,
                limit,
                label,
                help,
                ..
            } => [operations, limit, label].into_iter().chain(help).collect(),
            Diagnostic::InvalidDuration {
                text,
                reason,
                label,
                help,
                ..
            } => [text, reason, label].into_iter().chain(help).collect(),
            Diagnostic::InvalidValue {
                message,
                label,
                help,
                ..
            }
            | Diagnostic::Syntax {
                message,
                label,
                help,
                ..
            } => [message, label].into_iter().chain(help).collect(),
            Diagnostic::MissingSetting {
                owner,
                setting,
                help,
                ..
            } => [owner, setting].into_iter().chain(help).collect(),
            Diagnostic::RtoExceeded {
                estimate,
                rto,
                help,
                ..
            } => [estimate, rto].into_iter().chain(help).collect(),
            Diagnostic::SameRegion { region, .. } => vec![region],
            Diagnostic::UnknownGroup { name, help, .. }
            | Diagnostic::UnknownVm { name, help, .. } => {
                std::iter::once(name).chain(help).collect()
            }
            Diagnostic::UnknownSetting {
                name,
                context,
                help,
                ..
            } => [name, context].into_iter().chain(help).collect(),
        };
        for text in texts {
            if text.len() > MAX_TEXT {
                *text = cut_middle(std::mem::take(text));
            }
        }
        self
    }
}

/// `text` cut to [`MAX_TEXT`] characters, its start and end kept around a `…`.
fn cut_middle(text: String) -> String {
    let count = text.chars().count();
    if count <= MAX_TEXT {
        return text;
    }
    let head = (MAX_TEXT - 1) / 2;
    let tail = MAX_TEXT - 1 - head;
    let mut out: String = text.chars().take(head).collect();
    out.push('…');
    out.extend(text.chars().skip(count - tail));
    out
}

/// The label that positions a diagnostic: the one marked primary, else the first.
pub fn primary_label(d: &dyn miette::Diagnostic) -> Option<LabeledSpan> {
    let labels: Vec<LabeledSpan> = d.labels().map(Iterator::collect).unwrap_or_default();
    labels
        .iter()
        .find(|l| l.primary())
        .or(labels.first())
        .cloned()
}

/// The problems found in one file, kept in the order found and sorted on output.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one, with every text cut to [`MAX_TEXT`] characters.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic.bounded());
    }

    /// Whether any error (not warning) was reported.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// How many errors.
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    /// How many warnings.
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// The diagnostics sorted by position (stable, so equal positions keep their order).
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by_key(Diagnostic::offset);
        self.items
    }

    /// The diagnostics as found.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Whether nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many diagnostics.
    pub fn len(&self) -> usize {
        self.items.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_cut_in_the_middle_when_pushed() {
        let name = format!("a{}z", "m".repeat(10_000));
        let mut diags = Diagnostics::new();
        diags.push(Diagnostic::UnknownGroup {
            name: name.clone(),
            at: Span::new(0, 1),
            help: Some(format!("did you mean `{name}`?")),
        });
        let Some(Diagnostic::UnknownGroup {
            name: kept, help, ..
        }) = diags.iter().next()
        else {
            unreachable!("one diagnostic was pushed");
        };
        assert_eq!(kept.chars().count(), MAX_TEXT);
        assert!(kept.starts_with("am") && kept.ends_with("mz") && kept.contains('…'));
        assert!(help.as_deref().unwrap().ends_with("mz`?"));
        // Short texts are left alone.
        diags.push(Diagnostic::EmptyGroup {
            name: "db".into(),
            at: Span::new(0, 1),
        });
        assert_eq!(
            diags.iter().nth(1).unwrap().to_string(),
            "group `db` has no VMs and no hooks"
        );
    }
}
