//! A recovery plan's group action in; the drplan hook it becomes (with the
//! phases it runs in) and what of it could not be carried over, out.
//!
//! - Runbook → `runbook "<name>" { account "<Automation account id>" }`,
//!   with its timeout when ASR's reads as a duration.
//! - Manual → `manual "<description>"`.
//! - Script (runs on a VMM server or `VMware` configuration server, which
//!   drplan has no way to reach) and kinds drplan does not know → a
//!   `manual` step that says what to do, with a comment.
//! - Failover types and directions → phases: a planned or unplanned
//!   failover from the primary is `failover`, back from recovery
//!   `failback`; a test failover is `test`; commit, reverse replicate and
//!   test failover cleanup are `commit`, `reprotect` and `test_cleanup`.

use super::draft::Hook;
use crate::interop::asr::{
    ActionDetails, ActionLocation, Direction, FailoverType, RecoveryPlanAction,
};
use crate::plan::Phase;

/// What an action became.
#[derive(Debug)]
pub(super) struct Converted {
    /// The phases it runs in; empty when it runs in none drplan has.
    pub(super) phases: Vec<Phase>,
    /// The hook.
    pub(super) hook: Hook,
    /// What could not be carried over.
    pub(super) losses: Vec<String>,
}

/// Converts `action`; `place` says where it stood in ASR ("before boot
/// group 2"), for comments and losses.
pub(super) fn convert(action: &RecoveryPlanAction, place: &str) -> Converted {
    let name = action.action_name.trim();
    let (phases, mut losses) = phases(action);
    let mut comments = vec![format!("ASR action \"{}\" ({place})", one_line(name))];
    let statement = match &action.custom_details {
        ActionDetails::Runbook {
            runbook_id,
            timeout,
            ..
        } => {
            if let Some((account, runbook)) = runbook_id.as_deref().and_then(split_runbook_id) {
                let timeout = timeout_setting(timeout.as_deref(), name, &mut losses);
                format!(
                    "runbook {}{timeout} {{ account {} }}",
                    quoted(&runbook),
                    quoted(&account)
                )
            } else {
                let id = runbook_id.as_deref().unwrap_or("");
                losses.push(format!(
                    "action \"{name}\": the runbook id `{id}` names no Automation runbook; it is a manual step"
                ));
                comments.push(format!("runbook id `{id}` is not a runbook's ARM id"));
                manual(&format!("Run the runbook of ASR action \"{name}\" ({id})"))
            }
        }
        ActionDetails::Manual { description } => {
            let text = description
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .unwrap_or(name);
            manual(text)
        }
        ActionDetails::Script {
            path,
            timeout,
            fabric_location,
        } => {
            let path = path.as_deref().unwrap_or("");
            let site = match fabric_location {
                Some(ActionLocation::Recovery) => "recovery",
                _ => "primary",
            };
            comments.push(
                "a script action runs on a VMM server or VMware configuration server, which \
                 drplan cannot reach: a manual step here"
                    .into(),
            );
            losses.push(format!(
                "action \"{name}\": script `{path}` (VMM/VMware sites only) became a manual step"
            ));
            if let Some(t) = timeout.as_deref().filter(|t| !t.trim().is_empty()) {
                losses.push(format!("action \"{name}\": the script's timeout `{t}`"));
            }
            manual(&format!(
                "Run the script {path} on the {site} site's VMM or configuration server (ASR script action \"{name}\")"
            ))
        }
        ActionDetails::Unknown => {
            losses.push(format!(
                "action \"{name}\": a kind of action drplan does not know; it is a manual step"
            ));
            comments.push("an action of a kind drplan does not know".into());
            manual(&format!("Carry out ASR action \"{name}\" by hand"))
        }
    };
    Converted {
        phases,
        hook: Hook {
            comments,
            statement,
        },
        losses,
    }
}

