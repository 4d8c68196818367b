//! Diagnostics of bounded size: every text of a [`Diagnostic`] (a name, a
//! value, a message, a label, a help line) cut to [`MAX_TEXT`] characters
//! when it is pushed, so that no report grows with the plan it quotes.

use super::Diagnostic;

/// Characters of one text of a diagnostic (a name, a value, a message, a
/// label, a help line). Texts quote the plan, and a plan can hold a name or a
/// line of megabytes: longer texts keep their start and end around a `…`, so
/// no report, JSON document or editor message grows with the plan.
pub const MAX_TEXT: usize = 300;

impl Diagnostic {
    /// The diagnostic with every text within [`MAX_TEXT`].
    #[must_use]
    pub(super) fn bounded(mut self) -> Self {
        if let Diagnostic::Cycle { rest: labels, .. }
        | Diagnostic::DuplicateIp {
            origins: labels, ..
        } = &mut self
        {
            for label in labels.iter_mut() {
                let text = label.label().map(|t| cut_middle(t.to_owned()));
                label.set_label(text);
            }
        }
        for text in self.texts() {
            if text.len() > MAX_TEXT {
                *text = cut_middle(std::mem::take(text));
            }
        }
        self
    }

    /// Every text of the diagnostic but those of label collections.
    fn texts(&mut self) -> Vec<&mut String> {
        match self {
            Diagnostic::Cycle {
                cycle, first_label, ..
            } => vec![cycle, first_label],
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
            | Diagnostic::DrillOverdue {
                message,
                label,
                help,
                ..
            }
            | Diagnostic::InvalidStateUrl {
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
            Diagnostic::StateSas { .. } => Vec::new(),
            Diagnostic::DuplicateNotifyTarget { target, .. } => vec![target],
            Diagnostic::UnknownGroup { name, help, .. }
            | Diagnostic::UnknownEvent {
                event: name, help, ..
            }
            | Diagnostic::UnknownVm { name, help, .. } => {
                std::iter::once(name).chain(help).collect()
            }
            Diagnostic::UnknownSetting {
                name,
                context,
                help,
                ..
            } => [name, context].into_iter().chain(help).collect(),
            Diagnostic::DuplicateIp { .. }
            | Diagnostic::InvalidIp { .. }
            | Diagnostic::InvalidResourceId { .. }
            | Diagnostic::InvalidSize { .. }
            | Diagnostic::NoTestNetwork { .. }
            | Diagnostic::UnknownRegion { .. }
            | Diagnostic::ZoneAndAvailabilitySet { .. } => self.target_texts(),
        }
    }

    /// The texts of the diagnostics about regions and `target` settings.
    fn target_texts(&mut self) -> Vec<&mut String> {
        match self {
            Diagnostic::DuplicateIp {
                setting,
                ip,
                first_vm,
                second_vm,
                first_label,
                second_label,
                help,
                ..
            } => [setting, ip, first_vm, second_vm, first_label, second_label]
                .into_iter()
                .chain(help)
                .collect(),
            Diagnostic::InvalidIp {
                setting,
                reason,
                label,
                help,
                ..
            } => [setting, reason, label].into_iter().chain(help).collect(),
            Diagnostic::InvalidResourceId {
                message,
                label,
                help,
                ..
            } => [message, label].into_iter().chain(help).collect(),
            Diagnostic::InvalidSize { text, help, .. } => {
                std::iter::once(text).chain(help).collect()
            }
            Diagnostic::NoTestNetwork { setting, help, .. } => {
                std::iter::once(setting).chain(help).collect()
            }
            Diagnostic::UnknownRegion { region, help, .. } => {
                std::iter::once(region).chain(help).collect()
            }
            Diagnostic::ZoneAndAvailabilitySet {
                vm,
                zone_label,
                set_label,
                help,
                ..
            } => [vm, zone_label, set_label]
                .into_iter()
                .chain(help)
                .collect(),
            // Every other diagnostic's texts are in `texts`.
            _ => Vec::new(),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostics;
    use crate::source::Span;

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
