//! A plan across vaults as one [`Provider`]: one provider per vault of the
//! plan (in [`Plan::vaults`]' order, the plan's own first) in; a provider
//! that sends each VM's calls to its group's vault and merges what the
//! vaults answer out.
//!
//! - `machines`, `jobs`: the targets are split by vault, each vault asked
//!   for its own (all at once), the answers put back in the targets' order;
//!   jobs are merged newest first.
//! - `job`, `follow`: a job is its vault's. ASR's job ids hold their
//!   vault's ARM id; any other id is looked up where it was seen (started,
//!   listed), else asked of each vault in turn.
//! - `vault_health`: every vault's issues, each message saying which vault.
//! - Runbooks run through the plan's own vault.
//! - Readiness's subscription reads ([`Provider::inventory`]) go to the
//!   vault that holds what is asked (see `inventory`).
//!
//! `split` cuts a plan into the plan of each vault (the simulated vaults'
//! and the emulator's view) and names each simulated vault's state file.

mod inventory;
mod split;

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use futures_util::future::try_join_all;

use crate::graph::Operation;
use crate::plan::{Plan, Vault};
use crate::provider::{
    Inventory, Job, JobId, Machine, OperationOptions, Progress, Provider, ProviderError,
    RunbookOutcome, RunbookRequest, Target, VaultHealth,
};
use crate::target::Change;

pub use split::{VaultPart, parts, state_file, vault_name};

/// One vault of the estate.
pub struct Member {
    /// The vault.
    pub vault: Vault,
    /// Its label in messages (see [`VaultPart::label`]).
    pub label: String,
    /// Its provider.
    pub provider: Box<dyn Provider>,
}

/// The vaults of a plan as one provider (see the module docs).
pub struct EstateProvider {
    members: Vec<Member>,
    /// Group name → member.
    groups: HashMap<String, usize>,
    /// Job ids seen → member.
    seen: Mutex<HashMap<JobId, usize>>,
    /// Each member's groups' regions (primary and recovery).
    regions: Vec<Vec<String>>,
}

