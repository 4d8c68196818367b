//! What readiness reports: a [`Finding`] per problem (its kind, severity,
//! VM and group, what is wrong with the numbers, what to do) and the
//! [`Readiness`] of a plan for an operation, in the JSON shape the CLI
//! prints under `"readiness"`.

use serde::Serialize;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The operation would fail: a run refuses (exit 3).
    Blocker,
    /// Worth knowing; a run refuses only with `--strict`.
    Warning,
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// The item's state and allowed operations do not permit the operation.
    State,
    /// Another ASR job is running on the item.
    JobInProgress,
    /// Replication health and its errors.
    Health,
    /// The item's RPO is over `objectives.rpo`.
    Rpo,
    /// A configuration issue the vault reports.
    Config,
    /// vCPU quota in the region the operation creates VMs in.
    Quota,
    /// The target size is not offered there, or restricted.
    Sku,
    /// A capacity reservation group has too few free instances.
    CapacityReservation,
    /// A target reference does not exist.
    MissingResource,
    /// A static IP is outside its subnet or taken.
    IpUnavailable,
    /// The vault's target settings differ from the plan's.
    Drift,
    /// An application VM is not in the plan, or not replicated.
    Coverage,
    /// A VM was not drilled within `objectives.drill`.
    DrillStale,
    /// A check could not run (a read failed, was throttled or refused).
    Unchecked,
    /// The run's selection (`--group`, `--vm`) splits a multi-VM
    /// consistency group.
    ConsistencyGroup,
    /// A VM has no recovery point the run's `--recovery-point before:` asks for.
    RecoveryPoint,
}

impl FindingKind {
    /// The kind as JSON and messages name it.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::State => "state",
            FindingKind::JobInProgress => "job_in_progress",
            FindingKind::Health => "health",
            FindingKind::Rpo => "rpo",
            FindingKind::Config => "config",
            FindingKind::Quota => "quota",
            FindingKind::Sku => "sku",
            FindingKind::CapacityReservation => "capacity_reservation",
            FindingKind::MissingResource => "missing_resource",
            FindingKind::IpUnavailable => "ip_unavailable",
            FindingKind::Drift => "drift",
            FindingKind::Coverage => "coverage",
            FindingKind::DrillStale => "drill_stale",
            FindingKind::Unchecked => "unchecked",
            FindingKind::ConsistencyGroup => "consistency_group",
            FindingKind::RecoveryPoint => "recovery_point",
        }
    }
}

/// One problem readiness found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Blocker or warning.
    pub severity: Severity,
    /// What it is about.
    pub kind: FindingKind,
    /// The plan VM it concerns; `None` for the plan as a whole.
    pub vm: Option<String>,
    /// The VM's group; `None` for the plan as a whole.
    pub group: Option<String>,
    /// What is wrong, naming the resource and the numbers.
    pub message: String,
    /// What to do.
    pub remedy: String,
    /// The facts behind the message, by kind (family, needed, free, region…).
    pub details: serde_json::Value,
}

/// Every finding of a plan for an operation, blockers first.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Readiness {
    /// No blocker.
    pub ready: bool,
    /// How many blockers.
    pub blockers: usize,
    /// How many warnings.
    pub warnings: usize,
    /// The findings, blockers first, then in plan order.
    pub findings: Vec<Finding>,
}

impl Readiness {
    /// The report of these findings, sorted blockers first (stable, so
    /// plan order is kept within a severity).
    pub fn of(mut findings: Vec<Finding>) -> Readiness {
        findings.sort_by_key(|f| f.severity);
        let blockers = findings
            .iter()
            .filter(|f| f.severity == Severity::Blocker)
            .count();
        Readiness {
            ready: blockers == 0,
            blockers,
            warnings: findings.len() - blockers,
            findings,
        }
    }

    /// Whether a run refuses: on a blocker, and with `strict` on a warning too.
    pub fn refuses(&self, strict: bool) -> bool {
        self.blockers > 0 || (strict && self.warnings > 0)
    }
}
