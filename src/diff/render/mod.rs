//! A [`PlanDiff`] for people: [`human`] for a terminal, [`markdown`] for a
//! pull-request comment, both led by the same one-line [`summary`].

mod human;
mod markdown;

pub use human::human;
pub use markdown::markdown;

use super::{Category, Changed, Estimate, Item, OperationDiff, PlanDiff};
use crate::duration::Duration;

/// `1 group` or `2 groups`.
fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `1 VM added, 2 changed` for one category, or nothing.
fn category_summary(category: &Category, word: &str) -> Option<String> {
    let mut parts = Vec::new();
    for (n, how) in [
        (category.added.len(), "added"),
        (category.removed.len(), "removed"),
        (category.changed.len(), "changed"),
    ] {
        if n == 0 {
            continue;
        }
        if parts.is_empty() {
            parts.push(format!("{} {how}", count(n, word)));
        } else {
            parts.push(format!("{n} {how}"));
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// One line: `objectives changed, 1 group changed, 1 VM added, failover
/// order: 2 edges added, failover estimate 21m → 26m (RTO 30m: met)`, or
/// `no differences`.
pub fn summary(diff: &PlanDiff) -> String {
    let mut parts: Vec<String> = diff
        .settings
        .iter()
        .map(|s| format!("{} changed", section_name(s)))
        .collect();
    parts.extend(category_summary(&diff.groups, "group"));
    parts.extend(category_summary(&diff.vms, "VM"));
    parts.extend(category_summary(&diff.hooks, "hook"));
    for op in &diff.operations {
        if !op.same_order() {
            let mut edges = Vec::new();
            if !op.edges_added.is_empty() {
                edges.push(format!("{} added", count(op.edges_added.len(), "edge")));
            }
            if !op.edges_removed.is_empty() {
                let removed = if edges.is_empty() {
                    format!("{} removed", count(op.edges_removed.len(), "edge"))
                } else {
                    format!("{} removed", op.edges_removed.len())
                };
                edges.push(removed);
            }
            parts.push(format!("{} order: {}", op.operation, edges.join(", ")));
        }
        if op.before.total_s != op.after.total_s {
            parts.push(format!(
                "{} estimate {} → {}{}",
                op.operation,
                total(&op.before),
                total(&op.after),
                rto_suffix(&op.after)
            ));
        } else if op.before != op.after {
            parts.push(format!(
                "{} {} → {}",
                op.operation,
                fit(&op.before),
                fit(&op.after)
            ));
        }
    }
    if parts.is_empty() {
        "no differences".into()
    } else {
        parts.join(", ")
    }
}

/// `objectives`, or `plan settings` for the `plan` section.
fn section_name(section: &Changed) -> &str {
    if section.name == "plan" {
        "plan settings"
    } else {
        &section.name
    }
}

/// A number of seconds as a plan writes durations.
fn secs(s: u64) -> String {
    Duration::from_secs(s).to_string()
}

/// The estimated total.
fn total(e: &Estimate) -> String {
    e.total_s
        .map_or_else(|| "too large to compute".into(), secs)
}

/// How the total fits the RTO: `RTO 30m met (9m spare)`, `RTO 30m
/// exceeded by 5m`, `no RTO`.
fn fit(e: &Estimate) -> String {
    match (e.total_s, e.rto_s) {
        (_, None) => "no RTO".into(),
        (None, Some(r)) => format!("RTO {} exceeded", secs(r)),
        (Some(t), Some(r)) if t <= r => format!("RTO {} met ({} spare)", secs(r), secs(r - t)),
        (Some(t), Some(r)) => format!("RTO {} exceeded by {}", secs(r), secs(t - r)),
    }
}

/// ` (RTO 30m met (9m spare))`, or nothing without an RTO.
fn rto_suffix(e: &Estimate) -> String {
    if e.rto_s.is_some() {
        format!(" ({})", fit(e))
    } else {
        String::new()
    }
}

/// `hook:db/after/1 (script; failover, test)`, or the name alone.
fn title(name: &str, kind: Option<crate::graph::StepKind>, phases: &[&str]) -> String {
    match kind {
        Some(kind) if phases.is_empty() => format!("{name} ({kind})"),
        Some(kind) => format!("{name} ({kind}; {})", phases.join(", ")),
        None => name.to_string(),
    }
}

fn item_title(item: &Item) -> String {
    title(&item.name, item.kind, &item.phases)
}

fn changed_title(changed: &Changed) -> String {
    title(&changed.name, changed.kind, &changed.phases)
}

/// The categories in the order both renderings show them.
fn categories(diff: &PlanDiff) -> [(&'static str, &Category); 3] {
    [
        ("Groups", &diff.groups),
        ("VMs", &diff.vms),
        ("Hooks", &diff.hooks),
    ]
}

/// `Failover` for a heading.
fn heading(op: &OperationDiff) -> String {
    let word = op.operation.as_str();
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}
