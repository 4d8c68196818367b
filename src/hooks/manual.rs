//! `manual "<instructions>"`: the instructions in; who approved out, once an
//! operator has. How the answer arrives is an [`Approvals`]: [`AutoApprove`]
//! for `--yes`, or the command line's own, which asks on the terminal and
//! takes approvals given with `drplan approve RUN_ID STEP` through the run
//! store.

use async_trait::async_trait;

use super::{HookContext, HookError, HookOutput};
use crate::provider::Progress;

/// How a `manual` step gets its answer.
#[async_trait]
pub trait Approvals: Send + Sync {
    /// Waits until the step `ctx.step` is approved and says who or how
    /// (`approved by --yes`). Dropping the future stops waiting.
    async fn wait(&self, ctx: &HookContext, instructions: &str) -> Result<String, HookError>;
}

/// `--yes`: every manual step is approved at once.
#[derive(Debug, Clone, Copy, Default)]
pub struct AutoApprove;

#[async_trait]
impl Approvals for AutoApprove {
    async fn wait(&self, _ctx: &HookContext, _instructions: &str) -> Result<String, HookError> {
        Ok("approved by --yes".into())
    }
}

/// Runs a manual step: says what it waits for, then waits.
pub(super) async fn run(
    approvals: &dyn Approvals,
    ctx: &HookContext,
    instructions: &str,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<HookOutput, HookError> {
    progress(Progress {
        percent: None,
        message: format!("waiting for approval: {instructions}"),
    });
    let summary = approvals.wait(ctx, instructions).await?;
    Ok(HookOutput { summary })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::hooks::context::tests::context;

    #[tokio::test]
    async fn auto_approve_answers_at_once() {
        let ctx = context(PathBuf::from("."));
        let out = run(&AutoApprove, &ctx, "check the DB", &|_| {})
            .await
            .unwrap();
        assert_eq!(out.summary, "approved by --yes");
    }
}
