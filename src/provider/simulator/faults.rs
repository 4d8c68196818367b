//! Fault injection for the simulated vault: the text of
//! `<plan dir>/<plan-file-stem>.faults.json` and the checked plan in, a
//! validated [`Faults`] out (or a message naming the entry at fault and the
//! valid names). The simulator asks it which fault, if any, applies to a job
//! when the job starts, and which health issues and RPO to report.
//!
//! The format (every section and every field not marked required is optional;
//! unknown fields are errors, so typos are caught):
//!
//! ```json
//! {"operations": [
//!    {"vm": "app-02", "operation": "failover", "effect": "fail", "times": 1,
//!     "code": "...", "message": "...", "possible_causes": "...", "recommended_action": "..."},
//!    {"vm": "db-01", "operation": "reprotect", "effect": "hang"},
//!    {"vm": "web-01", "operation": "failover", "effect": "slow", "factor": 3},
//!    {"runbook": "Drain-AppServers", "effect": "fail", "message": "..."}],
//!  "health": [{"vm": "web-02", "health": "warning", "kind": "software_update",
//!              "code": "VersionExpiry", "message": "..."}],
//!  "vault": [{"kind": "subscription_quota", "severity": "warning", "code": "...", "message": "..."}],
//!  "rpo_s": {"web-02": 1200}}
//! ```
//!
//! - `operations`: `vm` (a plan VM) and `operation` (`failover`, `commit`,
//!   `reprotect`, `failback`, `test-failover`, `test-cleanup`, `configure`),
//!   or `runbook`
//!   (a runbook the plan runs); `effect` (required): `fail` (the job runs, then
//!   fails with an ASR-like error: `code`, `message`, `possible_causes`,
//!   `recommended_action`, each with a default), `hang` (the job never
//!   finishes; a runbook is stopped by Automation's 3-hour limit), `slow`
//!   (the job takes `factor` times as long; `factor` required); `times`: how
//!   many jobs the fault hits (default: every one). The count is kept in the
//!   vault state, so a retry after `times` failures succeeds.
//! - `health`: issues of one VM: `vm`, `health` (`warning` or `critical`),
//!   `kind` (`missing_configuration`, `missing_resource`,
//!   `subscription_quota`, `software_update`, `replication`), `code`,
//!   `message`, `possible_causes`, `recommended_action`.
//! - `vault`: issues of the vault itself: as `health` without `vm`, with
//!   `severity` for `health`.
//! - `rpo_s`: the RPO, in seconds, a replicating VM reports.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

use crate::graph::Operation;
use crate::plan::{HookAction, Plan};
use crate::provider::{Health, HealthIssue, IssueKind, JobError};
use crate::suggest::did_you_mean;

/// Validated faults to inject.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Faults of operations and runbooks, at most one per VM and operation or
    /// per runbook.
    pub operations: Vec<OperationFault>,
    /// Health issues of plan VMs.
    pub health: Vec<HealthFault>,
    /// Issues of the vault itself.
    pub vault: Vec<HealthIssue>,
    /// RPO in seconds by plan VM, for replicating VMs.
    pub rpo_s: BTreeMap<String, u64>,
}

/// What a fault acts on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FaultTarget {
    /// An operation on one plan VM.
    Vm {
        /// The plan VM.
        vm: String,
        /// The operation.
        operation: Operation,
    },
    /// An Automation runbook, by name.
    Runbook(String),
}

/// One fault of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationFault {
    /// What it acts on.
    pub target: FaultTarget,
    /// What it does.
    pub effect: Effect,
    /// How many jobs it hits; `None` means every one.
    pub times: Option<u32>,
}

/// What a fault does to a job.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// The job runs, then fails; unset texts get ASR-like defaults.
    Fail(FailureText),
    /// The job never finishes.
    Hang,
    /// The job takes this many times as long.
    Slow(f64),
}

/// The error a failing job reports; `None` fields get defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureText {
    /// ASR's error code.
    pub code: Option<String>,
    /// What went wrong.
    pub message: Option<String>,
    /// Why.
    pub possible_causes: Option<String>,
    /// What to do.
    pub recommended_action: Option<String>,
}

/// A health issue of one plan VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthFault {
    /// The plan VM.
    pub vm: String,
    /// The issue; its severity is the VM's health.
    pub issue: HealthIssue,
}