impl std::fmt::Debug for EstateProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EstateProvider")
            .field(
                "vaults",
                &self.members.iter().map(|m| &m.label).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl EstateProvider {
    /// The estate of `plan` over `members`, one per vault of
    /// [`Plan::vaults`], in that order (the plan's own first). A group
    /// whose vault has no member goes to the first.
    pub fn new(plan: &Plan, members: Vec<Member>) -> EstateProvider {
        let mut groups = HashMap::new();
        let mut regions = vec![Vec::new(); members.len()];
        for (id, g) in plan.groups.iter().enumerate() {
            let vault = plan.vault_of(id);
            let member = members.iter().position(|m| &m.vault == vault).unwrap_or(0);
            groups.insert(g.name.clone(), member);
            let (primary, recovery) = plan.regions_of(id);
            if let Some(r) = regions.get_mut(member) {
                r.extend([primary.to_owned(), recovery.to_owned()]);
            }
        }
        EstateProvider {
            members,
            groups,
            regions,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// The vaults, in the plan's order.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The member a VM's calls go to.
    fn member_of(&self, target: &Target) -> usize {
        self.groups.get(&target.group).copied().unwrap_or(0)
    }

    fn member(&self, index: usize) -> Result<&Member, ProviderError> {
        self.members
            .get(index)
            .ok_or_else(|| ProviderError::Service("a plan across vaults without vaults".into()))
    }

    fn remember(&self, id: &JobId, member: usize) {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone(), member);
    }

    /// The member a job belongs to, when it is known without asking.
    fn known_owner(&self, id: &JobId) -> Option<usize> {
        if let Some(m) = self
            .seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
        {
            return Some(*m);
        }
        // ASR's job ids are ARM ids below their vault's.
        let lower = id.0.to_ascii_lowercase();
        self.members.iter().position(|m| match &m.vault {
            Vault::Arm(vault) => {
                let vault = vault.trim_end_matches('/').to_ascii_lowercase();
                lower
                    .strip_prefix(&vault)
                    .is_some_and(|rest| rest.starts_with('/'))
            }
            Vault::Simulator => false,
        })
    }

    /// The member of a job: known, else the first vault that has it.
    async fn owner(&self, id: &JobId) -> Result<usize, ProviderError> {
        if let Some(m) = self.known_owner(id) {
            return Ok(m);
        }
        let mut failure = None;
        for (i, member) in self.members.iter().enumerate() {
            match member.provider.job(id).await {
                Ok(_) => {
                    self.remember(id, i);
                    return Ok(i);
                }
                Err(ProviderError::UnknownJob(_)) => {}
                Err(e) => failure = failure.or(Some(e)),
            }
        }
        Err(failure.unwrap_or_else(|| ProviderError::UnknownJob(id.clone())))
    }

    /// The targets of each member, with their places in `targets`.
    fn split(&self, targets: &[Target]) -> Vec<(Vec<usize>, Vec<Target>)> {
        let mut by: Vec<(Vec<usize>, Vec<Target>)> =
            self.members.iter().map(|_| Default::default()).collect();
        for (at, t) in targets.iter().enumerate() {
            if let Some((places, own)) = by.get_mut(self.member_of(t)) {
                places.push(at);
                own.push(t.clone());
            }
        }
        by
    }

    /// Asks every member about its own targets at once (a member with none
    /// is not asked), answers in member order.
    async fn ask_each<'a, T, F>(
        &'a self,
        split: &'a [(Vec<usize>, Vec<Target>)],
        ask: F,
    ) -> Result<Vec<Vec<T>>, ProviderError>
    where
        F: Fn(&'a dyn Provider, &'a [Target]) -> Asked<'a, T>,
    {
        try_join_all(self.members.iter().zip(split).map(|(m, (_, own))| async {
            if own.is_empty() {
                Ok(Vec::new())
            } else {
                ask(m.provider.as_ref(), own).await
            }
        }))
        .await
    }
}

/// A member's answer in flight, as the `Provider` trait's methods return it.
type Asked<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<T>, ProviderError>> + Send + 'a>>;

#[async_trait]
impl Provider for EstateProvider {
    fn describe(&self) -> String {
        let each: Vec<String> = self
            .members
            .iter()
            .map(|m| format!("{}: {}", m.label, m.provider.describe()))
            .collect();
        format!("{} vaults ({})", self.members.len(), each.join("; "))
    }

    fn limit_reads(&self, within: std::time::Duration) {
        for m in &self.members {
            m.provider.limit_reads(within);
        }
    }

    async fn machines(&self, targets: &[Target]) -> Result<Vec<Machine>, ProviderError> {
        let split = self.split(targets);
        let answers = self.ask_each(&split, |p, own| p.machines(own)).await?;
        let mut placed: Vec<(usize, Machine)> = split
            .into_iter()
            .zip(answers)
            .flat_map(|((places, _), machines)| places.into_iter().zip(machines))
            .collect();
        placed.sort_by_key(|(at, _)| *at);
        Ok(placed.into_iter().map(|(_, m)| m).collect())
    }

    async fn start(
        &self,
        target: &Target,
        operation: Operation,
        options: &OperationOptions,
    ) -> Result<JobId, ProviderError> {
        let i = self.member_of(target);
        let id = self
            .member(i)?
            .provider
            .start(target, operation, options)
            .await?;
        self.remember(&id, i);
        Ok(id)
    }

    async fn job(&self, id: &JobId) -> Result<Job, ProviderError> {
        let i = self.owner(id).await?;
        self.member(i)?.provider.job(id).await
    }

    async fn follow(
        &self,
        id: &JobId,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Job, ProviderError> {
        let i = self.owner(id).await?;
        self.member(i)?.provider.follow(id, progress).await
    }

    async fn jobs(&self, targets: &[Target]) -> Result<Vec<Job>, ProviderError> {
        let split = self.split(targets);
        let answers = self.ask_each(&split, |p, own| p.jobs(own)).await?;
        let mut all = Vec::new();
        for (i, jobs) in answers.into_iter().enumerate() {
            for job in &jobs {
                self.remember(&job.id, i);
            }
            all.extend(jobs);
        }
        // Each vault's list is newest first; so is the merge (stable, so
        // jobs started at the same instant keep their vault's order).
        all.sort_by_key(|j| std::cmp::Reverse(j.started));
        Ok(all)
    }

    async fn vault_health(&self) -> Result<VaultHealth, ProviderError> {
        let answers = try_join_all(self.members.iter().map(|m| m.provider.vault_health())).await?;
        let issues = self
            .members
            .iter()
            .zip(answers)
            .flat_map(|(m, health)| {
                health.issues.into_iter().map(move |mut issue| {
                    issue.message = format!("vault {}: {}", m.label, issue.message);
                    issue
                })
            })
            .collect();
        Ok(VaultHealth { issues })
    }

    fn needs_test_network(&self) -> bool {
        self.members.iter().any(|m| m.provider.needs_test_network())
    }

    async fn configure(&self, target: &Target, changes: &[Change]) -> Result<JobId, ProviderError> {
        let i = self.member_of(target);
        let id = self.member(i)?.provider.configure(target, changes).await?;
        self.remember(&id, i);
        Ok(id)
    }

    fn inventory(&self) -> &dyn Inventory {
        self
    }

    async fn recovery_points(
        &self,
        target: &Target,
    ) -> Result<Vec<crate::provider::RecoveryPointInfo>, ProviderError> {
        let i = self.member_of(target);
        self.member(i)?.provider.recovery_points(target).await
    }

    async fn shutdown(&self, target: &Target) -> Result<crate::provider::PowerOff, ProviderError> {
        let i = self.member_of(target);
        self.member(i)?.provider.shutdown(target).await
    }

    async fn run_runbook(
        &self,
        request: &RunbookRequest,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<RunbookOutcome, ProviderError> {
        self.member(0)?
            .provider
            .run_runbook(request, progress)
            .await
    }
}

#[cfg(test)]
mod tests;
