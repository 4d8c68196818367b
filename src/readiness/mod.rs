//! Plan × operation × what the vault and the subscription say now, to the
//! findings that would make the operation fail or that an operator should
//! know before acting (see [`FindingKind`]): computed once by [`assess`],
//! used by `run --dry-run --online`, by every run's preflight and by
//! `status`.
//!
//! The vault's items are read first (a failure there is an error: nothing
//! can be judged without them). Then the checks the operation calls for
//! ([`scope`]) say what they need from the subscription, each distinct read
//! is made once, concurrently ([`reads`]), and a read that fails becomes an
//! `unchecked` finding naming the check that could not run: never a silent
//! pass. Nothing here changes anything.

mod capacity;
mod coverage;
mod finding;
mod machine;
mod reads;
mod references;
mod render;
mod scope;
mod state;

use crate::clock::Timestamp;
use crate::graph::{Operation, StepGraph};
use crate::journal::{RunState, StepStatus};
use crate::plan::{GroupId, Plan, Vm};
use crate::provider::{Machine, Provider, ProviderError, Target, VaultHealth};
use crate::target::{TargetSetting, TargetSettings};

pub use finding::{Finding, FindingKind, Readiness, Severity};
pub use render::human;
pub use state::{done, ready, running_job_of};

use reads::Wanted;
use scope::Scope;

/// What a readiness pass read and found.
#[derive(Debug)]
pub struct Assessment {
    /// The VMs the operation acts on, in plan order.
    pub targets: Vec<Target>,
    /// Their machines, in the same order.
    pub machines: Vec<Machine>,
    /// What was found.
    pub readiness: Readiness,
    /// How many reads of the subscription were made (vault items aside).
    pub reads: usize,
}

/// A VM the operation creates or changes, with the settings it would use.
pub(crate) struct Subject<'a> {
    target: &'a Target,
    vm: &'a Vm,
    /// Plan over vault, field by field; for a test failover, the test
    /// network, `test_subnet` and `test_ip` in place of the others.
    settings: TargetSettings,
    /// Whether this is a test failover's VM.
    test: bool,
    /// The region (normalized) it is created in, when the operation creates
    /// it: its group's, which may differ from group to group.
    region: Option<String>,
}

impl Subject<'_> {
    /// Whether the plan (not the vault) gives this setting.
    fn set_by_plan(&self, setting: TargetSetting) -> bool {
        let own = match (self.test, setting) {
            (true, TargetSetting::Subnet) => TargetSetting::TestSubnet,
            (true, TargetSetting::Ip) => TargetSetting::TestIp,
            _ => setting,
        };
        self.vm.target.get(own).is_some() || (self.test && setting == TargetSetting::Network)
    }
}

/// The settings a VM would come up with.
fn effective(plan: &Plan, vm: &Vm, machine: &Machine, test: bool) -> TargetSettings {
    let mut settings = TargetSettings::clone(&vm.target).inherit(&machine.target);
    if test {
        settings.network.clone_from(&plan.test_network);
        settings.subnet = settings.test_subnet.take();
        settings.ip = settings.test_ip.take();
        // Test failover uses the test NIC settings, which the plan does not set.
        settings.public_ip = None;
        settings.load_balancer_pools = None;
        settings.nsg = None;
    }
    settings
}

/// Reads the machines `graph` acts on and everything the operation's checks
/// need, and returns what was found. On resume (`prior`), steps that
/// succeeded are not looked at, and a machine whose operation is running or
/// has taken effect passes its state check (the journal may have lost its
/// last events in a crash).
pub async fn assess(
    plan: &Plan,
    graph: &StepGraph,
    provider: &dyn Provider,
    prior: Option<&RunState>,
    now: Timestamp,
) -> Result<Assessment, ProviderError> {
    judge(plan, graph, provider, prior, now, None).await
}

/// What a caller has read of the vault already (`status`): every plan VM's
/// machine and the vault's health, so that readiness does not read them again.
#[derive(Debug, Clone, Copy)]
pub struct AlreadyRead<'a> {
    /// The machines, any order; those of the graph's VMs are used.
    pub machines: &'a [Machine],
    /// The vault's health.
    pub vault: &'a VaultHealth,
}

/// [`assess`] with the vault's machines and health as already read.
pub async fn assess_read(
    plan: &Plan,
    graph: &StepGraph,
    provider: &dyn Provider,
    now: Timestamp,
    read: AlreadyRead<'_>,
) -> Result<Assessment, ProviderError> {
    judge(plan, graph, provider, None, now, Some(read)).await
}

