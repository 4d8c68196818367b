//! Failovers that do not fit the world fail the way ASR's do: quota (VM 7
//! of 10 when six fit, and the regional total), sizes, reservations and
//! missing or taken resources, each named in the job's error.

use super::world::{configure, crg, id, net, pip, rich_plan, test_net, usage, world};
use super::*;

#[tokio::test(start_paused = true)]
async fn the_seventh_of_ten_failovers_fails_as_asr_does_when_six_fit() {
    let names: Vec<String> = (1..=10).map(|i| format!("web-{i:02}")).collect();
    let plan = plan_from(&format!(
        "plan ten {{ vault simulator primary \"westeurope\" recovery \"northeurope\" group web {{ vm {} }} }}",
        names.join(", ")
    ));
    // Six D2s_v5 VMs fit in 12 vCPUs.
    let sim = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED).with_world(world(
        &plan,
        r#"{"regions": {"northeurope": {"quota": {"standardDSv5Family": {"limit": 12}}}}}"#,
    ));
    let all = targets(&plan);
    let mut ids = Vec::new();
    for t in &all {
        // Every start is accepted: the job fails, not the call.
        ids.push(sim.start(t, Operation::Failover, &opts()).await.unwrap());
    }
    let mut states = Vec::new();
    for id in &ids {
        states.push(sim.follow(id, &|_| {}).await.unwrap());
    }
    let ok = states
        .iter()
        .filter(|j| j.state == JobState::Succeeded)
        .count();
    assert_eq!(ok, 6);
    assert!(states[..6].iter().all(|j| j.state == JobState::Succeeded));
    let seventh = &states[6];
    assert_eq!(seventh.state, JobState::Failed);
    let error = &seventh.errors[0];
    assert_eq!(error.code.as_deref(), Some("28031"));
    assert!(
        error.message.contains(
            "Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota. Additional details - Deployment Model: Resource Manager, Location: northeurope, Current Limit: 12, Current Usage: 12, Additional Required: 2, (Minimum) New Limit Required: 14. (QuotaExceeded)"
        ),
        "{}",
        error.message
    );
    assert!(error.message.contains("'web-07'"), "{}", error.message);
    let action = error.recommended_action.as_deref().unwrap();
    assert!(action.contains("at least 14"), "{action}");
    assert!(
        error
            .possible_causes
            .as_deref()
            .unwrap()
            .contains("0 vCPUs")
    );
    // Failed jobs hold nothing, and the failed VMs are still in the primary region.
    assert_eq!(usage(&sim, "northeurope", "standardDSv5Family").await.0, 12);
    let m = machine(&sim, &all[6]).await;
    assert_eq!(m.active_location, Location::Primary);
    // A total-cores limit is named the way Azure names it.
    let sim = Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED).with_world(world(
        &plan,
        r#"{"regions": {"northeurope": {"quota": {"cores": {"limit": 2, "usage": 1}}}}}"#,
    ));
    let job = run(&sim, &all[0], Operation::Failover).await;
    assert!(
        job.errors[0]
            .message
            .contains("exceeding approved Total Regional Cores quota")
            && job.errors[0]
                .message
                .contains("Current Limit: 2, Current Usage: 1"),
        "{:?}",
        job.errors
    );
}

/// The first error of a failover of `vm` in this world, after configuring
/// it as the rich plan says.
async fn failover_error(json: &str, vm: &str, op: Operation) -> crate::provider::JobError {
    let plan = rich_plan();
    let sim =
        Simulator::in_memory(&plan, Clock::test(), DEFAULT_SPEED).with_world(world(&plan, json));
    configure(&sim, &plan, vm).await;
    let options = OperationOptions {
        test_network: plan.test_network.clone(),
        ..opts()
    };
    let id = sim.start(&target(&plan, vm), op, &options).await.unwrap();
    let job = sim.follow(&id, &|_| {}).await.unwrap();
    assert_eq!(job.state, JobState::Failed, "{json}");
    job.errors[0].clone()
}

#[tokio::test(start_paused = true)]
async fn failovers_that_do_not_fit_fail_naming_the_size_reservation_or_resource() {
    let subnet = format!("{}/subnets/app", net());
    let cases: Vec<(String, Operation, &str, &str)> = vec![
        (
            r#"{"regions": {"northeurope": {"sizes": {"Standard_D4s_v5": {"offered": false}}}}}"#.into(),
            Operation::Failover,
            "28031",
            "Capacity Restrictions: Standard_D4s_v5' is currently not available in location 'northeurope' zones '2'. Please try another size",
        ),
        (
            r#"{"regions": {"northeurope": {"sizes": {"Standard_D4s_v5": {"restricted_zones": [2]}}}}}"#.into(),
            Operation::Failover,
            "28031",
            "zones '2' for this subscription",
        ),
        (
            r#"{"regions": {"northeurope": {"sizes": {"Standard_D4s_v5": {"zones": ["1", "3"]}}}}}"#.into(),
            Operation::TestFailover,
            "28031",
            "(SkuNotAvailable)",
        ),
        (
            format!(r#"{{"reservations": {{"{}": [{{"size": "Standard_D4s_v5", "zone": "2", "capacity": 2, "used": 2}}]}}}}"#, crg()),
            Operation::Failover,
            "28031",
            "has no room for another Standard_D4s_v5 VM: capacity 2, in use 2",
        ),
        (
            format!(r#"{{"delete": ["{subnet}"]}}"#),
            Operation::Failover,
            "28092",
            "/subnets/app referenced by the network interface of 'app-01' was not found",
        ),
        (
            format!(r#"{{"delete": ["{}/subnets/app-test"]}}"#, test_net()),
            Operation::TestFailover,
            "28092",
            "(InvalidResourceReference)",
        ),
        (
            format!(r#"{{"delete": ["{}"]}}"#, pip()),
            Operation::Failover,
            "28092",
            "The Resource 'Microsoft.Network/publicIPAddresses/pip-app' under resource group 'rg-shop-ne' was not found",
        ),
        (
            format!(r#"{{"public_ips": {{"{}": {{"bound_to": "/subscriptions/x/nic-other/ipConfigurations/ipconfig1"}}}}}}"#, pip()),
            Operation::Failover,
            "28092",
            "is already in use by /subscriptions/x/nic-other/ipConfigurations/ipconfig1",
        ),
        (
            format!(r#"{{"delete": ["{}"]}}"#, id("rg-shop-ne")),
            Operation::Failover,
            "28031",
            "Resource group 'rg-shop-ne' could not be found. (ResourceGroupNotFound)",
        ),
    ];
    for (json, op, code, expected) in cases {
        let error = failover_error(&json, "app-01", op).await;
        assert_eq!(error.code.as_deref(), Some(code), "{json}: {error:?}");
        assert!(
            error.message.contains(expected),
            "{json}: {}",
            error.message
        );
        assert!(error.possible_causes.is_some() && error.recommended_action.is_some());
    }
}
