//! Tests of the schedule under a run-wide cap, on random DAG plans: the cap,
//! group limits and edges are honoured; improvement never loses to the
//! greedy start; and the lower bound lies between the simple bound and
//! every schedule.

use std::fmt::Write as _;

use proptest::prelude::*;

use super::*;
use crate::graph::{self, Operation};
use crate::source::SourceFile;

/// A plan of `sizes.len()` groups, group `i` of `sizes[i]` VMs with the
/// estimates (minutes) `minutes`, needing the groups `needs[i]` (indexes
/// below `i`), each group at most `parallelism` VMs at a time.
fn plan(sizes: &[usize], needs: &[Vec<usize>], minutes: &[u64], parallelism: u32) -> String {
    let mut text = String::from(
        "plan p {\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n",
    );
    let _ = writeln!(text, "  defaults {{ parallelism {parallelism} }}");
    let mut m = minutes.iter().cycle();
    for (i, size) in sizes.iter().enumerate() {
        let after: Vec<String> = needs[i].iter().map(|n| format!("g{n}")).collect();
        let needs = if after.is_empty() {
            String::new()
        } else {
            format!(" needs {}", after.join(", "))
        };
        let _ = writeln!(text, "  group g{i}{needs} {{");
        for v in 0..*size {
            let est = m.next().copied().unwrap_or(5);
            let _ = writeln!(text, "    vm g{i}-vm{v} {{ estimate {est}m }}");
        }
        text.push_str("  }\n");
    }
    text.push_str("}\n");
    text
}

fn graph_of(text: &str) -> crate::graph::StepGraph {
    let (plan, diagnostics) = crate::compile(&SourceFile::new("p.drplan", text));
    let plan = plan.unwrap_or_else(|| panic!("{diagnostics:?}\n{text}"));
    graph::build(&plan, Operation::Failover, None)
}

fn dag() -> impl Strategy<Value = String> {
    (2usize..9)
        .prop_flat_map(|groups| {
            (
                prop::collection::vec(1usize..6, groups),
                prop::collection::vec(
                    prop::collection::vec(any::<prop::sample::Index>(), 0..3),
                    groups,
                ),
                prop::collection::vec(1u64..20, 1..12),
                1u32..4,
            )
        })
        .prop_map(|(sizes, picks, minutes, parallelism)| {
            let needs: Vec<Vec<usize>> = picks
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let mut n: Vec<usize> = if i == 0 {
                        Vec::new()
                    } else {
                        p.iter().map(|x| x.index(i)).collect()
                    };
                    n.sort_unstable();
                    n.dedup();
                    n
                })
                .collect();
            plan(&sizes, &needs, &minutes, parallelism)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_capped_schedule_honours_the_cap_the_groups_and_the_edges(text in dag(), cap in 1u32..6) {
        let graph = graph_of(&text);
        let s = Schedule::capped(&graph, Some(cap)).unwrap();
        let g = &graph.graph;
        for e in g.raw_edges() {
            prop_assert!(s.start[e.target().index()] >= s.finish[e.source().index()]);
        }
        let vms: Vec<usize> = g.node_indices().filter(|v| g[*v].action.machine().is_some()).map(NodeIndex::index).collect();
        for &v in &vms {
            let at = s.start[v];
            let running: Vec<usize> = vms.iter().copied().filter(|&w| s.start[w] <= at && at < s.finish[w]).collect();
            prop_assert!(running.len() <= cap as usize, "{} VMs at {at:?}", running.len());
            let group = g[NodeIndex::new(v)].group;
            let limit = graph.groups[group].parallelism.max(1) as usize;
            prop_assert!(running.iter().filter(|&&w| g[NodeIndex::new(w)].group == group).count() <= limit);
        }
    }

    #[test]
    fn the_lower_bound_lies_between_the_simple_bound_and_every_schedule(text in dag(), cap in 1u32..6) {
        let graph = graph_of(&text);
        let uncapped = Schedule::new(&graph);
        let critical = uncapped.priority.iter().copied().max().unwrap_or_default();
        let work: u64 = graph.steps().filter(|(_, s)| s.action.machine().is_some()).map(|(_, s)| s.estimate.as_millis()).sum();
        let simple = critical.max(Duration::from_millis(work.div_ceil(u64::from(cap))));
        let bound = lower_bound(&graph, cap);
        prop_assert!(bound >= simple);
        prop_assert!(Schedule::new_capped(&graph, Some(cap)).total >= bound);
    }

    #[test]
    fn improvement_never_loses_to_the_greedy_start(text in dag(), cap in 1u32..6) {
        let graph = graph_of(&text);
        let steps = Steps::new(&graph, Some(cap));
        let adj = Successors::new(&graph);
        let path = Schedule::new(&graph).priority;
        let greedy = ranks(steps.len(), |v| (Reverse(path[v]), v));
        let start = simulate(&steps, &adj, &greedy).makespan();
        prop_assert!(Schedule::new_capped(&graph, Some(cap)).total <= start);
    }
}

#[test]
fn the_bound_counts_the_start_when_only_a_few_steps_can_run_first() {
    // One VM of 10m that everything else needs, then 8 VMs of 10m, cap 4:
    // work / cap = 22.5m, critical path 20m, but the first 10m run one VM,
    // so the eight need two more rounds: 30m.
    let text = plan(&[1, 8], &[vec![], vec![0]], &[10], 8);
    let graph = graph_of(&text);
    assert_eq!(lower_bound(&graph, 4), Duration::from_mins(30));
    assert_eq!(
        Schedule::capped(&graph, Some(4)).unwrap().total,
        Duration::from_mins(30)
    );
}