/// The phases of an action, and the failover types and directions that
/// have no phase.
fn phases(action: &RecoveryPlanAction) -> (Vec<Phase>, Vec<String>) {
    let name = action.action_name.trim();
    let directions = &action.failover_directions;
    // The specification requires directions; a plan without them ran its
    // actions primary to recovery.
    let forward = directions.is_empty() || directions.contains(&Direction::PrimaryToRecovery);
    let back = directions.contains(&Direction::RecoveryToPrimary);
    let mut phases = Vec::new();
    let mut losses = Vec::new();
    let types = &action.failover_types;
    let failovers = [
        FailoverType::PlannedFailover,
        FailoverType::UnplannedFailover,
    ];
    let any_failover = types.iter().any(|t| failovers.contains(t));
    if any_failover && forward {
        phases.push(Phase::Failover);
    }
    if any_failover && back {
        phases.push(Phase::Failback);
    }
    if any_failover && !failovers.iter().all(|f| types.contains(f)) {
        losses.push(format!(
            "action \"{name}\" ran only in {} failovers in ASR; drplan's phases do not tell planned from unplanned",
            if types.contains(&FailoverType::PlannedFailover) { "planned" } else { "unplanned" }
        ));
    }
    for t in types {
        match t {
            FailoverType::PlannedFailover | FailoverType::UnplannedFailover => {}
            FailoverType::TestFailover => {
                if forward {
                    phases.push(Phase::Test);
                } else {
                    losses.push(format!(
                        "action \"{name}\": test failover from the recovery site (drplan tests from the primary)"
                    ));
                }
            }
            FailoverType::Commit => phases.push(Phase::Commit),
            FailoverType::ReverseReplicate => phases.push(Phase::Reprotect),
            FailoverType::TestFailoverCleanup => phases.push(Phase::TestCleanup),
            other => losses.push(format!(
                "action \"{name}\": failover type {other} (drplan has no such phase)"
            )),
        }
    }
    phases.sort();
    phases.dedup();
    (phases, losses)
}

/// `(account id, runbook name)` of a runbook's ARM id
/// (`…/automationAccounts/{account}/runbooks/{name}`).
fn split_runbook_id(id: &str) -> Option<(String, String)> {
    let id = id.trim().trim_end_matches('/');
    let (account, name) = id.rsplit_once('/')?;
    let account = account.strip_suffix("/runbooks").or_else(|| {
        account
            .rsplit_once('/')
            .filter(|(_, seg)| seg.eq_ignore_ascii_case("runbooks"))
            .map(|(a, _)| a)
    })?;
    let is_account = account
        .rsplit('/')
        .nth(1)
        .is_some_and(|seg| seg.eq_ignore_ascii_case("automationAccounts"));
    (is_account && !name.is_empty()).then(|| {
        let account = if account.starts_with('/') {
            account.to_owned()
        } else {
            format!("/{account}")
        };
        (account, name.to_owned())
    })
}

/// ` timeout <d>` for ASR's timeout (ISO 8601 `PT1H30M`, or seconds), or
/// nothing; an unreadable one is a loss.
fn timeout_setting(timeout: Option<&str>, name: &str, losses: &mut Vec<String>) -> String {
    let Some(text) = timeout.map(str::trim).filter(|t| !t.is_empty()) else {
        return String::new();
    };
    if let Some(s) = seconds(text).filter(|s| *s > 0) {
        format!(" timeout {}", crate::duration::Duration::from_secs(s))
    } else {
        losses.push(format!(
            "action \"{name}\": timeout `{text}` (not a duration drplan reads)"
        ));
        String::new()
    }
}

/// Seconds of `3600` or of an ISO 8601 duration without years or months
/// (`PT1H30M`, `P1DT2H`, `PT45.5S` rounded down).
fn seconds(text: &str) -> Option<u64> {
    if let Ok(s) = text.parse::<u64>() {
        return Some(s);
    }
    let rest = text.strip_prefix(['P', 'p'])?;
    let mut total: u64 = 0;
    let mut number = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            'T' if number.is_empty() && !in_time => in_time = true,
            d if d.is_ascii_digit() || d == '.' => number.push(d),
            unit => {
                let whole = number.split('.').next()?.parse::<u64>().ok()?;
                let size = match (unit, in_time) {
                    ('W', false) => 7 * 86_400,
                    ('D', false) => 86_400,
                    ('H', true) => 3_600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return None,
                };
                total = total.checked_add(whole.checked_mul(size)?)?;
                number.clear();
                any = true;
            }
        }
    }
    (any && number.is_empty()).then_some(total)
}

fn manual(text: &str) -> String {
    format!("manual {}", quoted(text))
}

fn quoted(text: &str) -> String {
    crate::lsp::rename::quoted(text)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_read_as_iso_8601_or_seconds() {
        assert_eq!(seconds("PT1H30M"), Some(5400));
        assert_eq!(seconds("P1DT2H"), Some(93_600));
        assert_eq!(seconds("PT45.5S"), Some(45));
        assert_eq!(seconds("600"), Some(600));
        assert_eq!(seconds("P1M"), None);
        assert_eq!(seconds("PT"), None);
        assert_eq!(seconds("soon"), None);
    }

    #[test]
    fn runbook_ids_split_into_account_and_name() {
        let account = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Automation/automationAccounts/aa";
        assert_eq!(
            split_runbook_id(&format!("{account}/runbooks/Drain")),
            Some((account.to_owned(), "Drain".to_owned()))
        );
        assert_eq!(split_runbook_id("/subscriptions/s/runbooks/Drain"), None);
        assert_eq!(split_runbook_id("Drain"), None);
    }
}
