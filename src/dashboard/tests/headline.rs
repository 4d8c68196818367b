//! The status headline: where the plan's VMs run, by region name, and where
//! they stand in the cycle; the counts when they stand apart.

use serde_json::json;

use super::*;

fn committed(vm: &str) -> Machine {
    Machine {
        protection_state: "UnplannedFailoverCommitted".into(),
        allowed: vec![
            AsrOperation::ReverseReplicate,
            AsrOperation::DisableProtection,
        ],
        ..failed_over(vm)
    }
}

/// A machine in some state, by VM name.
type Make = fn(&str) -> Machine;

fn every_vm(make: Make) -> Vec<Machine> {
    ["db-01", "web-01", "web-02"].map(make).to_vec()
}

#[test]
fn one_line_says_where_the_plan_runs_and_where_it_stands_in_the_cycle() {
    let p = plan("");
    let reprotected = |vm: &str| Machine {
        active_location: Location::Recovery,
        replicating_from: Some(Location::Recovery),
        ..protected(vm)
    };
    let failed_back = |vm: &str| Machine {
        active_location: Location::Primary,
        ..failed_over(vm)
    };
    let test_waits = |vm: &str| Machine {
        allowed: vec![AsrOperation::TestFailoverCleanup],
        ..protected(vm)
    };
    let cases: [(Make, &str); 6] = [
        (protected, "shop: running in West Europe, protected"),
        (
            failed_over,
            "shop: running in North Europe, failed over, waiting for commit",
        ),
        (
            committed,
            "shop: running in North Europe, failover committed, not protected",
        ),
        (
            reprotected,
            "shop: running in North Europe, replicating back",
        ),
        (
            failed_back,
            "shop: running in West Europe, failed back, waiting for commit",
        ),
        (
            test_waits,
            "shop: running in West Europe, test failover waiting for cleanup",
        ),
    ];
    for (make, want) in cases {
        let h = dash(&p, &every_vm(make)).headline;
        assert_eq!(h.text, want);
        assert_eq!(h.detail, None, "{want}");
        assert_eq!(h.positions.len(), 1, "{want}");
        assert_eq!(h.positions[0].vms, 3, "{want}");
    }
}

#[test]
fn vms_in_different_regions_or_stages_get_a_line_of_counts() {
    let p = plan("");
    let h = dash(
        &p,
        &[protected("db-01"), committed("web-01"), committed("web-02")],
    )
    .headline;
    assert_eq!(h.text, "shop: split between West Europe and North Europe");
    assert_eq!(
        h.detail.as_deref(),
        Some(
            "2 VMs in North Europe (failover committed, not protected), 1 in West Europe (protected)"
        )
    );

    let mut busy = protected("web-02");
    busy.allowed = vec![];
    busy.current_job = Some(JobId("j-1".into()));
    let h = dash(&p, &[protected("db-01"), protected("web-01"), busy]).headline;
    assert_eq!(
        h.text,
        "shop: running in West Europe, its VMs at different stages"
    );
    assert_eq!(
        h.detail.as_deref(),
        Some("2 VMs in West Europe (protected), 1 in West Europe (job in progress)")
    );

    // One VM each way: the counts still say so, and VMs the vault did not
    // report are left to `not_found`.
    let h = dash(&p, &[protected("db-01"), failed_over("web-01")]).headline;
    assert_eq!(
        h.detail.as_deref(),
        Some(
            "1 VM in West Europe (protected), 1 in North Europe (failed over, waiting for commit)"
        )
    );
    let h = dash(&p, &[]).headline;
    assert_eq!(h.text, "shop: none of its VMs was found in the vault");
    assert!(h.positions.is_empty());
}

#[test]
fn regions_drplan_does_not_know_are_shown_as_written() {
    let text = "plan shop {\n  vault simulator\n  primary \"West Europe\"\n  recovery \"mars-north\"\n  group db {\n    vm db-01\n  }\n}\n";
    let (plan, diags) = crate::compile(&SourceFile::new("shop.drplan", text));
    let plan = plan.unwrap_or_else(|| panic!("{diags:?}"));
    let h = dash(&plan, &[failed_over("db-01")]).headline;
    assert_eq!(
        h.text,
        "shop: running in mars-north, failed over, waiting for commit"
    );
    let h = dash(&plan, &[protected("db-01")]).headline;
    assert_eq!(h.text, "shop: running in West Europe, protected");
    // The checker keeps regions in their normal form.
    assert_eq!(h.positions[0].region, "westeurope");
}

#[test]
fn the_headline_in_json_has_the_text_the_counts_and_the_positions() {
    let p = plan("");
    let d = dash(
        &p,
        &[protected("db-01"), committed("web-01"), committed("web-02")],
    );
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(
        v["headline"],
        json!({
            "text": "shop: split between West Europe and North Europe",
            "detail": "2 VMs in North Europe (failover committed, not protected), 1 in West Europe (protected)",
            "positions": [
                {"active_location": "recovery", "region": "northeurope", "region_name": "North Europe",
                 "stage": "committed", "stage_text": "failover committed, not protected", "vms": 2},
                {"active_location": "primary", "region": "westeurope", "region_name": "West Europe",
                 "stage": "protected", "stage_text": "protected", "vms": 1}
            ]
        })
    );
    assert_eq!(v["items"][0]["stage"], "protected");
    assert_eq!(v["items"][1]["stage"], "committed");
}
