//! `run --dry-run`: reviewed JSON snapshots of the schedule of every example
//! plan for every operation, and the schedule's arithmetic on small plans.

use drplan::graph::Operation;
use drplan::schedule::{DryRun, Schedule};

use crate::support;

fn dry_run_json(plan: &drplan::plan::Plan, op: Operation) -> serde_json::Value {
    let graph = drplan::graph::build(plan, op, None);
    let schedule = Schedule::new(&graph);
    serde_json::to_value(DryRun::new(&graph, &schedule, plan.objectives.rto)).unwrap()
}

fn compile(text: &str) -> drplan::plan::Plan {
    let (plan, d) = drplan::compile(&drplan::SourceFile::new("p.drplan", text));
    assert!(d.iter().all(|d| !d.is_error()), "{d:?}");
    plan.unwrap()
}

#[test]
fn example_plans_dry_run_snapshots() {
    for path in support::plans() {
        let plan = support::compile_clean(&path);
        let stem = support::stem(&path);
        for op in Operation::ALL {
            insta::assert_json_snapshot!(format!("{stem}-{op}"), dry_run_json(&plan, op));
        }
    }
}

#[test]
fn parallelism_bounds_the_estimate() {
    // 5 VMs of 5m, 2 at a time: 3 rounds, 15m; the critical path runs through
    // the VMs that held the slots.
    let plan = compile(
        "plan p {\n vault simulator\n primary \"westeurope\"\n recovery \"northeurope\"\n objectives { rto 15m }\n group g {\n parallelism 2\n vm a, b, c, d, e\n }\n}\n",
    );
    let json = dry_run_json(&plan, Operation::Failover);
    assert_eq!(json["estimate_s"], 900);
    assert_eq!(json["fits_rto"], true);
    assert_eq!(json["waves"].as_array().unwrap().len(), 1);
    assert_eq!(json["critical_path"].as_array().unwrap().len(), 3);
    let starts: Vec<u64> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start_s"].as_u64().unwrap())
        .collect();
    assert_eq!(starts, [0, 0, 300, 300, 600]);
}

#[test]
fn run_parallelism_caps_the_dry_run_across_groups() {
    // Two groups of 3 VMs of 5m, each group 3 at a time: 5m uncapped; with
    // `--parallelism 2`, six VMs two at a time: 15m.
    let sandbox = crate::support::sandbox::Sandbox::with_plan(
        "p",
        "plan p {\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n  defaults { parallelism 3  estimate 5m }\n  group a { vm a1, a2, a3 }\n  group b { vm b1, b2, b3 }\n}\n",
    );
    let total = |more: &[&str]| {
        let mut args = vec!["--dry-run", "--format", "json"];
        args.extend(more);
        let out = sandbox.run("failover", &args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            crate::support::sandbox::show(&out)
        );
        let json: serde_json::Value =
            serde_json::from_str(&crate::support::sandbox::stdout(&out)).unwrap();
        json["estimate_s"].as_u64().unwrap()
    };
    assert_eq!(total(&[]), 300);
    assert_eq!(total(&["--parallelism", "2"]), 900);
}

/// Two roots of 2m and 10m, then 8m and a 3m wait: 21m against an RTO of 20m.
const CHAIN: &str = r#"plan p {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  objectives { rto 20m }
  group a { vm a1 { estimate 2m } }
  group b { vm b1 { estimate 10m } }
  group c needs a, b {
    vm c1 { estimate 8m }
    after failover { wait 3m }
  }
}
"#;

#[test]
fn critical_path_follows_the_longest_chain_and_rto_is_compared() {
    let plan = compile(CHAIN);
    let json = dry_run_json(&plan, Operation::Failover);
    assert_eq!(
        json["critical_path"],
        serde_json::json!(["vm:b/b1", "vm:c/c1", "hook:c/after/1"])
    );
    assert_eq!(json["estimate_s"], 21 * 60);
    assert_eq!(json["rto_s"], 20 * 60);
    assert_eq!(json["fits_rto"], false);
    // The checker warns from the same computation.
    let (_, d) = drplan::compile(&drplan::SourceFile::new("p.drplan", CHAIN));
    assert_eq!(d.len(), 1);
    assert_eq!(
        d[0].to_string(),
        "estimated failover time 21m exceeds the RTO of 20m"
    );
    // Failback runs the reverse: c first, then a and b; no failback hooks.
    let back = dry_run_json(&plan, Operation::Failback);
    assert_eq!(back["estimate_s"], 18 * 60);
    // Reprotect has no RTO.
    assert_eq!(
        dry_run_json(&plan, Operation::Reprotect)["rto_s"],
        serde_json::Value::Null
    );
}

#[test]
fn a_schedule_past_the_limit_names_the_step_instead_of_a_total() {
    use drplan::duration::Duration;
    use drplan::schedule::MAX_TOTAL;
    let mut plan = compile(CHAIN);
    // The checker refuses such estimates; the schedule does not rely on it.
    plan.groups[1].vms[0].estimate = MAX_TOTAL;
    let graph = drplan::graph::build(&plan, Operation::Failover, None);
    let overflow = Schedule::checked(&graph).unwrap_err();
    assert_eq!(graph.step(overflow.step).id, "vm:c/c1");
    let path: Vec<&str> = overflow
        .path
        .iter()
        .map(|n| graph.step(*n).id.as_str())
        .collect();
    assert_eq!(path, ["vm:b/b1", "vm:c/c1"]);
    // Up to the limit itself, the total is exact: b1, then 8m and 3m.
    plan.groups[1].vms[0].estimate = Duration::from_millis(MAX_TOTAL.as_millis() - 11 * 60_000);
    let graph = drplan::graph::build(&plan, Operation::Failover, None);
    let schedule = Schedule::checked(&graph).unwrap();
    assert_eq!(schedule.total, MAX_TOTAL);
    let json = dry_run_json(&plan, Operation::Failover);
    assert_eq!(json["estimate_s"], MAX_TOTAL.as_millis() / 1000);
}
