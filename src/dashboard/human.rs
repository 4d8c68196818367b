//! The dashboard for a terminal: a [`Dashboard`] in, text out. The headline
//! (with its counts when the VMs stand apart), the vault and the time, one
//! line each for health, failover tests, configuration issues, RPO and jobs,
//! then the items table, the issues and the recent jobs. Colour (plain ANSI
//! codes, no dependency) only when asked; without it every fact is still in
//! the words, so piped output and tests lose nothing.
//!
//! Names and messages come from outside (ASR's health errors, job and task
//! names, causes and recommended actions; the plan's names): every one goes
//! through [`printable_line`], in table cells too, so an escape sequence in
//! an answer is shown, never acted on by the terminal.

use std::fmt::Write as _;

use crate::clock::Timestamp;
use crate::duration::Duration;
use crate::printable::printable_line;
use crate::provider::{Health, IssueKind, Location};

use super::jobs::write_jobs;
use super::table::{Cell, Paint, short_time, table};
use super::{Dashboard, Direction, IssueRow, Item, TestStatus};

fn secs(s: u64) -> String {
    Duration::from_secs(s).to_string()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Width of the label column of the summary lines.
const LABEL: usize = 15;

/// The dashboard for a terminal; ANSI colours only when `color`.
pub fn human(d: &Dashboard, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        Paint::Bold.paint(&printable_line(&d.headline.text), color)
    );
    if let Some(detail) = &d.headline.detail {
        let _ = writeln!(out, "  {}", printable_line(detail));
    }
    let vaults = if d.vaults.is_empty() {
        format!("vault {}", printable_line(&d.vault))
    } else {
        let names: Vec<String> = d.vaults.iter().map(|v| vault_name(v)).collect();
        format!("vaults {}", printable_line(&names.join(", ")))
    };
    let _ = writeln!(out, "{vaults}  at {}\n", short_time(d.at));
    summary_lines(&mut out, d, color);
    out.push('\n');
    items_table(&mut out, d, color);
    if !d.not_found.is_empty() {
        let text = format!(
            "not found in the vault: {}",
            printable_line(&d.not_found.join(", "))
        );
        let _ = writeln!(out, "{}", Paint::Red.paint(&text, color));
    }
    issues(&mut out, d, color);
    let _ = writeln!(out, "\n{}", Paint::Bold.paint("recent jobs", color));
    if d.jobs.is_empty() {
        out.push_str("  none\n");
    } else {
        write_jobs(&mut out, &d.jobs, color, "  ");
    }
    out
}

fn label(out: &mut String, name: &str, color: bool) {
    let padded = format!("{name:<LABEL$}");
    out.push_str(&Paint::Bold.paint(&padded, color));
}

fn summary_lines(out: &mut String, d: &Dashboard, color: bool) {
    health_line(out, d, color);
    test_line(out, d, color);
    configuration_line(out, d, color);
    rpo_line(out, d, color);
    jobs_line(out, d, color);
}

fn health_line(out: &mut String, d: &Dashboard, color: bool) {
    let s = &d.summary;
    label(out, "health", color);
    let _ = writeln!(
        out,
        "{}  {} healthy, {} warning, {} critical",
        health_bar(s.healthy, s.warning, s.critical, color),
        s.healthy,
        s.warning,
        s.critical
    );
}

fn test_line(out: &mut String, d: &Dashboard, color: bool) {
    let t = &d.test_failover;
    label(out, "test failover", color);
    let applicable = t.recommended + t.performed;
    let mut line = match t.status {
        TestStatus::Recommended => format!(
            "{}: {} of {applicable} VMs without a successful test in 180 days",
            Paint::Yellow.paint("recommended", color),
            t.recommended
        ),
        TestStatus::Performed => format!(
            "{}: all {applicable} VMs tested in the last 180 days",
            Paint::Green.paint("performed", color)
        ),
        TestStatus::NotApplicable => {
            "not applicable: no VM is in a state where a test failover applies".to_owned()
        }
    };
    if t.status != TestStatus::NotApplicable && t.not_applicable > 0 {
        let _ = write!(line, " ({} not applicable)", t.not_applicable);
    }
    let _ = writeln!(out, "{line}");
    if let (Some(last), Some(due)) = (t.last_success, t.due) {
        let due = if due <= d.at {
            Paint::Yellow.paint(&format!("overdue since {}", date(due)), color)
        } else {
            format!("next due {}", date(due))
        };
        let _ = writeln!(
            out,
            "{:LABEL$}oldest last success {}, {due}",
            "",
            date(last)
        );
    }
}

/// `2026-01-01`: the day is precise enough for a 180-day cycle.
fn date(t: Timestamp) -> String {
    let full = t.to_string();
    full.get(..10).map_or(full.clone(), str::to_owned)
}

fn configuration_line(out: &mut String, d: &Dashboard, color: bool) {
    let c = &d.configuration_issues;
    label(out, "configuration", color);
    let counts = format!(
        "missing configurations {}, missing resources {}, subscription quota {}, software updates {}",
        c.missing_configurations, c.missing_resources, c.subscription_quota, c.software_updates
    );
    let total = plural(c.total(), "issue", "issues");
    let total = if c.total() > 0 {
        Paint::Yellow.paint(&total, color)
    } else {
        total
    };
    let _ = writeln!(out, "{total}: {counts}");
}

