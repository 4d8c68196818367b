//! Blob names below a store's prefix: a run id, a step, a revision or an
//! attempt in; the name of the blob that keeps it out (see the layout in
//! the module above).

use crate::journal::decision::KeptOutput;
use crate::journal::event::RunId;

/// Segment `index` of a run's journal.
pub(super) fn segment_name(run: &RunId, index: u32) -> String {
    format!("runs/{run}/journal.{index:06}")
}

pub(super) fn segment_index(name: &str) -> u32 {
    name.rsplit('.')
        .next()
        .and_then(|i| i.parse().ok())
        .unwrap_or(0)
}

pub(super) fn plan_name(run: &RunId, revision: u32) -> String {
    if revision == 0 {
        format!("runs/{run}/plan.drplan")
    } else {
        format!("runs/{run}/plan.{revision}.drplan")
    }
}

pub(super) fn approval_name(run: &RunId, step: &str) -> String {
    format!(
        "runs/{run}/approvals/{}",
        crate::graph::step_file_name(step)
    )
}

pub(super) fn output_name(run: &RunId, step: &str, attempt: u32) -> String {
    format!("runs/{run}/output/{}", KeptOutput::file_name(step, attempt))
}

pub(super) fn lock_name(plan: &str) -> String {
    format!("locks/{}.lock", crate::graph::step_file_name(plan))
}
