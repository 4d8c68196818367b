//! Where VM operations happen: the [`Provider`] seam between the executor and
//! a vault. A provider reads machine state, starts an operation on one
//! machine and follows its job to the end, lists jobs, reads vault health and
//! runs Automation runbooks. The simulator (`vault simulator`, `--simulate`)
//! and the Azure client implement it; nothing provider-specific leaks out.
//!
//! Readiness is decided from [`Machine::allowed`] and
//! [`Machine::active_location`], never from the free-text protection state
//! (spec: asr-model.md "Item states").

pub mod azure;
mod error;
pub mod estate;
pub mod inventory;
mod job;
mod point;
pub mod simulator;
mod stage;

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::graph::Operation;
pub use crate::plan::RecoveryPoint;
use crate::target::{Change, TargetSettings};

pub use error::ProviderError;
pub use inventory::Inventory;
pub use job::{Job, JobError, JobId, JobState, Progress};
pub use point::{RecoveryPointInfo, latest_before, parse_instant};
pub use stage::{Stage, operations_allowed};

/// A plan VM as a provider needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The VM's name in the plan.
    pub vm: String,
    /// The replicated item's name (the plan's `item`, else the VM's name).
    pub item: String,
    /// The plan group it belongs to.
    pub group: String,
}

impl Target {
    /// A plan VM of group `group`: its item is the plan's `item`, else its name.
    pub fn of(group: &str, vm: &crate::plan::Vm) -> Target {
        Target {
            vm: vm.name.clone(),
            item: vm.item.clone().unwrap_or_else(|| vm.name.clone()),
            group: group.to_string(),
        }
    }

    /// Every VM of the plan, in plan order.
    pub fn all(plan: &crate::plan::Plan) -> Vec<Target> {
        plan.groups
            .iter()
            .flat_map(|g| g.vms.iter().map(|vm| Target::of(&g.name, vm)))
            .collect()
    }
}

/// Which region a machine is active in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    /// The `primary` region of the machine's group (its own, else the plan's).
    Primary,
    /// The `recovery` region of the machine's group (its own, else the plan's).
    Recovery,
}

impl Location {
    /// The other region.
    #[must_use]
    pub fn other(self) -> Location {
        match self {
            Location::Primary => Location::Recovery,
            Location::Recovery => Location::Primary,
        }
    }
}

/// ASR's `allowedOperations` values, by their ASR names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AsrOperation {
    /// `UnplannedFailover`: failover (or failback) from the active side.
    UnplannedFailover,
    /// `PlannedFailover` (not for Azure-to-Azure items).
    PlannedFailover,
    /// `TestFailover`.
    TestFailover,
    /// `TestFailoverCleanup`.
    TestFailoverCleanup,
    /// `Commit`: commit a failover.
    Commit,
    /// `ChangePit`: pick another recovery point before commit.
    ChangePit,
    /// `ReverseReplicate`: reprotect.
    ReverseReplicate,
    /// `DisableProtection`.
    DisableProtection,
}

impl AsrOperation {
    /// ASR's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AsrOperation::UnplannedFailover => "UnplannedFailover",
            AsrOperation::PlannedFailover => "PlannedFailover",
            AsrOperation::TestFailover => "TestFailover",
            AsrOperation::TestFailoverCleanup => "TestFailoverCleanup",
            AsrOperation::Commit => "Commit",
            AsrOperation::ChangePit => "ChangePit",
            AsrOperation::ReverseReplicate => "ReverseReplicate",
            AsrOperation::DisableProtection => "DisableProtection",
        }
    }
}

impl fmt::Display for AsrOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Replication health (ASR's `Normal`, `Warning`, `Critical`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// `Normal`.
    Healthy,
    /// `Warning`.
    Warning,
    /// `Critical`.
    Critical,
}

/// The dashboard's kinds of health issue (spec: asr-model.md "The dashboard").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// A configuration the item needs is missing.
    MissingConfiguration,
    /// A resource the item needs is missing.
    MissingResource,
    /// A subscription quota would be exceeded.
    SubscriptionQuota,
    /// The mobility agent or extension needs an update.
    SoftwareUpdate,
    /// Anything else (replication lag, agent health, …).
    Replication,
}

/// One health error of a machine or the vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthIssue {
    /// ASR's error code.
    pub code: String,
    /// The dashboard kind.
    pub kind: IssueKind,
    /// How bad it is.
    pub severity: Health,
    /// What is wrong.
    pub message: String,
    /// Why it may be so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub possible_causes: Option<String>,
    /// What to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommended_action: Option<String>,
}

