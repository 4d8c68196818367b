//! Lowering and hooks to actions, on small plans written in the language.

use std::fmt::Write as _;

use super::*;
use crate::graph::{Operation, build};
use crate::interop::asr::{ActionDetails, ActionLocation, Direction, FailoverType};
use crate::source::SourceFile;

const VAULT: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v";

fn plan(groups: &str) -> Plan {
    let text = format!(
        "plan p {{\n  vault \"{VAULT}\"\n  primary \"westeurope\"\n  recovery \"northeurope\"\n{groups}\n}}\n"
    );
    let (plan, diags) = crate::compile(&SourceFile::new("p.drplan", text.as_str()));
    assert!(plan.is_some(), "{diags:?}");
    plan.unwrap()
}

fn exported(p: &Plan) -> Export {
    let graph = build(p, Operation::Failover, None);
    export(p, &graph, &ItemIds::by_convention(p, VAULT), "p")
}

fn boot_names(p: &Plan, e: &Export) -> Vec<Vec<String>> {
    e.lowering
        .boot_groups
        .iter()
        .map(|b| b.groups.iter().map(|g| p.groups[*g].name.clone()).collect())
        .collect()
}

#[test]
fn levels_are_longest_paths_and_vm_needs_across_groups_count() {
    let p = plan(
        "group a { vm a1 }\ngroup b { vm b1 }\ngroup c needs a { vm c1 }\n\
         group d { vm d1 { needs c1 } }\ngroup e needs a, d { vm e1 }",
    );
    let e = exported(&p);
    assert_eq!(
        boot_names(&p, &e),
        [vec!["a", "b"], vec!["c"], vec!["d"], vec!["e"]]
    );
    assert!(e.lowering.lost.is_empty(), "{:?}", e.lowering.lost);
    // Shutdown and Failover, then the boot groups with their items.
    let groups = &e.body.properties.groups;
    assert_eq!(groups.len(), 6);
    assert_eq!(groups[2].replication_protected_items.len(), 2);
    assert!(groups[2].replication_protected_items[0].id.ends_with(
        "/replicationFabrics/asr-a2a-default-westeurope/replicationProtectionContainers/asr-a2a-default-westeurope-container/replicationProtectedItems/a1"
    ));
}

#[test]
fn more_than_seven_levels_merge_where_the_estimate_changes_least_and_say_what_is_lost() {
    // A chain of nine; g4 is quick, so merging it costs the least early start.
    let mut text = String::new();
    for n in 0..9 {
        let needs = if n == 0 {
            String::new()
        } else {
            format!(" needs g{}", n - 1)
        };
        let estimate = if n == 4 || n == 5 { "1m" } else { "10m" };
        let _ = writeln!(
            text,
            "group g{n}{needs} {{ vm v{n} {{ estimate {estimate} }} }}"
        );
    }
    let p = plan(&text);
    let e = exported(&p);
    assert_eq!(e.lowering.levels, 9);
    assert_eq!(e.lowering.boot_groups.len(), MAX_BOOT_GROUPS);
    let names = boot_names(&p, &e);
    // g4 and g5 (1m each) merge first (1m early); then g3 or g6 with them
    // (1m early either way, one constraint each): the earlier.
    assert_eq!(names[3], ["g3", "g4", "g5"], "{names:?}");
    assert_eq!(e.lowering.lost.len(), 2);
    assert!(
        e.lowering
            .lost
            .iter()
            .all(|l| l.because == LostBecause::Merged)
    );
    assert!(
        e.lowering
            .lost
            .iter()
            .any(|l| l.first == "g4" && l.then == "g5"),
        "{:?}",
        e.lowering.lost
    );
}

#[test]
fn vm_needs_inside_a_group_and_group_cycles_through_vms_are_lost() {
    let p = plan(
        "group a { vm a1\n vm a2 { needs a1 } }\n\
         group x { vm x1 { needs y2 }\n vm x2 }\ngroup y { vm y1 { needs x2 }\n vm y2 }",
    );
    let e = exported(&p);
    let lost: Vec<(&str, &str, LostBecause)> = e
        .lowering
        .lost
        .iter()
        .map(|l| (l.first.as_str(), l.then.as_str(), l.because))
        .collect();
    assert!(
        lost.contains(&("a/a1", "a/a2", LostBecause::SameGroup)),
        "{lost:?}"
    );
    assert!(
        lost.contains(&("y/y2", "x/x1", LostBecause::Cycle)),
        "{lost:?}"
    );
    assert_eq!(e.lowering.boot_group_of(1), e.lowering.boot_group_of(2));
}