fn rpo_line(out: &mut String, d: &Dashboard, color: bool) {
    let r = &d.rpo;
    label(out, "rpo", color);
    let worst = r.worst_s.map_or_else(
        || "none reported".to_owned(),
        |w| format!("worst {}", secs(w)),
    );
    match r.objective_s {
        None => {
            let _ = writeln!(out, "{worst}; the plan sets no objectives.rpo");
        }
        Some(objective) if r.breaching.is_empty() => {
            let _ = writeln!(out, "{worst}, objective {}: all within", secs(objective));
        }
        Some(objective) => {
            let over = format!(
                "over objective: {}",
                printable_line(&r.breaching.join(", "))
            );
            let _ = writeln!(
                out,
                "{worst}, objective {}; {}",
                secs(objective),
                Paint::Red.paint(&over, color)
            );
        }
    }
}

fn jobs_line(out: &mut String, d: &Dashboard, color: bool) {
    let j = &d.jobs_summary;
    label(out, "jobs", color);
    let failed = format!("{} failed in 24h", j.failed_24h);
    let failed = if j.failed_24h > 0 {
        Paint::Red.paint(&failed, color)
    } else {
        failed
    };
    let waiting = format!("{} waiting for input", j.waiting_for_input);
    let waiting = if j.waiting_for_input > 0 {
        Paint::Yellow.paint(&waiting, color)
    } else {
        waiting
    };
    let _ = writeln!(out, "{failed}, {} in progress, {waiting}", j.in_progress);
}

/// Width of the health bar, in cells.
const BAR: usize = 20;

/// `[==========~~~~~!!!!!]`: items by health, proportional, every non-empty
/// kind at least one cell. Healthy `=`, warning `~`, critical `!`, so the
/// bar reads without colour too.
fn health_bar(healthy: usize, warning: usize, critical: usize, color: bool) -> String {
    let total = healthy + warning + critical;
    if total == 0 {
        return "[no items]".to_owned();
    }
    let cells = |n: usize| {
        if n == 0 {
            0
        } else {
            ((n * BAR + total / 2) / total).max(1)
        }
    };
    let mut parts = [cells(healthy), cells(warning), cells(critical)];
    // Rounding (and the one-cell minimum) may miss the width by a little:
    // the largest part absorbs the difference, so no kind with items vanishes.
    while parts.iter().sum::<usize>() != BAR {
        let (largest, _) = parts
            .iter()
            .enumerate()
            .max_by_key(|&(i, n)| (*n, std::cmp::Reverse(i)))
            .unwrap_or((0, &0));
        if parts.iter().sum::<usize>() > BAR {
            parts[largest] -= 1;
        } else {
            parts[largest] += 1;
        }
    }
    let [h, w, c] = parts;
    format!(
        "[{}{}{}]",
        Paint::Green.paint(&"=".repeat(h), color),
        Paint::Yellow.paint(&"~".repeat(w), color),
        Paint::Red.paint(&"!".repeat(c), color)
    )
}

fn location(l: Location) -> &'static str {
    match l {
        Location::Primary => "primary",
        Location::Recovery => "recovery",
    }
}

fn health_cell(h: Health) -> Cell {
    let text = match h {
        Health::Healthy => "healthy",
        Health::Warning => "warning",
        Health::Critical => "critical",
    };
    Cell::new(text, Paint::health(h))
}

