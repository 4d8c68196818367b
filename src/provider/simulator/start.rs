//! What starting a job on a simulated item checks and records, and how an
//! item reads: a target, an operation (with a configure's changes) and the
//! world in; a refusal (the item's state does not allow it), or a job
//! recorded in the vault that will succeed, hang or fail — by an injected
//! fault, or because the VM it creates does not fit the world as it is at
//! the start (the job fails, not the call, as ASR's does).

use super::disk;
use super::faults::{self, Effect};
use super::jobs::{self, JobRecord, job_name};
use super::store::Vault;
use super::tally::placement;
use super::world::{Creation, World, creation_error};
use super::{Simulator, state};
use crate::clock::Timestamp;
use crate::graph::Operation;
use crate::plan::estimates;
use crate::provider::{Health, JobId, Location, Machine, OperationOptions, ProviderError, Target};
use crate::target::Change;

/// A job to start.
pub(super) struct Start<'a> {
    pub(super) target: &'a Target,
    pub(super) operation: Operation,
    pub(super) options: &'a OperationOptions,
    /// A configure's changes (empty for other operations).
    pub(super) changes: &'a [Change],
}

impl Simulator {
    /// A plan VM's item as ASR shows it now.
    pub(super) fn machine(
        &self,
        vault: &Vault,
        world: &World,
        target: &Target,
    ) -> Result<Machine, ProviderError> {
        let Some(item) = vault.item(&target.item) else {
            return Err(ProviderError::UnknownMachine {
                vm: target.vm.clone(),
                item: target.item.clone(),
            });
        };
        let running = item
            .current_job
            .as_ref()
            .and_then(|id| vault.job(id))
            .map(|job| job.operation);
        let issues: Vec<_> = self.faults.health(&target.vm).cloned().collect();
        let replicating_from = state::replicating_from(item.state);
        // The world file may date the last drill; a later one in the vault wins.
        let drilled = world
            .item_edits()
            .get(&target.item)
            .and_then(|e| e.last_test_failover);
        Ok(Machine {
            vm: target.vm.clone(),
            item: target.item.clone(),
            protection_state: state::protection_state(item.state, running).to_owned(),
            active_location: item.state.active,
            replicating_from,
            allowed: state::allowed(item.state, running),
            health: issues
                .iter()
                .map(|i| i.severity)
                .max()
                .unwrap_or(Health::Healthy),
            issues,
            rpo_s: replicating_from.map(|_| {
                self.faults
                    .rpo_s
                    .get(&target.vm)
                    // A healthy item's RPO: under a minute or two, fixed per VM.
                    .map_or_else(|| 30 + jobs::fnv1a(&target.vm) % 61, |rpo| *rpo)
            }),
            last_test_failover: item.last_test_failover.max(drilled),
            current_job: item.current_job.clone(),
            target: item.target.clone(),
            source_vm: item.source.as_ref().map(|s| s.id.clone()),
            consistency_group: world
                .item_edits()
                .get(&target.item)
                .and_then(|e| e.consistency_group.clone()),
        })
    }

    /// A fresh job id from `vault`, or the error that its counter ran out.
    pub(super) fn job_id(&self, vault: &mut Vault) -> Result<String, ProviderError> {
        vault
            .next_id()
            .map_err(|e| disk::bad_state_at(self.path.as_deref(), &e))
    }

    pub(super) fn start_job(
        &self,
        vault: &mut Vault,
        world: &World,
        now: Timestamp,
        start: &Start<'_>,
    ) -> Result<JobId, ProviderError> {
        let Start {
            target,
            operation,
            options,
            changes,
        } = *start;
        let not_allowed = |reason| ProviderError::NotAllowed {
            vm: target.vm.clone(),
            operation,
            reason,
        };
        let Some(item) = vault.item(&target.item) else {
            return Err(ProviderError::UnknownMachine {
                vm: target.vm.clone(),
                item: target.item.clone(),
            });
        };
        if let Some(running) = &item.current_job {
            let name = vault.job(running).map_or("a", |j| job_name(j.operation));
            return Err(not_allowed(format!(
                "{name} job {running} is in progress; allowed operations: none until it ends"
            )));
        }
        state::check(item.state, operation).map_err(not_allowed)?;
        let hits = item.fault_hits.get(&operation).copied().unwrap_or(0);
        // Where the VM this job creates comes up, if it creates one.
        let creates = match operation {
            Operation::Failover => placement(item, Location::Recovery),
            Operation::Failback => placement(item, Location::Primary),
            Operation::TestFailover => placement(item, item.state.active.other()),
            _ => None,
        };
        let settings =
            (operation == Operation::Configure).then(|| item.target.clone().with(changes));
        let unfit = creates.as_ref().and_then(|p| {
            creation_error(
                world,
                vault.tally(),
                &Creation {
                    vm: &target.vm,
                    operation,
                    placement: p,
                    target: &item.target,
                    test_network: options.test_network.as_deref(),
                },
            )
        });
        // The id first: a vault that cannot name the job changes nothing.
        let id = JobId(self.job_id(vault)?);
        let fault = self
            .faults
            .operation(&target.vm, operation)
            .filter(|f| f.times.is_none_or(|t| hits < t));
        if fault.is_some() {
            vault.hit_fault(&target.item, operation);
        }
        let estimate = self
            .estimates
            .get(&target.item)
            .copied()
            .unwrap_or(estimates::VM_FAILOVER.to_std());
        let nominal = jobs::nominal_duration(operation, &target.vm, estimate);
        let factor = match fault.map(|f| &f.effect) {
            Some(Effect::Slow(factor)) => *factor,
            _ => 1.0,
        };
        let error = match fault.map(|f| &f.effect) {
            Some(Effect::Fail(text)) => Some(faults::failure(text, operation, &target.vm)),
            _ => unfit,
        };
        vault.push_job(JobRecord {
            id: id.clone(),
            operation,
            vm: target.vm.clone(),
            item: target.item.clone(),
            started: jobs::whole_ms(now),
            duration_ms: jobs::scaled_ms(nominal, factor, self.speed),
            shutdown_source: options.shutdown_source,
            hang: matches!(fault.map(|f| &f.effect), Some(Effect::Hang)),
            // A job bound to fail creates nothing that lasts.
            creates: if error.is_none() { creates } else { None },
            target: settings,
            error,
            applied: false,
        });
        tracing::debug!(vm = %target.vm, %operation, job = %id, "simulated job started");
        Ok(id)
    }
}
