//! The readiness engine's tests: a vault and a subscription held in memory
//! (here), and each finding kind raised by a world that has the problem and
//! absent from one that does not, with the reads counted (`kinds`); a plan
//! across region pairs checked in each group's regions (`regions`).

mod kinds;
mod regions;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use async_trait::async_trait;

use super::*;
use crate::clock::Timestamp;
use crate::provider::inventory::{
    IpAvailability, Reservation, Resource, RestrictionScope, Sku, SkuRestriction, Subnet,
    SubscriptionVm, Usage,
};
use crate::provider::{
    AsrOperation, Health, HealthIssue, Inventory, IssueKind, Job, JobId, Location,
    OperationOptions, Progress, RunbookOutcome, RunbookRequest, VaultHealth,
};
use crate::source::SourceFile;

pub(super) const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000000";

pub(super) fn net(name: &str) -> String {
    format!("{SUB}/resourceGroups/rg-ne/providers/Microsoft.Network/virtualNetworks/{name}")
}

/// A plan of `vms` VMs in one group `app`, each with the same target block.
pub(super) fn shop(vms: usize, target: &str, extra: &str) -> Plan {
    let names: Vec<String> = (1..=vms).map(|i| format!("app-{i:02}")).collect();
    let text = format!(
        "plan shop {{\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  {extra}\n  group app {{ vm {} }}\n}}\n",
        names.join(", ")
    );
    let source = SourceFile::new("shop.drplan", text);
    let (plan, diags) = crate::compile(&source);
    let mut plan = plan.unwrap_or_else(|| panic!("{diags:?}"));
    let settings: TargetSettings = serde_json::from_str(target).unwrap();
    let shared = Arc::new(settings);
    for vm in &mut plan.groups[0].vms {
        vm.target = Arc::clone(&shared);
    }
    plan
}

#[derive(Default)]
pub(super) struct World {
    usages: BTreeMap<String, Vec<Usage>>,
    skus: BTreeMap<String, Vec<Sku>>,
    resources: BTreeMap<String, Resource>,
    used_ips: Vec<Ipv4Addr>,
    vms: Vec<SubscriptionVm>,
    forbidden: bool,
    reads: Mutex<Vec<String>>,
}

#[async_trait]
impl Inventory for World {
    async fn usages(&self, region: &str) -> Result<Vec<Usage>, ProviderError> {
        self.reads.lock().unwrap().push(format!("usages {region}"));
        if self.forbidden {
            return Err(ProviderError::Forbidden {
                permission: "Microsoft.Compute/locations/usages/read".into(),
                message: "403".into(),
            });
        }
        Ok(self.usages.get(region).cloned().unwrap_or_default())
    }
    async fn skus(&self, region: &str) -> Result<Vec<Sku>, ProviderError> {
        self.reads.lock().unwrap().push(format!("skus {region}"));
        Ok(self.skus.get(region).cloned().unwrap_or_default())
    }
    async fn resource(&self, id: &str) -> Result<Option<Resource>, ProviderError> {
        self.reads.lock().unwrap().push(format!("resource {id}"));
        Ok(self.resources.get(&id.to_ascii_lowercase()).cloned())
    }
    async fn ip_available(&self, _: &str, ip: Ipv4Addr) -> Result<IpAvailability, ProviderError> {
        self.reads.lock().unwrap().push(format!("ip {ip}"));
        Ok(IpAvailability {
            available: !self.used_ips.contains(&ip),
            alternatives: vec![Ipv4Addr::new(10, 2, 1, 9)],
        })
    }
    async fn vms_by_tag(
        &self,
        name: &str,
        value: Option<&str>,
    ) -> Result<Vec<SubscriptionVm>, ProviderError> {
        Ok(self
            .vms
            .iter()
            .filter(|vm| {
                vm.tags
                    .get(name)
                    .is_some_and(|v| value.is_none_or(|x| x == v))
            })
            .cloned()
            .collect())
    }
    async fn vms_in_resource_group(&self, _: &str) -> Result<Vec<SubscriptionVm>, ProviderError> {
        Ok(Vec::new())
    }
}

/// A vault whose every machine is protected in the primary region.
pub(super) struct Vault {
    machines: Mutex<BTreeMap<String, Machine>>,
    world: World,
}

pub(super) fn protected(vm: &str) -> Machine {
    Machine {
        vm: vm.into(),
        item: vm.into(),
        protection_state: "Protected".into(),
        active_location: Location::Primary,
        replicating_from: Some(Location::Primary),
        allowed: vec![AsrOperation::UnplannedFailover, AsrOperation::TestFailover],
        health: Health::Healthy,
        issues: Vec::new(),
        rpo_s: Some(60),
        last_test_failover: Some(now()),
        current_job: None,
        target: TargetSettings {
            size: Some("Standard_D4s_v5".into()),
            ..TargetSettings::default()
        },
        source_vm: Some(format!(
            "{SUB}/resourceGroups/rg-shop/providers/Microsoft.Compute/virtualMachines/{vm}"
        )),
        consistency_group: None,
    }
}