/// What a provider knows about one machine now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// The plan VM.
    pub vm: String,
    /// The replicated item.
    pub item: String,
    /// ASR's `protectionState`, for display only.
    pub protection_state: String,
    /// Where the machine runs.
    pub active_location: Location,
    /// The side replication copies from, when the machine is protected.
    pub replicating_from: Option<Location>,
    /// ASR's `allowedOperations`.
    pub allowed: Vec<AsrOperation>,
    /// Replication health.
    pub health: Health,
    /// Why the health is what it is.
    pub issues: Vec<HealthIssue>,
    /// The current recovery point objective, in seconds, when replicating.
    pub rpo_s: Option<u64>,
    /// When a test failover last succeeded (set at its cleanup).
    pub last_test_failover: Option<Timestamp>,
    /// The job of the operation in progress (`currentScenario.jobId`).
    pub current_job: Option<JobId>,
    /// The vault's target settings: where a failover would bring it up.
    pub target: TargetSettings,
    /// The protected VM's ARM id in the primary region (A2A
    /// `fabricObjectId`), when the vault says.
    pub source_vm: Option<String>,
    /// The multi-VM consistency group the item shares recovery points with
    /// (A2A `multiVmGroupName`), when it is in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consistency_group: Option<String>,
}

impl Machine {
    /// Whether ASR allows `op` now.
    pub fn allows(&self, op: AsrOperation) -> bool {
        self.allowed.contains(&op)
    }

    /// The allowed operations as ASR names them, for messages (`none` if none).
    pub fn allowed_text(&self) -> String {
        if self.allowed.is_empty() {
            return "none".to_string();
        }
        self.allowed
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What an operation needs from ASR: the allowed operation, and the side
/// the machine must be active on (failover from primary, failback from
/// recovery; spec: asr-model.md "Item states").
///
/// `configure` changes the settings a failover will use, so it needs what a
/// failover needs: the item protected, idle and running in the primary
/// region. ASR lists no operation for an update; in a pending (test)
/// failover, a committed one, or replicating back from the recovery region
/// (where the settings describe the way back), it is refused.
pub fn requirement(op: Operation) -> (AsrOperation, Option<Location>) {
    match op {
        Operation::Failover | Operation::Configure => {
            (AsrOperation::UnplannedFailover, Some(Location::Primary))
        }
        Operation::Failback => (AsrOperation::UnplannedFailover, Some(Location::Recovery)),
        Operation::Commit => (AsrOperation::Commit, None),
        Operation::Reprotect => (AsrOperation::ReverseReplicate, None),
        Operation::TestFailover => (AsrOperation::TestFailover, None),
        Operation::TestCleanup => (AsrOperation::TestFailoverCleanup, None),
    }
}

/// Options of an operation, from the plan and the command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationOptions {
    /// The recovery point of a failover.
    pub recovery_point: RecoveryPoint,
    /// Shut the source down first (`false` for `--unplanned`).
    pub shutdown_source: bool,
    /// The isolated network of a test failover.
    pub test_network: Option<String>,
    /// The recovery point chosen for each VM (`--recovery-point before:`),
    /// by plan VM: its id as [`Provider::recovery_points`] listed it. A VM
    /// listed here fails over to this point, whatever `recovery_point` says.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub points: BTreeMap<String, String>,
}

impl Default for OperationOptions {
    /// The plan language's defaults: latest processed point, source shut down, no test network.
    fn default() -> Self {
        Self {
            recovery_point: RecoveryPoint::LatestProcessed,
            shutdown_source: true,
            test_network: None,
            points: BTreeMap::new(),
        }
    }
}

/// Vault-level health (`replicationVaultHealth`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultHealth {
    /// Issues of the vault itself (not of one machine).
    pub issues: Vec<HealthIssue>,
}

/// An Automation runbook job to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunbookRequest {
    /// The Automation account's ARM id.
    pub account: String,
    /// The runbook's name.
    pub runbook: String,
    /// Parameters, already resolved (secrets included: never log this).
    pub params: BTreeMap<String, String>,
}

/// How a runbook job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunbookOutcome {
    /// The Automation job's name.
    pub job: String,
    /// Whether it completed.
    pub succeeded: bool,
    /// Its final status (`Completed`, `Failed`, `Stopped`, `Suspended`).
    pub status: String,
    /// Why it failed, when it did.
    pub exception: Option<String>,
    /// The tail of its output and error streams.
    pub output_tail: String,
}

