//! Readiness for people: a [`Readiness`] and the operation in; every
//! finding at once, blockers first, each with what to do, out. Findings that
//! say the same of several VMs (ten machines in the same state) are shown
//! once with their VMs listed, so a 1,000-VM plan stays readable. Callers
//! escape the text for the terminal (names and the vault's messages may
//! hold anything).

use std::fmt::Write as _;

use crate::graph::Operation;

use super::finding::{Finding, Readiness, Severity};

/// VMs named in one line before the rest are counted.
const NAMED: usize = 8;

/// The findings as an indented list with a headline.
pub fn human(readiness: &Readiness, op: Operation) -> String {
    let mut out = String::new();
    if readiness.findings.is_empty() {
        let _ = writeln!(out, "ready for {op}: nothing found that would stop it");
        return out;
    }
    let count = |n: usize, one: &str, many: &str| match n {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    };
    let _ = writeln!(
        out,
        "{} for {op}: {}, {}",
        if readiness.ready {
            "ready"
        } else {
            "not ready"
        },
        count(readiness.blockers, "blocker", "blockers"),
        count(readiness.warnings, "warning", "warnings")
    );
    for (first, vms) in alike(&readiness.findings) {
        let severity = match first.severity {
            Severity::Blocker => "blocker",
            Severity::Warning => "warning",
        };
        let on = match (vms.as_slice(), &first.group) {
            ([], _) => String::new(),
            ([vm], Some(group)) => format!(" {vm} (group {group})"),
            (list, _) if list.len() <= NAMED => format!(" {}", list.join(", ")),
            (list, _) => format!(
                " {} VMs ({}, and {} more)",
                list.len(),
                list[..NAMED].join(", "),
                list.len() - NAMED
            ),
        };
        let _ = writeln!(
            out,
            "  {severity} [{}]{on}: {}",
            first.kind.as_str(),
            without_vm(first)
        );
        let _ = writeln!(out, "    remedy: {}", first.remedy);
    }
    out
}

/// The message without the `vm: ` it starts with, where the line names the VM.
fn without_vm(f: &Finding) -> &str {
    f.vm.as_deref()
        .and_then(|vm| f.message.strip_prefix(vm))
        .and_then(|rest| rest.strip_prefix(": "))
        .unwrap_or(&f.message)
}

/// Findings that say the same thing (severity, kind, message, remedy) of
/// different VMs, merged, in the order of their first appearance.
fn alike(findings: &[Finding]) -> Vec<(&Finding, Vec<&str>)> {
    let mut merged: Vec<(&Finding, Vec<&str>)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for f in findings {
        let key = (
            f.severity,
            f.kind,
            without_vm(f),
            f.remedy.as_str(),
            f.vm.is_some(),
        );
        if let Some(&at) = index.get(&key) {
            let (_, vms): &mut (&Finding, Vec<&str>) = &mut merged[at];
            vms.extend(f.vm.as_deref());
        } else {
            index.insert(key, merged.len());
            merged.push((f, f.vm.as_deref().into_iter().collect()));
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readiness::FindingKind;

    fn state(vm: &str, text: &str) -> Finding {
        Finding {
            severity: Severity::Blocker,
            kind: FindingKind::State,
            vm: Some(vm.into()),
            group: Some("app".into()),
            message: format!("{vm}: {text}"),
            remedy: "run `commit`".into(),
            details: serde_json::Value::Null,
        }
    }

    #[test]
    fn the_same_finding_of_many_vms_is_one_line_naming_them() {
        let mut findings: Vec<Finding> = (1..=10)
            .map(|i| state(&format!("app-{i:02}"), "it waits for commit"))
            .collect();
        findings.push(state("app-11", "a job runs on it"));
        let text = human(&Readiness::of(findings), Operation::Failover);
        assert!(
            text.starts_with("not ready for failover: 11 blockers, 0 warnings\n"),
            "{text}"
        );
        assert!(
            text.contains("  blocker [state] 10 VMs (app-01, app-02, app-03, app-04, app-05, app-06, app-07, app-08, and 2 more): it waits for commit\n"),
            "{text}"
        );
        assert!(
            text.contains("  blocker [state] app-11 (group app): a job runs on it\n"),
            "{text}"
        );
        assert_eq!(text.matches("remedy: run `commit`").count(), 2, "{text}");
    }

    #[test]
    fn nothing_found_says_so() {
        let text = human(&Readiness::of(Vec::new()), Operation::TestFailover);
        assert_eq!(
            text,
            "ready for test-failover: nothing found that would stop it\n"
        );
    }
}