fn item_row(it: &Item, consistency: bool) -> Vec<Cell> {
    let replicating = match it.replicating {
        Some(Direction::PrimaryToRecovery) => "primary → recovery",
        Some(Direction::RecoveryToPrimary) => "recovery → primary",
        None => "-",
    };
    let rpo = match (it.rpo_s, it.rpo_breached) {
        (Some(s), true) => Cell::new(format!("{} !", secs(s)), Paint::Red),
        (Some(s), false) => Cell::plain(secs(s)),
        (None, _) => Cell::plain("-"),
    };
    let test = match it.test_failover {
        TestStatus::Recommended => Cell::new("recommended", Paint::Yellow),
        TestStatus::Performed => Cell::new("performed", Paint::Green),
        TestStatus::NotApplicable => Cell::new("n/a", Paint::Dim),
    };
    let allowed = if it.allowed_operations.is_empty() {
        "-".to_owned()
    } else {
        it.allowed_operations
            .iter()
            .map(|o| o.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut row = vec![
        Cell::plain(with_vault(&it.vm, it.vault.as_deref())),
        Cell::plain(it.group.clone()),
        health_cell(it.health),
        Cell::plain(location(it.active_location)),
        Cell::plain(replicating),
        rpo,
        test,
        Cell::plain(allowed),
    ];
    if consistency {
        row.insert(
            2,
            Cell::plain(it.consistency_group.clone().unwrap_or_else(|| "-".into())),
        );
    }
    row
}

fn items_table(out: &mut String, d: &Dashboard, color: bool) {
    if d.items.is_empty() {
        out.push_str("no items\n");
        return;
    }
    // The consistency column only when some item is in a multi-VM group:
    // most vaults have none, and the table stays as wide as it was.
    let consistency = d.items.iter().any(|it| it.consistency_group.is_some());
    let mut header = vec![
        "VM",
        "GROUP",
        "HEALTH",
        "ACTIVE",
        "REPLICATING",
        "RPO",
        "TEST",
        "ALLOWED",
    ];
    if consistency {
        header.insert(2, "CONSISTENCY");
    }
    let rows: Vec<Vec<Cell>> = d.items.iter().map(|it| item_row(it, consistency)).collect();
    for line in table(&header, &rows, color) {
        let _ = writeln!(out, "{line}");
    }
}

fn kind_label(kind: IssueKind) -> &'static str {
    match kind {
        IssueKind::MissingConfiguration => "missing configuration",
        IssueKind::MissingResource => "missing resource",
        IssueKind::SubscriptionQuota => "subscription quota",
        IssueKind::SoftwareUpdate => "software update",
        IssueKind::Replication => "replication",
    }
}

/// Every issue, by kind: the dashboard's list (configuration issues and the
/// vault's) plus the replication issues carried by the items.
fn issues(out: &mut String, d: &Dashboard, color: bool) {
    let mut all: Vec<IssueRow> = d.issues.clone();
    for it in &d.items {
        for issue in it
            .issues
            .iter()
            .filter(|i| i.kind == IssueKind::Replication)
        {
            all.push(IssueRow::new(Some(&it.vm), issue));
        }
    }
    if all.is_empty() {
        return;
    }
    all.sort_by_key(|i| i.kind);
    let _ = writeln!(out, "\n{}", Paint::Bold.paint("issues", color));
    let kind_w = all
        .iter()
        .map(|i| kind_label(i.kind).len())
        .max()
        .unwrap_or(0);
    let vms: Vec<String> = all
        .iter()
        .map(|i| printable_line(i.vm.as_deref().unwrap_or("vault")).into_owned())
        .collect();
    let vm_w = vms.iter().map(|vm| vm.chars().count()).max().unwrap_or(0);
    for (i, vm) in all.iter().zip(&vms) {
        let severity =
            Paint::health(i.severity).paint(&format!("{:<8}", severity(i.severity)), color);
        let _ = writeln!(
            out,
            "  {severity}  {:<kind_w$}  {vm:<vm_w$}  {}: {}",
            kind_label(i.kind),
            printable_line(&i.code),
            printable_line(&i.message)
        );
        let indent = 2 + 8 + 2 + kind_w + 2 + vm_w + 2;
        write_advice(
            out,
            &" ".repeat(indent),
            i.possible_causes.as_deref(),
            i.recommended_action.as_deref(),
        );
    }
}

/// ASR's possible causes and recommended action, one line each below what
/// they explain.
pub(super) fn write_advice(
    out: &mut String,
    indent: &str,
    cause: Option<&str>,
    action: Option<&str>,
) {
    if let Some(cause) = cause {
        let _ = writeln!(out, "{indent}cause: {}", printable_line(cause));
    }
    if let Some(action) = action {
        let _ = writeln!(out, "{indent}→ {}", printable_line(action));
    }
}

fn severity(h: Health) -> &'static str {
    match h {
        Health::Healthy => "info",
        Health::Warning => "warning",
        Health::Critical => "critical",
    }
}

/// A VM as tables show it: with its vault's name in a plan across vaults
/// (`app-01 (us-vault)`).
pub(super) fn with_vault(vm: &str, vault: Option<&str>) -> String {
    match vault {
        Some(v) => format!("{vm} ({})", vault_name(v)),
        None => vm.to_owned(),
    }
}

/// A vault's short name: the last segment of its ARM id (`simulator` as it
/// is).
fn vault_name(vault: &str) -> String {
    crate::provider::estate::vault_name(&crate::plan::Vault::Arm(vault.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_health_bar_is_always_full_width_and_shows_every_kind_present() {
        assert_eq!(health_bar(1, 1, 1, false), "[======~~~~~~~!!!!!!!]");
        assert_eq!(health_bar(5, 0, 0, false), "[====================]");
        assert_eq!(health_bar(0, 1, 1, false), "[~~~~~~~~~~!!!!!!!!!!]");
        assert_eq!(health_bar(1000, 1, 0, false), "[===================~]");
        assert_eq!(health_bar(1, 0, 1000, false), "[=!!!!!!!!!!!!!!!!!!!]");
        assert_eq!(health_bar(0, 0, 0, false), "[no items]");
        for (h, w, c) in [(1, 2, 3), (7, 1, 0), (0, 3, 1), (2, 2, 2), (1, 1, 97)] {
            let bar = health_bar(h, w, c, false);
            assert_eq!(bar.chars().count(), BAR + 2, "{bar}");
            assert_eq!(bar.contains('='), h > 0, "{bar}");
            assert_eq!(bar.contains('~'), w > 0, "{bar}");
            assert_eq!(bar.contains('!'), c > 0, "{bar}");
        }
    }
}