/// The operations drplan needs from a vault.
#[async_trait]
pub trait Provider: Send + Sync {
    /// What this provider talks to, for messages ("simulated vault in …").
    fn describe(&self) -> String;

    /// Bounds the reads that follow for someone waiting at a display
    /// (`drplan status`, `drplan jobs`): from now on, a read that keeps
    /// failing gives up once `within` has passed, retries and tries in
    /// flight included, with [`ProviderError::Unanswered`], rather than
    /// riding out a long outage as a run's reads do. Operations are not
    /// affected. A provider that never waits (the simulated vault) ignores it.
    fn limit_reads(&self, within: std::time::Duration) {
        let _ = within;
    }

    /// The current state of each target, in order.
    async fn machines(&self, targets: &[Target]) -> Result<Vec<Machine>, ProviderError>;

    /// Starts `operation` on one machine and returns its job at once. Refuses
    /// (`NotAllowed`) when the machine's allowed operations do not include it.
    async fn start(
        &self,
        target: &Target,
        operation: Operation,
        options: &OperationOptions,
    ) -> Result<JobId, ProviderError>;

    /// A job as it is now.
    async fn job(&self, id: &JobId) -> Result<Job, ProviderError>;

    /// Follows a job until it reaches a terminal state, reporting progress,
    /// and returns it. Cancelling the future stops following, not the job.
    async fn follow(
        &self,
        id: &JobId,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Job, ProviderError>;

    /// The jobs of these machines, newest first.
    async fn jobs(&self, targets: &[Target]) -> Result<Vec<Job>, ProviderError>;

    /// The vault's own health.
    async fn vault_health(&self) -> Result<VaultHealth, ProviderError>;

    /// Whether a test failover needs the plan's isolated network: ASR's does;
    /// the simulated vault accepts a plan without one.
    fn needs_test_network(&self) -> bool {
        false
    }

    /// Sends one update of an item's target settings with exactly `changes`
    /// (ASR's `ReplicationProtectedItems_Update`) and returns its job at
    /// once. Refuses (`NotAllowed`) when the item is not protected and idle
    /// in the primary region (see [`requirement`]). Never disables or
    /// re-enables replication.
    /// A provider that cannot update items (test doubles) refuses.
    async fn configure(&self, target: &Target, changes: &[Change]) -> Result<JobId, ProviderError> {
        let _ = changes;
        Err(ProviderError::NotAllowed {
            vm: target.vm.clone(),
            operation: Operation::Configure,
            reason: format!("{} cannot update target settings", self.describe()),
        })
    }

    /// The subscription beside the vault (quota, SKUs, reservations,
    /// networks, VMs), for readiness. A provider without one (test doubles)
    /// answers every read with an error, which readiness reports as a check
    /// that could not run.
    fn inventory(&self) -> &dyn Inventory {
        &inventory::NONE
    }

    /// The recovery points a failover of `target` could use now, newest
    /// first (ASR's `RecoveryPoints_ListByReplicationProtectedItems`). A
    /// provider that cannot list them (test doubles) refuses.
    async fn recovery_points(
        &self,
        target: &Target,
    ) -> Result<Vec<RecoveryPointInfo>, ProviderError> {
        Err(ProviderError::Service(format!(
            "{}: {} cannot list recovery points",
            target.vm,
            self.describe()
        )))
    }

    /// Runs an Automation runbook job to its end.
    async fn run_runbook(
        &self,
        request: &RunbookRequest,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<RunbookOutcome, ProviderError>;

    /// Powers off the VM `target` runs as now, in the region it is active
    /// in (the recovery region, before a `failback { order
    /// shutdown_reversed }`), and returns once it is off. Reads its power
    /// state first: a VM already stopped is left alone
    /// ([`PowerOff::AlreadyStopped`]), so a retried or resumed shutdown
    /// never acts twice. Refuses (`NotAllowed`) a machine that is not idle
    /// and active in the recovery region. A provider that cannot power VMs
    /// off (test doubles) refuses.
    async fn shutdown(&self, target: &Target) -> Result<PowerOff, ProviderError> {
        Err(ProviderError::NotAllowed {
            vm: target.vm.clone(),
            operation: Operation::Failback,
            reason: format!("{} cannot shut VMs down", self.describe()),
        })
    }
}

/// How [`Provider::shutdown`] left a VM: off either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerOff {
    /// It was running and is now stopped.
    Stopped,
    /// It was stopped already; nothing was sent.
    AlreadyStopped,
}