impl Faults {
    /// Parses and validates a fault file's text against the plan: VM and
    /// runbook names must be the plan's.
    pub fn parse(text: &str, plan: &Plan) -> Result<Faults, String> {
        let raw: RawFaults = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let vms: Vec<&str> = plan
            .groups
            .iter()
            .flat_map(|g| g.vms.iter().map(|v| v.name.as_str()))
            .collect();
        let runbooks: Vec<&str> = plan
            .groups
            .iter()
            .flat_map(|g| g.hooks.iter().flat_map(|b| b.hooks.iter()))
            .filter_map(|h| match &h.action {
                HookAction::Runbook { name, .. } => Some(name.as_str()),
                _ => None,
            })
            .collect();
        let known_vms: HashSet<&str> = vms.iter().copied().collect();
        let check_vm = |at: &str, vm: &str| {
            if known_vms.contains(vm) {
                Ok(())
            } else {
                Err(unknown("VM", at, vm, &vms))
            }
        };
        let mut faults = Faults::default();
        let mut seen = HashSet::new();
        for (i, raw) in raw.operations.into_iter().enumerate() {
            let at = format!("operations[{i}]");
            let fault = raw.validate(&at)?;
            match &fault.target {
                FaultTarget::Vm { vm, .. } => check_vm(&at, vm)?,
                FaultTarget::Runbook(name) if !runbooks.contains(&name.as_str()) => {
                    return Err(unknown("runbook", &at, name, &runbooks));
                }
                FaultTarget::Runbook(_) => {}
            }
            if !seen.insert(fault.target.clone()) {
                return Err(format!(
                    "{at}: a fault for the same {} is given earlier; merge the two entries",
                    match &fault.target {
                        FaultTarget::Vm { vm, operation } =>
                            format!("VM and operation ({vm} {operation})"),
                        FaultTarget::Runbook(name) => format!("runbook ({name})"),
                    }
                ));
            }
            faults.operations.push(fault);
        }
        for (i, raw) in raw.health.into_iter().enumerate() {
            let at = format!("health[{i}]");
            check_vm(&at, &raw.vm)?;
            if raw.health == Health::Healthy {
                return Err(format!(
                    "{at}: `health` of an issue is `warning` or `critical`; leave a healthy VM out"
                ));
            }
            faults.health.push(HealthFault {
                vm: raw.vm,
                issue: issue(
                    raw.kind,
                    raw.health,
                    RawIssueText {
                        code: raw.code,
                        message: raw.message,
                        possible_causes: raw.possible_causes,
                        recommended_action: raw.recommended_action,
                    },
                ),
            });
        }
        for raw in raw.vault {
            let text = RawIssueText {
                code: raw.code,
                message: raw.message,
                possible_causes: raw.possible_causes,
                recommended_action: raw.recommended_action,
            };
            faults.vault.push(issue(
                raw.kind,
                raw.severity.unwrap_or(Health::Warning),
                text,
            ));
        }
        for vm in raw.rpo_s.keys() {
            check_vm("rpo_s", vm)?;
        }
        faults.rpo_s = raw.rpo_s;
        Ok(faults)
    }

    /// The fault of `operation` on plan VM `vm`, if any.
    pub fn operation(&self, vm: &str, operation: Operation) -> Option<&OperationFault> {
        self.operations.iter().find(|f| {
            matches!(&f.target, FaultTarget::Vm { vm: v, operation: o } if v == vm && *o == operation)
        })
    }

    /// The fault of a runbook, if any.
    pub fn runbook(&self, name: &str) -> Option<&OperationFault> {
        self.operations
            .iter()
            .find(|f| matches!(&f.target, FaultTarget::Runbook(r) if r == name))
    }

    /// The health issues of plan VM `vm`.
    pub fn health(&self, vm: &str) -> impl Iterator<Item = &HealthIssue> + '_ {
        let vm = vm.to_owned();
        self.health
            .iter()
            .filter(move |h| h.vm == vm)
            .map(|h| &h.issue)
    }
}

/// The error a job failed by `text` reports, with ASR-like defaults.
pub(crate) fn failure(text: &FailureText, operation: Operation, vm: &str) -> JobError {
    let (what, cause, action) = match operation {
        Operation::Failover | Operation::Failback => (
            "Failover",
            "The replica virtual machine could not be started in the target region.",
            "Retry the failover. If it fails again, check the target region's capacity and the VM size's availability.",
        ),
        Operation::Configure => (
            "Update",
            "The item's target settings could not be updated.",
            "Check that the target resources exist, then retry the update (`drplan run configure`).",
        ),
        Operation::Commit => (
            "Commit",
            "The recovery point could not be committed.",
            "Retry the commit.",
        ),
        Operation::Reprotect => (
            "Reprotect",
            "The replication target could not be prepared in the other region.",
            "Check that the target resource group, network and storage exist, then retry the reprotect.",
        ),
        Operation::TestFailover => (
            "Test failover",
            "The test virtual machine could not be created in the test network.",
            "Check the test network, then retry the test failover.",
        ),
        Operation::TestCleanup => (
            "Test failover cleanup",
            "The test virtual machine could not be deleted.",
            "Retry the cleanup.",
        ),
    };
    JobError {
        code: Some(
            text.code
                .clone()
                .unwrap_or_else(|| "SimulatedFault".to_owned()),
        ),
        message: text
            .message
            .clone()
            .unwrap_or_else(|| format!("{what} failed for the virtual machine '{vm}'.")),
        possible_causes: Some(
            text.possible_causes.clone().unwrap_or_else(|| {
                format!("{cause} (Injected by the simulated vault's fault file.)")
            }),
        ),
        recommended_action: Some(
            text.recommended_action
                .clone()
                .unwrap_or_else(|| action.to_owned()),
        ),
    }
}

