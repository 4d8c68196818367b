//! `manual "<instructions>"`: the instructions in; the operator's answer out,
//! once one is given: an approval (the step succeeds) or a rejection (it
//! fails, and is not retried), each with who gave it and their comment. How
//! the answer arrives is an [`Approvals`]: [`AutoApprove`] for `--yes`, or the
//! command line's own, which asks on the terminal and takes answers given
//! with `drplan approve` / `drplan reject` through the run store.

use async_trait::async_trait;

use super::{HookContext, HookError, HookOutput};
use crate::journal::{Decision, Verdict};
use crate::provider::Progress;

/// How a `manual` step gets its answer.
#[async_trait]
pub trait Approvals: Send + Sync {
    /// Waits until the step `ctx.step` is approved or rejected, and says by
    /// whom. An error is a failure to get any answer (the run store could
    /// not be read). Dropping the future stops waiting.
    async fn wait(&self, ctx: &HookContext, instructions: &str) -> Result<Decision, HookError>;

    /// Whether every step is approved at once (`--yes`): then no one is
    /// told that a step waits, since none does.
    fn approves_at_once(&self) -> bool {
        false
    }
}

/// How a manual step's progress says that it waits for a person: what
/// `status` and the notifications look for.
pub const WAITING_FOR_APPROVAL: &str = "waiting for approval: ";

/// `--yes`: every manual step is approved at once.
#[derive(Debug, Clone, Copy, Default)]
pub struct AutoApprove;

#[async_trait]
impl Approvals for AutoApprove {
    async fn wait(&self, _ctx: &HookContext, _instructions: &str) -> Result<Decision, HookError> {
        Ok(approved_with_yes())
    }

    fn approves_at_once(&self) -> bool {
        true
    }
}

/// The approval `--yes` gives: by the account running drplan, noted as
/// given by `--yes` rather than by a person reading the question.
pub fn approved_with_yes() -> Decision {
    Decision {
        verdict: Verdict::Approved,
        by: format!("{} (--yes)", crate::journal::store::local_operator()),
        at: crate::clock::Clock::system().now(),
        comment: None,
    }
}

/// Runs a manual step: says what it waits for, then waits for the answer.
pub(super) async fn run(
    approvals: &dyn Approvals,
    ctx: &HookContext,
    instructions: &str,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<HookOutput, HookError> {
    let message = if approvals.approves_at_once() {
        format!("approved with --yes: {instructions}")
    } else {
        format!("{WAITING_FOR_APPROVAL}{instructions}")
    };
    progress(Progress {
        percent: None,
        message,
    });
    let decision = approvals.wait(ctx, instructions).await?;
    let summary = decision.describe();
    match decision.verdict {
        Verdict::Approved => Ok(HookOutput {
            summary,
            decision: Some(decision),
        }),
        Verdict::Rejected => Err(HookError {
            message: summary,
            output_tail: None,
            decision: Some(decision),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::hooks::context::tests::context;

    #[tokio::test]
    async fn auto_approve_answers_at_once_as_the_local_account() {
        let ctx = context(PathBuf::from("."));
        let out = run(&AutoApprove, &ctx, "check the DB", &|_| {})
            .await
            .unwrap();
        let decision = out.decision.unwrap();
        assert_eq!(decision.verdict, Verdict::Approved);
        assert_eq!(
            decision.by,
            format!("{} (--yes)", crate::journal::store::local_operator())
        );
        assert_eq!(out.summary, decision.describe());
    }

    struct Reject;

    #[async_trait]
    impl Approvals for Reject {
        async fn wait(&self, _: &HookContext, _: &str) -> Result<Decision, HookError> {
            Ok(Decision {
                verdict: Verdict::Rejected,
                by: "ana@contoso.com".into(),
                at: crate::clock::Clock::test().now(),
                comment: Some("AG not in sync".into()),
            })
        }
    }

    #[tokio::test]
    async fn a_rejection_fails_naming_who_and_why() {
        let ctx = context(PathBuf::from("."));
        let err = run(&Reject, &ctx, "check the DB", &|_| {})
            .await
            .unwrap_err();
        assert_eq!(
            err.message,
            "rejected by ana@contoso.com: \"AG not in sync\""
        );
        assert_eq!(err.decision.unwrap().verdict, Verdict::Rejected);
    }

    #[tokio::test]
    async fn only_a_step_that_waits_for_a_person_says_it_waits() {
        let ctx = context(PathBuf::from("."));
        let said = std::sync::Mutex::new(Vec::new());
        let record = |p: Progress| said.lock().unwrap().push(p.message);
        run(&Reject, &ctx, "check the DB", &record)
            .await
            .unwrap_err();
        run(&AutoApprove, &ctx, "check the DB", &record)
            .await
            .unwrap();
        assert_eq!(
            *said.lock().unwrap(),
            [
                format!("{WAITING_FOR_APPROVAL}check the DB"),
                "approved with --yes: check the DB".to_string()
            ]
        );
    }
}
