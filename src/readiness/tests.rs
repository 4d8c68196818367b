//! Each finding kind raised by a world that has the problem and absent from
//! one that does not, with a vault and a subscription held in memory, and
//! the reads counted: one per region for usages and sizes, one per distinct
//! resource, none for what the operation does not create.

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

const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000000";

fn net(name: &str) -> String {
    format!("{SUB}/resourceGroups/rg-ne/providers/Microsoft.Network/virtualNetworks/{name}")
}

/// A plan of `vms` VMs in one group `app`, each with the same target block.
fn shop(vms: usize, target: &str, extra: &str) -> Plan {
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
struct World {
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
struct Vault {
    machines: Mutex<BTreeMap<String, Machine>>,
    world: World,
}

fn protected(vm: &str) -> Machine {
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
    }
}

fn now() -> Timestamp {
    Timestamp(UNIX_EPOCH + Duration::from_secs(1_800_000_000))
}

impl Vault {
    fn new(plan: &Plan, world: World) -> Vault {
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

    fn edit(&self, vm: &str, f: impl FnOnce(&mut Machine)) {
        f(self.machines.lock().unwrap().get_mut(vm).unwrap());
    }
}

fn unused() -> ProviderError {
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
fn region(free: u64) -> World {
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

async fn assess_with(plan: &Plan, vault: &Vault, op: Operation) -> Assessment {
    let graph = crate::graph::build(plan, op, None);
    assess(plan, &graph, vault, None, now()).await.unwrap()
}

fn kinds(a: &Assessment) -> Vec<FindingKind> {
    a.readiness.findings.iter().map(|f| f.kind).collect()
}

#[tokio::test]
async fn quota_names_the_family_the_numbers_and_the_first_vm_that_does_not_fit() {
    let plan = shop(
        10,
        r#"{"network": "NET"}"#.replace("NET", &net("vnet-ne")).as_str(),
        "",
    );
    // Room for 6 VMs of 4 vCPUs: VM 7 is the first that does not fit.
    let vault = Vault::new(&plan, region(24));
    let a = assess_with(&plan, &vault, Operation::Failover).await;
    assert_eq!(kinds(&a), [FindingKind::Quota], "{:#?}", a.readiness);
    let f = &a.readiness.findings[0];
    assert_eq!(f.severity, Severity::Blocker);
    assert_eq!(f.details["needed"], 40);
    assert_eq!(f.details["free"], 24);
    assert_eq!(f.details["vms_over"][0], "app-07");
    assert!(
        f.message
            .contains("Standard DSv5 Family vCPUs in northeurope"),
        "{}",
        f.message
    );
    assert!(f.remedy.contains("at least 16 vCPUs"), "{}", f.remedy);
    assert!(!a.readiness.ready);

    let roomy = Vault::new(&plan, region(40));
    let a = assess_with(&plan, &roomy, Operation::Failover).await;
    assert!(a.readiness.findings.is_empty(), "{:#?}", a.readiness);
    // One usages list, one SKU list, one read of the network for ten VMs.
    let mut reads = roomy.world.reads.lock().unwrap().clone();
    reads.sort();
    assert_eq!(reads.len(), 3, "{reads:?}");
    assert_eq!(a.reads, 3);
}

#[tokio::test]
async fn a_test_failover_checks_the_test_network_and_a_commit_reads_nothing() {
    let extra = format!("test {{ network \"{}\" }}", net("vnet-drill"));
    let plan = shop(2, "{}", &extra);
    let vault = Vault::new(&plan, region(100));
    let a = assess_with(&plan, &vault, Operation::TestFailover).await;
    assert_eq!(kinds(&a), [FindingKind::MissingResource]);
    assert!(a.readiness.findings[0].message.contains("vnet-drill"));
    assert!(a.readiness.findings[0].message.contains("app-01, app-02"));

    vault.world.reads.lock().unwrap().clear();
    let graph = crate::graph::build(&plan, Operation::Commit, None);
    let a = assess(&plan, &graph, &vault, None, now()).await.unwrap();
    // Every machine is protected: nothing to commit, and nothing read beside the vault.
    assert_eq!(a.readiness.blockers, 2);
    assert!(vault.world.reads.lock().unwrap().is_empty());
}

#[tokio::test]
async fn sizes_zones_and_restrictions_block_only_the_vms_they_concern() {
    let plan = shop(2, r#"{"zone": 2}"#, "");
    let mut world = region(100);
    world.skus.get_mut("northeurope").unwrap()[0].restrictions = vec![SkuRestriction {
        scope: RestrictionScope::Zone,
        zones: vec!["2".into()],
        reason: "NotAvailableForSubscription".into(),
    }];
    let vault = Vault::new(&plan, world);
    vault.edit("app-02", |m| {
        m.target.size = Some("Standard_M416ms_v2".into());
    });
    let a = assess_with(&plan, &vault, Operation::Failover).await;
    let got: Vec<_> = a
        .readiness
        .findings
        .iter()
        .map(|f| (f.kind, f.vm.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        got,
        [
            (FindingKind::Sku, "app-01".to_owned()),
            (FindingKind::Sku, "app-02".to_owned()),
        ],
        "{:#?}",
        a.readiness
    );
    assert!(
        a.readiness.findings[0]
            .message
            .contains("restricted in zone 2")
    );
    assert!(
        a.readiness.findings[1]
            .message
            .contains("not offered in northeurope")
    );
}

#[tokio::test]
async fn reservations_count_their_free_instances_instead_of_quota() {
    let crg = format!(
        "{SUB}/resourceGroups/rg-ne/providers/Microsoft.Compute/capacityReservationGroups/crg-ne"
    );
    let plan = shop(3, &format!(r#"{{"capacity_reservation": "{crg}"}}"#), "");
    // No quota at all: the reservation is what counts.
    let mut world = region(0);
    world.resources.insert(
        crg.to_ascii_lowercase(),
        Resource::ReservationGroup {
            location: "northeurope".into(),
            zones: Vec::new(),
            reservations: vec![Reservation {
                name: "d4".into(),
                size: "Standard_D4s_v5".into(),
                zone: None,
                capacity: 4,
                used: 2,
            }],
        },
    );
    let vault = Vault::new(&plan, world);
    for vm in ["app-01", "app-02", "app-03"] {
        vault.edit(vm, |m| m.target.capacity_reservation = Some(crg.clone()));
    }
    let a = assess_with(&plan, &vault, Operation::Failover).await;
    assert_eq!(
        kinds(&a),
        [FindingKind::CapacityReservation],
        "{:#?}",
        a.readiness
    );
    assert_eq!(a.readiness.findings[0].details["free"], 2);
    assert_eq!(a.readiness.findings[0].details["needed"], 3);
}

#[tokio::test]
async fn static_ips_outside_their_subnet_or_taken_are_warnings() {
    let plan = shop(
        1,
        &format!(
            r#"{{"network": "{}", "subnet": "app", "ip": "10.2.1.4"}}"#,
            net("vnet-ne")
        ),
        "",
    );
    let mut world = region(100);
    world.used_ips.push(Ipv4Addr::new(10, 2, 1, 4));
    let vault = Vault::new(&plan, world);
    vault.edit("app-01", |m| {
        m.target = TargetSettings::clone(&plan.groups[0].vms[0].target);
    });
    let a = assess_with(&plan, &vault, Operation::Failover).await;
    assert_eq!(kinds(&a), [FindingKind::IpUnavailable]);
    assert!(a.readiness.ready, "an IP ASR would replace does not block");
    assert!(a.readiness.findings[0].remedy.contains("10.2.1.9"));

    let outside = plan_with_ip("10.2.2.4");
    let vault = Vault::new(&outside, region(100));
    vault.edit("app-01", |m| {
        m.target = TargetSettings::clone(&outside.groups[0].vms[0].target);
    });
    let a = assess_with(&outside, &vault, Operation::Failover).await;
    assert_eq!(kinds(&a), [FindingKind::IpUnavailable]);
    assert!(
        a.readiness.findings[0]
            .message
            .contains("outside subnet app (10.2.1.0/24)")
    );

    let missing_subnet = shop(
        1,
        &format!(r#"{{"network": "{}", "subnet": "db"}}"#, net("vnet-ne")),
        "",
    );
    let vault = Vault::new(&missing_subnet, region(100));
    let a = assess_with(&missing_subnet, &vault, Operation::Failover).await;
    assert!(
        kinds(&a).contains(&FindingKind::MissingResource),
        "{:#?}",
        a.readiness
    );
}

fn plan_with_ip(ip: &str) -> Plan {
    shop(
        1,
        &format!(
            r#"{{"network": "{}", "subnet": "app", "ip": "{ip}"}}"#,
            net("vnet-ne")
        ),
        "",
    )
}

#[tokio::test]
async fn the_vaults_health_rpo_issues_and_drills_are_reported() {
    let plan = shop(3, "{}", "objectives { rpo 15m  drill 90d }");
    let vault = Vault::new(&plan, region(100));
    vault.edit("app-01", |m| m.rpo_s = Some(25 * 60));
    vault.edit("app-02", |m| {
        m.health = Health::Critical;
        m.issues.push(HealthIssue {
            code: "150097".into(),
            kind: IssueKind::SubscriptionQuota,
            severity: Health::Critical,
            message: "QuotaExceeded".into(),
            possible_causes: None,
            recommended_action: Some("Raise the quota".into()),
        });
    });
    vault.edit("app-03", |m| {
        m.last_test_failover = Some(Timestamp(now().0 - Duration::from_secs(100 * 86_400)));
    });
    let a = assess_with(&plan, &vault, Operation::Failover).await;
    let mut got = kinds(&a);
    got.sort();
    assert_eq!(
        got,
        [
            FindingKind::Health,
            FindingKind::Rpo,
            FindingKind::Config,
            FindingKind::DrillStale
        ]
    );
    assert!(a.readiness.ready, "health is a warning for a failover");
    let stale = a
        .readiness
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::DrillStale)
        .unwrap();
    assert!(stale.message.contains("100d ago"), "{}", stale.message);
    // A critical item blocks a test failover.
    let a = assess_with(&plan, &vault, Operation::TestFailover).await;
    assert_eq!(a.readiness.blockers, 1, "{:#?}", a.readiness);
    assert!(a.readiness.refuses(false));
}

#[tokio::test]
async fn coverage_finds_the_application_vm_nobody_added() {
    let plan = shop(2, "{}", "coverage { tag \"app=shop\" }");
    let mut world = region(100);
    for (name, location) in [
        ("app-01", "westeurope"),
        ("app-03", "westeurope"),
        ("app-04", "northeurope"),
    ] {
        world.vms.push(SubscriptionVm {
            id: format!(
                "{SUB}/resourceGroups/rg-shop/providers/Microsoft.Compute/virtualMachines/{name}"
            ),
            name: name.into(),
            location: location.into(),
            tags: BTreeMap::from([("app".to_owned(), "shop".to_owned())]),
        });
    }
    let vault = Vault::new(&plan, world);
    let a = assess_with(&plan, &vault, Operation::Failover).await;
    assert_eq!(kinds(&a), [FindingKind::Coverage], "{:#?}", a.readiness);
    assert!(a.readiness.findings[0].message.contains("VM app-03"));
}

#[tokio::test]
async fn a_read_that_fails_is_reported_never_passed() {
    let plan = shop(2, "{}", "");
    let mut world = region(0);
    world.forbidden = true;
    let vault = Vault::new(&plan, world);
    let a = assess_with(&plan, &vault, Operation::Failover).await;
    assert_eq!(kinds(&a), [FindingKind::Unchecked], "{:#?}", a.readiness);
    let f = &a.readiness.findings[0];
    assert!(
        f.message.contains("the vCPU quota of northeurope"),
        "{}",
        f.message
    );
    assert!(
        f.remedy.contains("Microsoft.Compute/locations/usages/read"),
        "{}",
        f.remedy
    );
    assert!(a.readiness.ready && a.readiness.refuses(true));
}

#[tokio::test]
async fn configure_checks_only_what_the_plan_points_the_vault_at() {
    let plan = shop(1, &format!(r#"{{"network": "{}"}}"#, net("vnet-gone")), "");
    let vault = Vault::new(&plan, region(100));
    vault.edit("app-01", |m| {
        m.target.nsg = Some(format!(
            "{SUB}/resourceGroups/rg-ne/providers/Microsoft.Network/networkSecurityGroups/gone"
        ));
    });
    let a = assess_with(&plan, &vault, Operation::Configure).await;
    assert_eq!(
        kinds(&a),
        [FindingKind::MissingResource],
        "{:#?}",
        a.readiness
    );
    assert!(a.readiness.findings[0].message.contains("vnet-gone"));
    vault.edit("app-01", |m| {
        m.active_location = Location::Recovery;
        m.allowed = vec![AsrOperation::Commit];
        m.replicating_from = None;
    });
    let a = assess_with(&plan, &vault, Operation::Configure).await;
    assert_eq!(kinds(&a), [FindingKind::State]);
    assert!(
        a.readiness.findings[0]
            .message
            .contains("middle of a failover"),
        "{}",
        a.readiness.findings[0].message
    );
}
