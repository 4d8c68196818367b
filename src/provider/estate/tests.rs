use super::*;
use crate::clock::Clock;
use crate::provider::simulator::Simulator;
use crate::provider::{JobState, Location};
use crate::source::SourceFile;

const A: &str = "/subscriptions/aaaaaaaa-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/vault-a";
const B: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000002/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/vault-b";

fn plan() -> Plan {
    let text = format!(
        r#"plan shop {{
  vault "{A}"
  primary "westeurope"
  recovery "northeurope"
  group db {{ vm db-01, db-02 }}
  group app needs db {{
    vault "{B}"
    primary "eastus"
    recovery "westus"
    vm app-01
  }}
  group web needs app {{ vm web-01 }}
}}"#
    );
    let (plan, diags) = crate::compile(&SourceFile::new("shop.drplan", text.as_str()));
    plan.unwrap_or_else(|| panic!("{diags:?}"))
}

fn estate(plan: &Plan, clock: Clock) -> EstateProvider {
    let members = parts(plan)
        .into_iter()
        .map(|part| Member {
            provider: Box::new(Simulator::in_memory(&part.plan, clock, 1000.0)),
            vault: part.vault,
            label: part.label,
        })
        .collect();
    EstateProvider::new(plan, members)
}

#[test]
fn each_vault_plan_holds_its_groups_and_their_regions() {
    let plan = plan();
    let parts = parts(&plan);
    let names = |p: &VaultPart| {
        p.plan
            .groups
            .iter()
            .map(|g| g.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(parts.len(), 2);
    assert_eq!(
        (parts[0].label.as_str(), names(&parts[0])),
        ("vault-a", vec!["db".to_owned(), "web".to_owned()])
    );
    assert_eq!(
        (parts[1].label.as_str(), names(&parts[1])),
        ("vault-b", vec!["app".to_owned()])
    );
    assert_eq!(
        (
            parts[1].plan.primary.as_str(),
            parts[1].plan.recovery.as_str()
        ),
        ("eastus", "westus")
    );
    assert_eq!(parts[0].plan.name, "shop");
    assert_eq!(parts[1].plan.name, "shop.vault-b");
    assert!(parts[1].plan.groups[0].needs.is_empty());
}

#[tokio::test(start_paused = true)]
async fn calls_go_to_each_vms_vault_and_answers_merge_in_plan_order() {
    let plan = plan();
    let clock = Clock::test();
    let estate = estate(&plan, clock);
    let targets = Target::all(&plan);
    let machines = estate.machines(&targets).await.unwrap();
    let vms: Vec<&str> = machines.iter().map(|m| m.vm.as_str()).collect();
    assert_eq!(vms, ["db-01", "db-02", "app-01", "web-01"]);

    let options = OperationOptions::default();
    let mut ids = Vec::new();
    for t in &targets {
        ids.push(
            estate
                .start(t, Operation::Failover, &options)
                .await
                .unwrap(),
        );
    }
    let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(
        distinct.len(),
        ids.len(),
        "job ids collide across vaults: {ids:?}"
    );

    // app-01 ran in vault B: vault A never heard of it.
    let app = &targets[2];
    let in_b = estate.members()[1]
        .provider
        .machines(std::slice::from_ref(app))
        .await
        .unwrap();
    assert!(in_b[0].current_job.is_some());
    assert!(
        estate.members()[0]
            .provider
            .machines(std::slice::from_ref(app))
            .await
            .is_err()
    );

    for id in &ids {
        let job = estate.follow(id, &|_| {}).await.unwrap();
        assert_eq!(job.state, JobState::Succeeded, "{id}");
    }
    let after = estate.machines(&targets).await.unwrap();
    assert!(
        after
            .iter()
            .all(|m| m.active_location == Location::Recovery)
    );

    // Recovery points and shutdowns go to the VM's own vault too (a
    // routing gap would answer with the trait's refusal).
    assert!(!estate.recovery_points(app).await.unwrap().is_empty());

    let jobs = estate.jobs(&targets).await.unwrap();
    assert_eq!(jobs.len(), 4);
    assert!(
        jobs.windows(2).all(|w| w[0].started >= w[1].started),
        "newest first"
    );

    // A fresh estate (another process) finds a job by asking each vault.
    let again = EstateProvider::new(&plan, estate.members.into_iter().collect());
    let job = again.job(&ids[2]).await.unwrap();
    assert_eq!(job.vm, "app-01");
}