async fn judge(
    plan: &Plan,
    graph: &StepGraph,
    provider: &dyn Provider,
    prior: Option<&RunState>,
    now: Timestamp,
    read: Option<AlreadyRead<'_>>,
) -> Result<Assessment, ProviderError> {
    let op = graph.operation;
    let scope = Scope::of(op);
    let (vms, machines) =
        read_machines(plan, graph, provider, prior, read.map(|r| r.machines)).await?;
    let targets: Vec<Target> = vms.iter().map(|(t, _, _)| t.clone()).collect();
    let mut findings = Vec::new();
    let mut acting = Vec::new();
    for ((target, vm, group), machine) in vms.iter().zip(&machines) {
        if let Some(finding) = machine::state(op, target, machine) {
            let in_flight = prior.is_some()
                && (done(op, machine) || running_job_of(provider, machine, op).await);
            if !in_flight {
                findings.push(finding);
            }
            continue;
        }
        acting.push((target, *vm, *group, machine));
    }
    for (target, vm, _, machine) in &acting {
        if scope.replication {
            machine::replication(&scope, plan, target, machine, &mut findings);
        }
        if scope.drift
            && let Some(f) = machine::drifted(target, machine, vm)
        {
            findings.push(f);
        }
        if scope.drill
            && let Some(f) = machine::drill(plan, target, machine, now)
        {
            findings.push(f);
        }
    }
    if scope.replication {
        findings.extend(vault_config(provider, read.map(|r| r.vault)).await);
    }
    if scope.test && plan.test_network.is_none() && provider.needs_test_network() {
        findings.push(Finding {
            severity: Severity::Blocker,
            kind: FindingKind::MissingResource,
            vm: None,
            group: None,
            message: "the plan names no isolated network for test failovers".to_owned(),
            remedy: "add `test { network \"<virtual network id>\" }` to the plan: a network apart from production".to_owned(),
            details: serde_json::json!({ "setting": "test.network" }),
        });
    }
    let subjects: Vec<Subject<'_>> = acting
        .iter()
        .map(|(target, vm, group, machine)| Subject {
            target,
            vm,
            settings: effective(plan, vm, machine, scope.test),
            test: scope.test,
            region: scope.region_of(plan, *group),
        })
        .collect();
    let only_plan = op == Operation::Configure;
    let mut wanted = Wanted::default();
    capacity::want(&subjects, &mut wanted);
    if scope.references {
        references::want(&subjects, only_plan, &mut wanted);
    }
    if scope.coverage {
        coverage::want(plan, &mut wanted);
    }
    let reads = wanted.len();
    let answers = wanted.read(provider.inventory()).await;
    capacity::check(&subjects, &answers, &mut findings);
    if scope.references {
        references::check(&subjects, only_plan, &answers, &mut findings);
    }
    if scope.coverage {
        coverage::check(plan, &machines, &answers, &mut findings);
    }
    findings.extend(answers.unchecked());
    Ok(Assessment {
        targets,
        machines,
        readiness: Readiness::of(findings),
        reads,
    })
}

/// The VMs `graph` acts on (on resume, those whose steps did not succeed)
/// with their groups, and their machines, in plan order.
async fn read_machines<'p>(
    plan: &'p Plan,
    graph: &StepGraph,
    provider: &dyn Provider,
    prior: Option<&RunState>,
    known: Option<&[Machine]>,
) -> Result<(Vec<(Target, &'p Vm, GroupId)>, Vec<Machine>), ProviderError> {
    let vms: Vec<(Target, &Vm, GroupId)> = graph
        .steps()
        .filter(|(_, s)| {
            prior.is_none_or(|p| {
                p.steps
                    .get(&s.id)
                    .is_none_or(|r| r.status != Some(StepStatus::Succeeded))
            })
        })
        .filter_map(|(_, s)| {
            let crate::graph::StepAction::Vm(at) = s.action else {
                return None;
            };
            let vm = plan.vm(at)?;
            Some((
                Target::of(&plan.groups.get(at.group)?.name, vm),
                vm,
                at.group,
            ))
        })
        .collect();
    let targets: Vec<Target> = vms.iter().map(|(t, _, _)| t.clone()).collect();
    let machines = match known {
        Some(known) => {
            let by_vm: std::collections::HashMap<&str, &Machine> =
                known.iter().map(|m| (m.vm.as_str(), m)).collect();
            targets
                .iter()
                .filter_map(|t| by_vm.get(t.vm.as_str()).map(|m| (*m).clone()))
                .collect()
        }
        None => provider.machines(&targets).await?,
    };
    if machines.len() != targets.len() {
        return Err(ProviderError::Service(format!(
            "the vault reported {} machines for the {} asked about",
            machines.len(),
            targets.len()
        )));
    }
    Ok((vms, machines))
}

/// The vault's own configuration issues (read unless `known`), or why they
/// could not be read.
async fn vault_config(provider: &dyn Provider, known: Option<&VaultHealth>) -> Vec<Finding> {
    let health = match known {
        Some(health) => Ok(health.clone()),
        None => provider.vault_health().await,
    };
    match health {
        Ok(health) => health
            .issues
            .iter()
            .map(|issue| machine::config_finding(None, issue))
            .collect(),
        Err(e) => vec![Finding {
            severity: Severity::Warning,
            kind: FindingKind::Unchecked,
            vm: None,
            group: None,
            message: format!("could not check the vault's own health: {e}"),
            remedy: "check again; `drplan status` shows the vault's health".to_owned(),
            details: serde_json::json!({ "check": "vault health", "error": e.to_string() }),
        }],
    }
}

#[cfg(test)]
mod tests;