fn issue(kind: IssueKind, severity: Health, text: RawIssueText) -> HealthIssue {
    // spec: asr-model.md "The dashboard" names `VersionExpiry` for software
    // updates; the other default codes are ours.
    let (code, message) = match kind {
        IssueKind::MissingConfiguration => (
            "MissingConfiguration",
            "A setting the replicated item needs is not configured.",
        ),
        IssueKind::MissingResource => (
            "MissingResource",
            "A resource the replicated item needs does not exist.",
        ),
        IssueKind::SubscriptionQuota => (
            "SubscriptionQuotaExceeded",
            "A failover would exceed the subscription's quota in the recovery region.",
        ),
        IssueKind::SoftwareUpdate => (
            "VersionExpiry",
            "The Site Recovery extension is out of date.",
        ),
        IssueKind::Replication => ("ReplicationHealth", "Replication is lagging."),
    };
    HealthIssue {
        code: text.code.unwrap_or_else(|| code.to_owned()),
        kind,
        severity,
        message: text.message.unwrap_or_else(|| message.to_owned()),
        possible_causes: text.possible_causes,
        recommended_action: text.recommended_action,
    }
}

fn unknown(what: &str, at: &str, name: &str, valid: &[&str]) -> String {
    const SHOWN: usize = 12;
    let hint = did_you_mean(name, valid.iter().copied())
        .map(|h| format!(" ({h})"))
        .unwrap_or_default();
    if valid.is_empty() {
        return format!("{at}: unknown {what} `{name}`: the plan has no {what}s");
    }
    let mut list: Vec<String> = valid.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    if valid.len() > SHOWN {
        list.push(format!("and {} more", valid.len() - SHOWN));
    }
    format!(
        "{at}: unknown {what} `{name}`{hint}; the plan's {what}s are {}",
        list.join(", ")
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFaults {
    #[serde(default)]
    operations: Vec<RawOperation>,
    #[serde(default)]
    health: Vec<RawHealth>,
    #[serde(default)]
    vault: Vec<RawVault>,
    #[serde(default)]
    rpo_s: BTreeMap<String, u64>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum RawEffect {
    Fail,
    Hang,
    Slow,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOperation {
    vm: Option<String>,
    operation: Option<Operation>,
    runbook: Option<String>,
    effect: RawEffect,
    times: Option<u32>,
    factor: Option<f64>,
    code: Option<String>,
    message: Option<String>,
    possible_causes: Option<String>,
    recommended_action: Option<String>,
}

impl RawOperation {
    fn validate(self, at: &str) -> Result<OperationFault, String> {
        let target = match (self.vm, self.operation, self.runbook) {
            (Some(vm), Some(operation), None) => FaultTarget::Vm { vm, operation },
            (None, None, Some(runbook)) => FaultTarget::Runbook(runbook),
            _ => {
                return Err(format!(
                    "{at}: give `vm` and `operation`, or `runbook` alone, to say what the fault acts on"
                ));
            }
        };
        let has_text = self.code.is_some()
            || self.message.is_some()
            || self.possible_causes.is_some()
            || self.recommended_action.is_some();
        if self.effect != RawEffect::Fail && has_text {
            return Err(format!(
                "{at}: `code`, `message`, `possible_causes` and `recommended_action` apply only to `\"effect\": \"fail\"`"
            ));
        }
        if self.effect != RawEffect::Slow && self.factor.is_some() {
            return Err(format!(
                "{at}: `factor` applies only to `\"effect\": \"slow\"`"
            ));
        }
        if self.times == Some(0) {
            return Err(format!(
                "{at}: `times` is at least 1; leave it out to hit every job"
            ));
        }
        let effect = match self.effect {
            RawEffect::Fail => Effect::Fail(FailureText {
                code: self.code,
                message: self.message,
                possible_causes: self.possible_causes,
                recommended_action: self.recommended_action,
            }),
            RawEffect::Hang => Effect::Hang,
            RawEffect::Slow => match self.factor {
                Some(f) if f.is_finite() && f > 0.0 => Effect::Slow(f),
                Some(f) => {
                    return Err(format!(
                        "{at}: `factor` is a positive number of times as long, not {f}"
                    ));
                }
                None => {
                    return Err(format!(
                        "{at}: `\"effect\": \"slow\"` needs `factor`, how many times as long the job takes (e.g. 3)"
                    ));
                }
            },
        };
        Ok(OperationFault {
            target,
            effect,
            times: self.times,
        })
    }
}

struct RawIssueText {
    code: Option<String>,
    message: Option<String>,
    possible_causes: Option<String>,
    recommended_action: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHealth {
    vm: String,
    health: Health,
    kind: IssueKind,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    possible_causes: Option<String>,
    #[serde(default)]
    recommended_action: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVault {
    kind: IssueKind,
    #[serde(default)]
    severity: Option<Health>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    possible_causes: Option<String>,
    #[serde(default)]
    recommended_action: Option<String>,
}