#[test]
fn runbooks_and_manual_steps_become_actions_with_their_phases_and_the_rest_is_reported() {
    let account = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ops/providers/Microsoft.Automation/automationAccounts/aa";
    let p = plan(&format!(
        "group a {{\n vm a1\n before failover, test {{ runbook \"Stop-App\" {{ account \"{account}\" }} }}\n\
         after failback, test {{ manual \"Check the app\" }}\n\
         after failover {{ script \"check.sh\"\n wait 1m }}\n\
         after commit {{ manual \"Sign off\" }}\n}}"
    ));
    let e = exported(&p);
    let boot = &e.body.properties.groups[2];
    assert_eq!(boot.start_group_actions.len(), 1);
    let runbook = &boot.start_group_actions[0];
    assert_eq!(
        runbook.failover_types,
        [
            FailoverType::PlannedFailover,
            FailoverType::UnplannedFailover,
            FailoverType::TestFailover
        ]
    );
    assert_eq!(runbook.failover_directions, [Direction::PrimaryToRecovery]);
    assert_eq!(
        runbook.custom_details,
        ActionDetails::Runbook {
            runbook_id: Some(format!("{account}/runbooks/Stop-App")),
            timeout: None,
            fabric_location: Some(ActionLocation::Recovery)
        }
    );
    // failback and test need different types: one action per direction.
    let manual: Vec<_> = boot
        .end_group_actions
        .iter()
        .map(|a| (a.failover_types.clone(), a.failover_directions.clone()))
        .collect();
    assert_eq!(
        manual,
        [
            (
                vec![FailoverType::TestFailover],
                vec![Direction::PrimaryToRecovery]
            ),
            (
                vec![
                    FailoverType::PlannedFailover,
                    FailoverType::UnplannedFailover
                ],
                vec![Direction::RecoveryToPrimary]
            ),
        ]
    );
    let lost: Vec<(&str, &str)> = e
        .lost_hooks
        .iter()
        .map(|l| (l.hook, l.what.as_str()))
        .collect();
    assert_eq!(
        lost,
        [
            ("script", "check.sh"),
            ("wait", "1m"),
            ("manual", "Sign off")
        ]
    );
    // The names are unique.
    let mut names: Vec<&str> = boot
        .end_group_actions
        .iter()
        .map(|a| a.action_name.as_str())
        .collect();
    names.dedup();
    assert_eq!(names.len(), 2);
}

#[test]
fn the_lowered_estimate_is_each_boot_groups_slowest_vm_plus_its_actions_in_sequence() {
    let account = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ops/providers/Microsoft.Automation/automationAccounts/aa";
    let p = plan(&format!(
        "group a {{ vm a1 {{ estimate 4m }}\n vm a2 {{ estimate 6m }} }}\n\
         group b {{ vm b1 {{ estimate 3m }} }}\n\
         group c needs a, b {{ vm c1 {{ estimate 5m }}\n\
         after failover {{ runbook \"Warm\" {{ account \"{account}\"  estimate 2m }}\n probe \"https://x.example/\" {{ expect 200 }} }} }}"
    ));
    let graph = build(&p, Operation::Failover, None);
    let e = export(&p, &graph, &ItemIds::by_convention(&p, VAULT), "p");
    // 6m (a and b together) + 5m + 2m; the probe is not carried.
    assert_eq!(e.lowering.total(), Duration::from_mins(13));
    let drplan = crate::schedule::Schedule::new(&graph).total;
    let report = e.report(&p, &ItemIds::by_convention(&p, VAULT), drplan);
    assert_eq!(report.lowered_total_s, 13 * 60);
    assert_eq!(
        report.rto_cost_s,
        13 * 60 - i64::try_from(drplan.as_secs_ceil()).unwrap()
    );
    assert!(report.order_kept);
}