pub(super) fn now() -> Timestamp {
    Timestamp(UNIX_EPOCH + Duration::from_secs(1_800_000_000))
}

impl Vault {
    pub(super) fn new(plan: &Plan, world: World) -> Vault {
        let machines = plan
            .groups
            .iter()
            .flat_map(|g| g.vms.iter())
            .map(|vm| {
                // The vault holds the plan's settings: no drift unless a test edits it.
                let mut m = protected(&vm.name);
                m.target = TargetSettings::clone(&vm.target).inherit(&m.target);
                (vm.name.clone(), m)
            })
            .collect();
        Vault {
            machines: Mutex::new(machines),
            world,
        }
    }

    pub(super) fn edit(&self, vm: &str, f: impl FnOnce(&mut Machine)) {
        f(self.machines.lock().unwrap().get_mut(vm).unwrap());
    }
}

pub(super) fn unused() -> ProviderError {
    ProviderError::Service("not used by readiness".into())
}

#[async_trait]
impl Provider for Vault {
    fn describe(&self) -> String {
        "test vault".into()
    }
    async fn machines(&self, targets: &[Target]) -> Result<Vec<Machine>, ProviderError> {
        let all = self.machines.lock().unwrap();
        Ok(targets.iter().map(|t| all[&t.vm].clone()).collect())
    }
    async fn start(
        &self,
        _: &Target,
        _: Operation,
        _: &OperationOptions,
    ) -> Result<JobId, ProviderError> {
        Err(unused())
    }
    async fn job(&self, _: &JobId) -> Result<Job, ProviderError> {
        Err(unused())
    }
    async fn follow(
        &self,
        _: &JobId,
        _: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Job, ProviderError> {
        Err(unused())
    }
    async fn jobs(&self, _: &[Target]) -> Result<Vec<Job>, ProviderError> {
        Ok(Vec::new())
    }
    async fn vault_health(&self) -> Result<VaultHealth, ProviderError> {
        Ok(VaultHealth::default())
    }
    fn inventory(&self) -> &dyn Inventory {
        &self.world
    }
    async fn run_runbook(
        &self,
        _: &RunbookRequest,
        _: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<RunbookOutcome, ProviderError> {
        Err(unused())
    }
}

/// A `northeurope` with room for `free` vCPUs of the `DSv5` family (and 1000 in all).
/// A VM of the subscription in `rg-shop`, tagged `app=shop`, for coverage.
pub(super) fn shop_vm(name: &str, location: &str) -> SubscriptionVm {
    SubscriptionVm {
        id: format!(
            "{SUB}/resourceGroups/rg-shop/providers/Microsoft.Compute/virtualMachines/{name}"
        ),
        name: name.into(),
        location: location.into(),
        tags: BTreeMap::from([("app".to_owned(), "shop".to_owned())]),
    }
}

pub(super) fn region(free: u64) -> World {
    let mut w = World::default();
    w.usages.insert(
        "northeurope".into(),
        vec![
            Usage {
                name: "standardDSv5Family".into(),
                display: "Standard DSv5 Family vCPUs".into(),
                limit: 100,
                current: 100 - free,
            },
            Usage {
                name: "cores".into(),
                display: "Total Regional vCPUs".into(),
                limit: 1000,
                current: 0,
            },
        ],
    );
    w.skus.insert(
        "northeurope".into(),
        vec![Sku {
            name: "Standard_D4s_v5".into(),
            family: "standardDSv5Family".into(),
            vcpus: 4,
            zones: vec!["1".into(), "2".into(), "3".into()],
            restrictions: Vec::new(),
        }],
    );
    w.resources.insert(
        net("vnet-ne").to_ascii_lowercase(),
        Resource::Network {
            location: "northeurope".into(),
            subnets: vec![Subnet {
                name: "app".into(),
                prefixes: vec!["10.2.1.0/24".into()],
            }],
        },
    );
    w
}

pub(super) async fn assess_with(plan: &Plan, vault: &Vault, op: Operation) -> Assessment {
    let graph = crate::graph::build(plan, op, None);
    assess(plan, &graph, vault, None, now()).await.unwrap()
}

pub(super) fn kinds(a: &Assessment) -> Vec<FindingKind> {
    a.readiness.findings.iter().map(|f| f.kind).collect()
}
