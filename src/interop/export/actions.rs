//! Hooks to recovery plan actions: a checked plan in; for every group hook
//! ASR can hold (`runbook`, `manual`) the actions it becomes, and for every
//! other hook, or part of one, what is lost and why.
//!
//! Phases become an action's `failoverTypes` and `failoverDirections`:
//! `failover` is a planned or unplanned failover from primary to recovery,
//! `failback` the same from recovery to primary, `test` a test failover from
//! primary to recovery. ASR crosses the two lists, so a hook whose
//! directions need different types (`failback, test`) becomes one action
//! per direction. ASR runs actions in failovers only: `commit`,
//! `reprotect` and `test_cleanup` have no place in a recovery plan.
//!
//! A runbook runs on the side the VMs come up on (`Recovery` for primary to
//! recovery, `Primary` for failback) *(inferred: Automation runs in Azure
//! either way, and ASR asks for a side)*.

use serde::Serialize;

use crate::interop::asr::{
    ActionDetails, ActionLocation, Direction, FailoverType, RecoveryPlanAction,
};
use crate::plan::{Group, Hook, HookAction, HookBlock, Phase, Plan, When};

const P2R: Direction = Direction::PrimaryToRecovery;
const R2P: Direction = Direction::RecoveryToPrimary;

/// Whether ASR can hold a hook of this kind as an action.
pub fn holds(action: &HookAction) -> bool {
    matches!(
        action,
        HookAction::Runbook { .. } | HookAction::Manual { .. }
    )
}

/// A hook, or part of one, the recovery plan does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LostHook {
    /// Where it is: `group db, after failover, test` or `plan, before failover`.
    pub at: String,
    /// Its kind (`script`, `webhook`, …).
    pub hook: &'static str,
    /// What it names: a runbook, a path, a URL, an instruction.
    pub what: String,
    /// The phases that are lost (all of the block's when the hook is dropped).
    pub phases: Vec<&'static str>,
    /// Why.
    pub reason: String,
}

/// What one hook block gives.
#[derive(Debug, Default)]
pub struct BlockActions {
    /// The actions, in order.
    pub actions: Vec<RecoveryPlanAction>,
    /// What is lost.
    pub lost: Vec<LostHook>,
}

/// Where a block is, for messages.
fn place(group: Option<&Group>, block: &HookBlock) -> String {
    let phases: Vec<&str> = block.phases.iter().map(|p| p.as_str()).collect();
    let owner = group.map_or_else(|| "plan".to_owned(), |g| format!("group {}", g.name));
    format!("{owner}, {} {}", block.when.as_str(), phases.join(", "))
}

/// What a hook names, for messages and action names.
fn what(action: &HookAction) -> String {
    match action {
        HookAction::Script { path, .. } => path.clone(),
        HookAction::Runbook { name, .. } => name.clone(),
        HookAction::Webhook { url, .. } | HookAction::Probe { url, .. } => url.clone(),
        HookAction::Manual { instructions } => instructions.clone(),
        HookAction::Wait { duration } => duration.to_string(),
    }
}

fn lost(at: &str, hook: &Hook, phases: Vec<&'static str>, reason: &str) -> LostHook {
    LostHook {
        at: at.to_owned(),
        hook: hook.action.kind().as_str(),
        what: what(&hook.action),
        phases,
        reason: reason.to_owned(),
    }
}

/// The actions of group `group`'s block `block`; `name` makes each action's
/// name unique in the plan.
pub fn of_block(
    group: &Group,
    block: &HookBlock,
    name: &mut dyn FnMut(String) -> String,
) -> BlockActions {
    let at = place(Some(group), block);
    let mut out = BlockActions::default();
    let unheld: Vec<&'static str> = block
        .phases
        .iter()
        .filter(|p| matches!(p, Phase::Commit | Phase::Reprotect | Phase::TestCleanup))
        .map(|p| p.as_str())
        .collect();
    let forward = types(block, &[Phase::Failover, Phase::Test]);
    let back = types(block, &[Phase::Failback]);
    for hook in &block.hooks {
        if !holds(&hook.action) {
            let reason = match hook.action {
                HookAction::Script { .. } => {
                    "ASR's script actions run on VMM and VMware sites only, not Azure to Azure"
                }
                _ => "ASR recovery plans hold runbook and manual actions only",
            };
            let phases = block.phases.iter().map(|p| p.as_str()).collect();
            out.lost.push(lost(&at, hook, phases, reason));
            continue;
        }
        if !unheld.is_empty() {
            out.lost.push(lost(
                &at,
                hook,
                unheld.clone(),
                "ASR runs recovery plan actions in failovers only",
            ));
        }
        let base = action_name(group, block.when, &hook.action);
        let both = !forward.is_empty() && forward == back;
        let mut push = |types: &[FailoverType], directions: &[Direction], suffix: &str| {
            let fabric = if directions == [R2P] {
                ActionLocation::Primary
            } else {
                ActionLocation::Recovery
            };
            out.actions.push(RecoveryPlanAction {
                action_name: name(format!("{base}{suffix}")),
                failover_types: types.to_vec(),
                failover_directions: directions.to_vec(),
                custom_details: details(&hook.action, fabric),
            });
        };
        if both {
            push(&forward, &[P2R, R2P], "");
        } else {
            if !forward.is_empty() {
                push(&forward, &[P2R], "");
            }
            if !back.is_empty() {
                let suffix = if forward.is_empty() {
                    ""
                } else {
                    " (failback)"
                };
                push(&back, &[R2P], suffix);
            }
        }
    }
    out
}

/// The plan's own hooks: all lost, ASR has no plan-level actions.
pub fn of_plan(plan: &Plan) -> Vec<LostHook> {
    let mut out = Vec::new();
    for block in &plan.hooks {
        let at = place(None, block);
        for hook in &block.hooks {
            let phases = block.phases.iter().map(|p| p.as_str()).collect();
            out.push(lost(
                &at,
                hook,
                phases,
                "ASR has no plan-level actions: put it in the first or last group",
            ));
        }
    }
    for hook in &plan.on_failure {
        out.push(lost(
            "plan, on_failure",
            hook,
            Vec::new(),
            "ASR runs nothing when a recovery plan fails",
        ));
    }
    out
}

/// ASR's failover types of the block's phases among `of`, in ASR's order.
fn types(block: &HookBlock, of: &[Phase]) -> Vec<FailoverType> {
    let has = |p: Phase| of.contains(&p) && block.phases.contains(&p);
    let mut out = Vec::new();
    if has(Phase::Failover) || has(Phase::Failback) {
        out.extend([
            FailoverType::PlannedFailover,
            FailoverType::UnplannedFailover,
        ]);
    }
    if has(Phase::Test) {
        out.push(FailoverType::TestFailover);
    }
    out
}

fn action_name(group: &Group, when: When, action: &HookAction) -> String {
    match action {
        HookAction::Runbook { name, .. } => format!("{} {}: {name}", group.name, when.as_str()),
        _ => format!("{} {}: manual", group.name, when.as_str()),
    }
}

fn details(action: &HookAction, fabric: ActionLocation) -> ActionDetails {
    match action {
        HookAction::Runbook { name, account, .. } => ActionDetails::Runbook {
            runbook_id: Some(format!("{}/runbooks/{name}", account.trim_end_matches('/'))),
            timeout: None,
            fabric_location: Some(fabric),
        },
        other => ActionDetails::Manual {
            description: Some(what(other)),
        },
    }
}
