//! The step graph: reviewed DOT and JSON snapshots of every example plan for
//! every operation, and the ordering rules of language.md as properties.

use std::collections::{BTreeMap, BTreeSet};

use drplan::graph::{Operation, StepAction, StepGraph, StepKind};
use drplan::plan::When;

use crate::support;

#[test]
fn example_plans_dot_and_json_snapshots() {
    for path in support::plans() {
        let plan = support::compile_clean(&path);
        let stem = support::stem(&path);
        for op in Operation::ALL {
            let graph = drplan::graph::build(&plan, op, None);
            insta::assert_snapshot!(format!("{stem}-{op}-dot"), graph.to_dot(&plan));
            insta::assert_json_snapshot!(format!("{stem}-{op}-json"), graph.to_json());
        }
    }
}

#[test]
fn contoso_mermaid_snapshot() {
    let plan = support::compile_clean(&support::root().join("plans/contoso-web.drplan"));
    insta::assert_snapshot!(
        drplan::graph::build(&plan, Operation::Failover, None).to_mermaid(&plan)
    );
}

/// Group-level edges: (from group, to group) for every edge between two groups.
fn group_edges(graph: &StepGraph) -> BTreeSet<(String, String)> {
    graph
        .edges()
        .into_iter()
        .filter_map(|(a, b)| {
            let (a, b) = (&graph.graph[a], &graph.graph[b]);
            // The plan's own hooks belong to no group.
            let grouped = a.group < graph.groups.len() && b.group < graph.groups.len();
            (grouped && a.group != b.group).then(|| {
                (
                    graph.groups[a.group].name.clone(),
                    graph.groups[b.group].name.clone(),
                )
            })
        })
        .collect()
}

/// Whether `to` is reachable from `from`.
fn reaches(
    graph: &StepGraph,
    from: petgraph::graph::NodeIndex,
    to: petgraph::graph::NodeIndex,
) -> bool {
    petgraph::algo::has_path_connecting(&graph.graph, from, to, None)
}

/// Within each group: every before hook comes before every VM, every VM before
/// every after hook, and hooks run in the order their ids number them.
fn assert_group_order(graph: &StepGraph) {
    let mut by_group: BTreeMap<usize, Vec<petgraph::graph::NodeIndex>> = BTreeMap::new();
    for (n, step) in graph.steps() {
        by_group.entry(step.group).or_default().push(n);
    }
    for nodes in by_group.values() {
        let class = |n: &petgraph::graph::NodeIndex| match graph.graph[*n].action {
            // A shutdown comes before the group's failback and its hooks.
            StepAction::Shutdown(_)
            | StepAction::Hook {
                when: When::Before, ..
            } => 0,
            StepAction::Vm(_) | StepAction::Join => 1,
            StepAction::Hook {
                when: When::After | When::OnFailure,
                ..
            } => 2,
        };
        for a in nodes {
            for b in nodes {
                if class(a) < class(b) {
                    assert!(
                        reaches(graph, *a, *b),
                        "{} must come before {}",
                        graph.graph[*a].id,
                        graph.graph[*b].id
                    );
                }
                if class(a) == class(b) && class(a) != 1 && a < b {
                    assert!(
                        reaches(graph, *a, *b),
                        "hooks in order: {} before {}",
                        graph.graph[*a].id,
                        graph.graph[*b].id
                    );
                }
            }
        }
    }
}

#[test]
fn failback_is_failover_reversed_between_groups_and_ordered_alike_within() {
    for path in support::plans() {
        let plan = support::compile_clean(&path);
        for (forward, backward) in [
            (Operation::Failover, Operation::Failback),
            (Operation::TestFailover, Operation::TestCleanup),
        ] {
            let f = drplan::graph::build(&plan, forward, None);
            let b = drplan::graph::build(&plan, backward, None);
            let reversed: BTreeSet<(String, String)> =
                group_edges(&f).into_iter().map(|(x, y)| (y, x)).collect();
            assert_eq!(group_edges(&b), reversed, "{} {backward}", path.display());
            assert_group_order(&f);
            assert_group_order(&b);
            // VM-level needs are reversed too: an edge between two VMs of one group flips.
            let vm_edges = |g: &StepGraph| -> BTreeSet<(String, String)> {
                g.edges()
                    .into_iter()
                    .map(|(a, b)| (&g.graph[a], &g.graph[b]))
                    .filter(|(a, b)| {
                        a.kind == StepKind::Vm && b.kind == StepKind::Vm && a.group == b.group
                    })
                    .map(|(a, b)| (a.id.clone(), b.id.clone()))
                    .collect()
            };
            let flipped: BTreeSet<(String, String)> =
                vm_edges(&f).into_iter().map(|(x, y)| (y, x)).collect();
            assert_eq!(vm_edges(&b), flipped, "{} {backward}", path.display());
        }
    }
}

