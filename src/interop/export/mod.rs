//! `drplan export`: a checked plan, its failover step graph (estimates as
//! the dry run has them) and the ARM ids of its items in; the closest native
//! ASR recovery plan (a `CreateRecoveryPlanInput`), rendered as the REST
//! body, an ARM template or Bicep, and a report of everything lost out.
//!
//! - `lower`: the step graph as at most seven boot groups in sequence, and
//!   the ordering constraints that loses.
//! - `actions`: `runbook` and `manual` hooks as start and end actions; the
//!   other hooks, and phases ASR has no place for, as losses.
//! - `ids`: where the items' and fabrics' ARM ids come from: the vault
//!   (read by the caller) or a documented convention (offline).
//! - `render`: JSON, ARM template, Bicep.
//!
//! ASR's JSON shapes are `interop::asr`'s, the ones `drplan import` reads.

pub mod actions;
pub mod ids;
pub mod lower;
pub mod render;

use std::collections::HashSet;

use serde::Serialize;

use crate::duration::Duration;
use crate::graph::StepGraph;
use crate::interop::asr::{
    CreateRecoveryPlanInput, CreateRecoveryPlanInputProperties, GroupType, ProviderSpecificDetails,
    RecoveryPlanGroup,
};
use crate::plan::Plan;

pub use actions::LostHook;
pub use ids::{ItemIds, ItemsFrom};
pub use lower::{BootGroup, LostBecause, LostOrder, Lowering, MAX_BOOT_GROUPS, lower};

/// A plan group whose `parallelism` ASR cannot keep: it starts a boot
/// group's VMs together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LostParallelism {
    /// The group.
    pub group: String,
    /// Its parallelism.
    pub parallelism: u32,
    /// Its VMs.
    pub vms: usize,
}

/// The export of a plan: the body and what it loses.
#[derive(Debug, Clone)]
pub struct Export {
    /// The recovery plan's name.
    pub name: String,
    /// The body.
    pub body: CreateRecoveryPlanInput,
    /// The lowering it comes from.
    pub lowering: Lowering,
    /// Hooks (or their phases) not carried.
    pub lost_hooks: Vec<LostHook>,
    /// Parallelism not carried.
    pub lost_parallelism: Vec<LostParallelism>,
}

/// Exports `plan` as recovery plan `name`, with `graph`'s estimates (its
/// failover step graph) and the ids in `ids`.
pub fn export(plan: &Plan, graph: &StepGraph, ids: &ItemIds, name: &str) -> Export {
    let lowering = lower(plan, graph);
    let mut used = HashSet::new();
    let mut unique = |wanted: String| {
        let mut candidate = wanted.clone();
        let mut n = 2;
        while !used.insert(candidate.clone()) {
            candidate = format!("{wanted} ({n})");
            n += 1;
        }
        candidate
    };
    let mut lost_hooks = Vec::new();
    let mut groups = vec![
        RecoveryPlanGroup::empty(GroupType::Shutdown),
        RecoveryPlanGroup::empty(GroupType::Failover),
    ];
    for boot in &lowering.boot_groups {
        let mut out = RecoveryPlanGroup::empty(GroupType::Boot);
        for &g in &boot.groups {
            let Some(group) = plan.groups.get(g) else {
                continue;
            };
            out.replication_protected_items
                .extend(ids.items.get(g).into_iter().flatten().cloned());
            for block in &group.hooks {
                let made = actions::of_block(group, block, &mut unique);
                lost_hooks.extend(made.lost);
                match block.when {
                    crate::plan::When::Before => out.start_group_actions.extend(made.actions),
                    _ => out.end_group_actions.extend(made.actions),
                }
            }
        }
        groups.push(out);
    }
    lost_hooks.extend(actions::of_plan(plan));
    let lost_parallelism = plan
        .groups
        .iter()
        .filter(|g| (g.parallelism as usize) < g.vms.len())
        .map(|g| LostParallelism {
            group: g.name.clone(),
            parallelism: g.parallelism,
            vms: g.vms.len(),
        })
        .collect();
    Export {
        name: name.to_owned(),
        body: CreateRecoveryPlanInput {
            properties: CreateRecoveryPlanInputProperties {
                primary_fabric_id: ids.primary_fabric.clone(),
                recovery_fabric_id: ids.recovery_fabric.clone(),
                failover_deployment_model: Some("ResourceManager".to_owned()),
                groups,
                provider_specific_input: vec![ProviderSpecificDetails::a2a()],
            },
        },
        lowering,
        lost_hooks,
        lost_parallelism,
    }
}

