//! The dry run's report: a step graph and its schedule in; the waves, every
//! step's estimated start, the critical path, the total against the RTO and
//! the worst case, as `drplan run --dry-run` prints them (spec: cli.md "Dry
//! run"), out.

use petgraph::graph::NodeIndex;
use serde::Serialize;

use super::Schedule;
use crate::duration::Duration;
use crate::graph::StepGraph;

/// The dry-run report (spec: cli.md "Dry run").
#[derive(Debug, Serialize)]
pub struct DryRun<'a> {
    /// The plan.
    pub plan: &'a str,
    /// The operation.
    pub operation: &'static str,
    /// Waves of step ids.
    pub waves: Vec<Vec<&'a str>>,
    /// Every step.
    pub steps: Vec<DryRunStep<'a>>,
    /// The chain that sets the total.
    pub critical_path: Vec<&'a str>,
    /// The estimated total, seconds.
    pub estimate_s: u64,
    /// The plan's RTO, seconds, when it has one and it applies to the operation.
    pub rto_s: Option<u64>,
    /// Whether the estimate fits the RTO.
    pub fits_rto: Option<bool>,
    /// Every step at its timeout, every retry taken (see
    /// [`DryRun::with_worst_case`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst_case: Option<WorstCaseReport<'a>>,
}

/// The worst case of [`DryRun`]: the same schedule with every step at its
/// timeout × (retries + 1) plus the longest backoffs between attempts.
#[derive(Debug, Serialize)]
pub struct WorstCaseReport<'a> {
    /// The total, seconds.
    pub estimate_s: u64,
    /// The chain that sets it.
    pub critical_path: Vec<&'a str>,
    /// Steps without a timeout, counted at their estimate.
    pub unbounded: Vec<&'a str>,
}

/// One step of [`DryRun`].
#[derive(Debug, Serialize)]
pub struct DryRunStep<'a> {
    /// Step id.
    pub id: &'a str,
    /// A VM operation, or the hook's kind.
    pub kind: crate::graph::StepKind,
    /// The group.
    pub group: &'a str,
    /// Estimated duration, seconds.
    pub estimate_s: u64,
    /// Where the estimate comes from: declared, built in, or learned from runs.
    pub estimate_source: crate::graph::EstimateSource,
    /// Estimated start, seconds from the run's start.
    pub start_s: u64,
    /// Steps it waits for.
    pub needs: Vec<&'a str>,
}

impl<'a> DryRun<'a> {
    /// The report of `schedule` on `graph`, with the plan's RTO.
    pub fn new(graph: &'a StepGraph, schedule: &Schedule, rto: Option<Duration>) -> Self {
        let g = &graph.graph;
        let id = |v: NodeIndex| g[v].id.as_str();
        let rto = rto.filter(|_| graph.operation.has_rto());
        DryRun {
            plan: &graph.plan,
            operation: graph.operation.as_str(),
            waves: schedule
                .waves
                .iter()
                .map(|w| w.iter().map(|v| id(*v)).collect())
                .collect(),
            steps: graph
                .steps()
                .map(|(v, step)| DryRunStep {
                    id: step.id.as_str(),
                    kind: step.kind,
                    group: graph.group_name(step),
                    estimate_s: step.estimate.as_secs_ceil(),
                    estimate_source: step.estimate_source,
                    start_s: schedule.start[v.index()].as_secs_ceil(),
                    needs: graph.needs(v).into_iter().map(id).collect(),
                })
                .collect(),
            critical_path: schedule.critical_path.iter().map(|v| id(*v)).collect(),
            estimate_s: schedule.total.as_secs_ceil(),
            rto_s: rto.map(Duration::as_secs_ceil),
            fits_rto: rto.map(|r| schedule.total <= r),
            worst_case: None,
        }
    }

    /// With the worst case: `worst` scheduled on the graph of `worst`
    /// (`crate::learn::worst_case`), whose steps are `graph`'s.
    #[must_use]
    pub fn with_worst_case(
        mut self,
        graph: &'a StepGraph,
        worst: &Schedule,
        unbounded: &[NodeIndex],
    ) -> Self {
        let id = |v: &NodeIndex| graph.graph[*v].id.as_str();
        self.worst_case = Some(WorstCaseReport {
            estimate_s: worst.total.as_secs_ceil(),
            critical_path: worst.critical_path.iter().map(id).collect(),
            unbounded: unbounded.iter().map(id).collect(),
        });
        self
    }
}