#[test]
fn a_group_without_steps_keeps_the_order_across_it() {
    // `mid` has only failover hooks: in a failback it has no steps, yet `top`
    // must still fail back before `base`.
    let text = r#"plan p {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  group base { vm b1 }
  group mid needs base {
    after failover { wait 1m }
  }
  group top needs mid { vm t1 }
}
"#;
    let (plan, d) = drplan::compile(&drplan::SourceFile::new("p.drplan", text));
    assert!(d.is_empty(), "{d:?}");
    let plan = plan.unwrap();
    let back = drplan::graph::build(&plan, Operation::Failback, None);
    let json = serde_json::to_value(back.to_json()).unwrap();
    assert_eq!(
        json["edges"],
        serde_json::json!([{"from": "vm:top/t1", "to": "vm:base/b1"}])
    );
    let only = drplan::graph::build(&plan, Operation::Failover, Some(&[0, 2]));
    let json = serde_json::to_value(only.to_json()).unwrap();
    assert_eq!(
        json["edges"],
        serde_json::json!([{"from": "vm:base/b1", "to": "vm:top/t1"}])
    );
}

#[test]
fn commit_and_reprotect_have_no_order_and_no_hooks() {
    for path in support::plans() {
        let plan = support::compile_clean(&path);
        for op in [Operation::Commit, Operation::Reprotect] {
            let g = drplan::graph::build(&plan, op, None);
            assert_eq!(g.graph.edge_count(), 0);
            assert_eq!(g.graph.node_count(), plan.vm_count());
            assert!(g.steps().all(|(_, s)| s.kind == StepKind::Vm));
        }
    }
}

#[test]
fn step_ids_follow_the_spec() {
    let plan = support::compile_clean(&support::root().join("plans/contoso-web.drplan"));
    let g = drplan::graph::build(&plan, Operation::Failover, None);
    let ids: Vec<&str> = g.steps().map(|(_, s)| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "vm:db/sql-01",
            "vm:db/sql-02",
            "hook:db/after/1",
            "hook:db/after/2",
            "vm:cache/redis-01",
            "vm:app/app-01",
            "vm:app/app-02",
            "vm:app/app-03",
            "vm:web/web-01",
            "vm:web/web-02",
            "hook:web/after/1",
            "hook:web/after/2",
        ]
    );
    let back = drplan::graph::build(&plan, Operation::Failback, None);
    assert!(
        back.steps()
            .any(|(_, s)| s.id == "hook:app/before/1" && s.kind == StepKind::Runbook)
    );
}

/// A plan with its own hooks, and a group named `plan` whose hook ids must
/// not collide with the plan's.
const PLAN_HOOKS: &str = r#"plan p {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  before failover, failback { webhook "https://ops.example.com/ticket"  wait 1m }
  after failover, failback { manual "check DNS" }
  after failover { wait 2m }
  on_failure { webhook "https://ops.example.com/page" }
  group db { vm db-01, db-02 }
  group "plan" needs db {
    vm web-01
    before failover { wait 1m }
    after failover, failback { wait 1m }
  }
  group side { vm side-01 }
}
"#;

