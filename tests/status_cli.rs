//! `drplan status` and `drplan jobs` through the binary on a simulated vault:
//! the headline with the plan's region names, the counts when its VMs stand
//! apart, and a job list that says when it leaves jobs out.

use serde_json::{Value, json};

use crate::support::sandbox::{Sandbox, show, stderr, stdout};

#[test]
fn status_says_where_the_plan_runs_and_counts_vms_that_stand_apart() {
    let sandbox = Sandbox::quickstart();
    let out = sandbox.output(&["status", &sandbox.plan]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("quickstart: running in West Europe, protected\nvault simulator  at "),
        "{text}"
    );

    // Only the db group fails over: two of ten VMs stand in the recovery region.
    let out = sandbox.run("failover", &["--group", "db", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let out = sandbox.output(&["status", &sandbox.plan]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "quickstart: split between West Europe and North Europe\n  8 VMs in West Europe (protected), 2 in North Europe (failed over, waiting for commit)\nvault simulator  at "
        ),
        "{text}"
    );

    let status = sandbox.status();
    assert_eq!(
        status["headline"],
        json!({
            "text": "quickstart: split between West Europe and North Europe",
            "detail": "8 VMs in West Europe (protected), 2 in North Europe (failed over, waiting for commit)",
            "positions": [
                {"active_location": "primary", "region": "westeurope", "region_name": "West Europe",
                 "stage": "protected", "stage_text": "protected", "vms": 8},
                {"active_location": "recovery", "region": "northeurope", "region_name": "North Europe",
                 "stage": "failed_over", "stage_text": "failed over, waiting for commit", "vms": 2}
            ]
        })
    );
    let stages: Vec<&Value> = status["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["stage"])
        .collect();
    assert_eq!(
        stages[..3],
        [
            &json!("failed_over"),
            &json!("failed_over"),
            &json!("protected")
        ]
    );
}

#[test]
fn jobs_says_how_many_it_leaves_out_and_shows_more_when_asked() {
    let sandbox = Sandbox::quickstart();
    let out = sandbox.run("failover", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    let limited = sandbox.json(&["jobs", &sandbox.plan, "--format", "json", "--limit", "3"]);
    assert_eq!(limited["jobs"].as_array().unwrap().len(), 3);
    assert_eq!(limited["total"], 10);
    assert_eq!(limited["truncated"], true);
    let out = sandbox.output(&["jobs", &sandbox.plan, "--limit", "3"]);
    let text = stdout(&out);
    assert_eq!(
        text.lines().count(),
        1 + 3 + 1,
        "header, 3 jobs, the note\n{text}"
    );
    assert!(
        text.ends_with(
            "showing the newest 3 of 10 jobs; `--limit N` shows more, `--all` every one\n"
        ),
        "{text}"
    );

    // The default limit holds all ten: nothing is left out, nothing said.
    let all = sandbox.json(&["jobs", &sandbox.plan, "--format", "json"]);
    assert_eq!(all["jobs"].as_array().unwrap().len(), 10);
    assert_eq!(
        (&all["total"], &all["truncated"]),
        (&json!(10), &json!(false))
    );
    let out = sandbox.output(&["jobs", &sandbox.plan, "--all"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(!stdout(&out).contains("showing"), "{}", show(&out));

    // Filtered by VM, the total is that VM's.
    let one = sandbox.json(&[
        "jobs",
        &sandbox.plan,
        "--format",
        "json",
        "--vm",
        "db-01",
        "--limit",
        "1",
    ]);
    assert_eq!(
        (&one["total"], &one["truncated"]),
        (&json!(1), &json!(false))
    );
}

#[test]
fn a_limit_of_nothing_and_a_limit_with_all_are_usage_errors() {
    let sandbox = Sandbox::quickstart();
    let out = sandbox.output(&["jobs", &sandbox.plan, "--limit", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        stderr(&out).contains("`--all` shows every one"),
        "{}",
        show(&out)
    );
    let out = sandbox.output(&["jobs", &sandbox.plan, "--limit", "5", "--all"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(stderr(&out).contains("--all"), "{}", show(&out));
}