/// One boot group in the report.
#[derive(Debug, Clone, Serialize)]
pub struct BootGroupReport {
    /// The plan groups it holds.
    pub groups: Vec<String>,
    /// Its VMs.
    pub vms: usize,
    /// Its start and end actions.
    pub actions: usize,
    /// Its estimate in seconds: slowest VM plus actions.
    pub estimate_s: u64,
}

/// What `drplan export` reports (`drplan.export/1`, after `schema`).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The plan.
    pub plan: String,
    /// The recovery plan's name.
    pub recovery_plan: String,
    /// The vault.
    pub vault: String,
    /// Where the item ids come from: `vault` or `convention`.
    pub ids: ItemsFrom,
    /// Levels of the step graph before merging.
    pub levels: usize,
    /// The boot groups, in order.
    pub boot_groups: Vec<BootGroupReport>,
    /// Whether every ordering constraint is kept.
    pub order_kept: bool,
    /// The lowered plan's estimate (boot groups in sequence), seconds.
    pub lowered_total_s: u64,
    /// drplan's own schedule of the failover, seconds.
    pub drplan_total_s: u64,
    /// `lowered_total_s - drplan_total_s`: the RTO cost of lowering
    /// (negative when the lowered plan is estimated faster, by dropping
    /// hooks, order or parallelism limits).
    pub rto_cost_s: i64,
    /// The ordering constraints lost.
    pub lost_order: Vec<LostOrder>,
    /// The hooks, or phases of hooks, lost.
    pub lost_hooks: Vec<LostHook>,
    /// The parallelism lost.
    pub lost_parallelism: Vec<LostParallelism>,
}

impl Export {
    /// The report, against drplan's own estimate `drplan_total` of the
    /// failover.
    pub fn report(&self, plan: &Plan, ids: &ItemIds, drplan_total: Duration) -> Report {
        let lowered = self.lowering.total();
        let boot_groups = self
            .lowering
            .boot_groups
            .iter()
            .zip(self.body.properties.groups.iter().skip(2))
            .map(|(b, body)| BootGroupReport {
                groups: b
                    .groups
                    .iter()
                    .filter_map(|g| plan.groups.get(*g).map(|g| g.name.clone()))
                    .collect(),
                vms: body.replication_protected_items.len(),
                actions: body.start_group_actions.len() + body.end_group_actions.len(),
                estimate_s: b.estimate().as_secs_ceil(),
            })
            .collect();
        let lowered_s = lowered.as_secs_ceil();
        let drplan_s = drplan_total.as_secs_ceil();
        Report {
            plan: plan.name.clone(),
            recovery_plan: self.name.clone(),
            vault: ids.vault.clone(),
            ids: ids.from,
            levels: self.lowering.levels,
            boot_groups,
            order_kept: self.lowering.lost.is_empty(),
            lowered_total_s: lowered_s,
            drplan_total_s: drplan_s,
            rto_cost_s: i64::try_from(lowered_s)
                .unwrap_or(i64::MAX)
                .saturating_sub(i64::try_from(drplan_s).unwrap_or(i64::MAX)),
            lost_order: self.lowering.lost.clone(),
            lost_hooks: self.lost_hooks.clone(),
            lost_parallelism: self.lost_parallelism.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