#[test]
fn plan_level_hooks_come_first_and_last_in_both_directions() {
    let (plan, d) = drplan::compile(&drplan::SourceFile::new("p.drplan", PLAN_HOOKS));
    assert!(d.is_empty(), "{d:?}");
    let plan = plan.unwrap();
    for op in [Operation::Failover, Operation::Failback] {
        let g = drplan::graph::build(&plan, op, None);
        let node = |id: &str| {
            g.steps()
                .find(|(_, s)| s.id == id)
                .unwrap_or_else(|| panic!("{op}: no step {id}"))
                .0
        };
        let first = node("plan:before/2");
        let last = node("plan:after/1");
        assert!(
            reaches(&g, node("plan:before/1"), first),
            "{op}: before hooks chain"
        );
        for (n, s) in g.steps() {
            if s.id.starts_with("plan:") {
                continue;
            }
            assert!(
                reaches(&g, first, n),
                "{op}: {} starts after the plan's before hooks",
                s.id
            );
            assert!(
                reaches(&g, n, last),
                "{op}: {} ends before the plan's after hooks",
                s.id
            );
        }
        assert_group_order(&g);
        // `on_failure` hooks are no step of the graph: they run after a failed walk.
        assert!(g.steps().all(|(_, s)| !s.id.contains("on_failure")));
    }
    let ids = |op| -> Vec<String> {
        drplan::graph::build(&plan, op, None)
            .steps()
            .map(|(_, s)| s.id.clone())
            .collect()
    };
    let failover = ids(Operation::Failover);
    for id in [
        "plan:before/1",
        "plan:before/2",
        "plan:after/1",
        "plan:after/2",
        "hook:plan/before/1",
        "hook:plan/after/1",
    ] {
        assert!(
            failover.iter().any(|s| s == id),
            "failover lacks {id}: {failover:?}"
        );
    }
    let unique: BTreeSet<&String> = failover.iter().collect();
    assert_eq!(unique.len(), failover.len(), "ids collide: {failover:?}");
    // `after failover { wait 2m }` is not a failback hook: one after hook there.
    let failback = ids(Operation::Failback);
    assert!(failback.iter().any(|s| s == "plan:after/1"));
    assert!(!failback.iter().any(|s| s == "plan:after/2"));
    // Test failover names no plan-level phase: no plan steps.
    assert!(
        ids(Operation::TestFailover)
            .iter()
            .all(|s| !s.starts_with("plan:"))
    );
}

#[test]
fn labels_show_kind_target_and_estimate_never_a_url_path_and_escape_both_formats() {
    // A webhook's path and query may carry a token: the label shows the host only.
    // Group names and manual text with quotes, `<>`, `#` and newlines stay one
    // well-formed label in each format.
    let text = r#"plan p {
  vault simulator
  primary "westeurope"
  recovery "northeurope"
  group "a \"b\" <c>" {
    vm v1 { estimate 7m }
    after failover {
      webhook "https://hooks.example.com/services/T0/B0/SECRET?token=abc" { method "POST" }
      manual "Check \"the\" <listener> #1\nthen the replicas, one by one, before going on"
      wait 45s
    }
  }
}
"#;
    let (plan, d) = drplan::compile(&drplan::SourceFile::new("p.drplan", text));
    assert!(d.is_empty(), "{d:?}");
    let plan = plan.unwrap();
    let graph = drplan::graph::build(&plan, Operation::Failover, None);
    let dot = graph.to_dot(&plan);
    let mermaid = graph.to_mermaid(&plan);
    for out in [&dot, &mermaid] {
        assert!(!out.contains("SECRET") && !out.contains("token"), "{out}");
        assert!(out.contains("webhook: hooks.example.com"), "{out}");
        assert!(
            out.contains("est. 7m") && out.contains("wait: 45s"),
            "{out}"
        );
    }
    assert!(dot.contains(r#"subgraph "cluster_a \"b\" <c>" {"#), "{dot}");
    assert!(dot.contains(r#"label="a \"b\" <c>";"#), "{dot}");
    assert!(
        dot.contains(
            r#"[label="hook:a \"b\" <c>/after/2\nmanual: Check \"the\" <listener> #1 then the repl…\nest. 5m", shape=ellipse];"#
        ),
        "{dot}"
    );
    assert!(
        mermaid.contains(r#"subgraph g0["a #quot;b#quot; #lt;c#gt;"]"#),
        "{mermaid}"
    );
    assert!(
        mermaid.contains(
            "([\"hook:a #quot;b#quot; #lt;c#gt;/after/2<br/>manual: Check #quot;the#quot; #lt;listener#gt; #35;1 then the repl…<br/>est. 5m\"])"
        ),
        "{mermaid}"
    );
    // Every label is one line, so no line of either output is cut in two.
    assert!(
        mermaid
            .lines()
            .all(|l| l.trim_start().starts_with(['s', 'f', 'e'])),
        "{mermaid}"
    );
}
