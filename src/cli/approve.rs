//! `drplan approve RUN_ID STEP` and `drplan reject RUN_ID STEP`: answer a
//! `manual` step that a run waits on, from any process or machine that
//! reaches the run's store, by recording a [`Decision`] there (who: the
//! signed-in identity of a shared store, else the local account or `--as`;
//! when; the comment). The waiting run journals it and goes on, or fails
//! the step on a rejection.

use super::Ctx;
use super::args::DecideArgs;
use super::exit::ExitCode;
use super::output::{self, ErrorCode, Refusal};
use super::state::Store;
use crate::graph::StepKind;
use crate::journal::{Decision, Event, RunId, RunStore, Verdict};

pub(super) fn run(args: &DecideArgs, verdict: Verdict, ctx: &Ctx) -> ExitCode {
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let result = rt.block_on(async {
        let (opened, id, records) = Store::with_run(&args.run_id, &args.at, ctx.credential).await?;
        let store = opened.get();
        let stopped = stopped_as(store, &id, &records).await?;
        // An earlier answer comes first: the run it let go on may have
        // finished since, and "already approved" is what the operator needs.
        if let Some(earlier) = store
            .decision(&id, &args.step)
            .await
            .map_err(|e| Refusal::new(ErrorCode::Failed, e.to_string()))?
        {
            let ended = stopped
                .as_deref()
                .map(|how| format!(", and run {id} is not running (it is {how})"))
                .unwrap_or_default();
            return Err(Refusal::new(
                ErrorCode::RunState,
                format!(
                    "{} of run {id} was already {}{ended}",
                    args.step,
                    earlier.describe()
                ),
            ));
        }
        if let Some(how) = stopped {
            let step = &args.step;
            return Err(Refusal::new(
                ErrorCode::RunState,
                format!(
                    "run {id} is not running (it is {how}); resume it with `drplan resume {id}` and answer {step} when it waits, or add `--yes`"
                ),
            ));
        }
        ensure_waiting(&records, &id, &args.step)?;
        let decision = Decision {
            verdict,
            by: who(&opened, args.as_name.as_deref()).await?,
            at: crate::clock::Clock::system().now(),
            comment: args.comment.clone().filter(|c| !c.trim().is_empty()),
        };
        store
            .decide(&id, &args.step, &decision)
            .await
            .map_err(|e| Refusal::new(ErrorCode::Failed, e.to_string()))?;
        Ok::<_, Refusal>(decision)
    });
    match result {
        Ok(decision) => {
            match args.format {
                super::args::Format::Json => output::document(
                    output::Schema::Approve,
                    &serde_json::json!({
                        "run_id": args.run_id,
                        "step": args.step,
                        "verdict": decision.verdict,
                        "by": decision.by,
                        "at": decision.at.to_string(),
                        "comment": decision.comment,
                    }),
                ),
                super::args::Format::Human => output::print(&format!(
                    "{} of run {}: {}\n",
                    args.step,
                    args.run_id,
                    decision.describe()
                )),
            }
            ExitCode::Success
        }
        Err(refusal) => ctx.refuse(&refusal, ExitCode::Usage),
    }
}

/// The step must be a manual step the run has started and not finished.
fn ensure_waiting(
    records: &[crate::journal::Record],
    id: &RunId,
    step: &str,
) -> Result<(), Refusal> {
    let refused = |message: String| Err(Refusal::new(ErrorCode::RunState, message));
    let mut kind = None;
    let mut waiting = false;
    for r in records {
        match &r.event {
            Event::StepStarted {
                step: s, kind: k, ..
            } if s == step => {
                kind = Some(*k);
                waiting = true;
            }
            Event::StepFinished { step: s, .. } if s == step => waiting = false,
            _ => {}
        }
    }
    match kind {
        Some(StepKind::Manual) if waiting => {}
        Some(StepKind::Manual) => {
            return refused(format!("{step} of run {id} is not waiting for approval"));
        }
        Some(other) => {
            return refused(format!(
                "{step} of run {id} is a {other} step, not a manual one"
            ));
        }
        None => {
            let manual: Vec<String> = records
                .iter()
                .filter_map(|r| match &r.event {
                    Event::StepStarted { step, kind, .. } if *kind == StepKind::Manual => {
                        Some(step.clone())
                    }
                    _ => None,
                })
                .collect();
            let hint = if manual.is_empty() {
                "it has started no manual step".to_string()
            } else {
                format!("its manual steps: {}", manual.join(", "))
            };
            return refused(format!("run {id} has not started a step `{step}`; {hint}"));
        }
    }
    Ok(())
}

/// How the run stands when it is not running (`None` while it runs): an
/// approval only reaches a run that waits for it, and one given to a stopped
/// run would pass the step unseen on a later resume.
async fn stopped_as(
    store: &dyn RunStore,
    id: &RunId,
    records: &[crate::journal::Record],
) -> Result<Option<String>, Refusal> {
    let state = crate::journal::RunState::replay(records).ok_or_else(|| {
        Refusal::new(
            ErrorCode::RunState,
            format!("run {id} has no `run_started` event"),
        )
    })?;
    // A store that cannot say is no answer: the run may well be waiting.
    let running = super::runs::is_running(store, &state).await.map_err(|e| {
        Refusal::new(
            ErrorCode::Failed,
            format!("cannot tell whether run {id} is running: {e}"),
        )
    })?;
    if running {
        return Ok(None);
    }
    let how = serde_json::to_value(state.summary(false).status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    Ok(Some(how))
}

/// Who answers: a shared store's signed-in identity (never a name typed on
/// the command line, which anyone could type); for the local store `--as`
/// or the local account.
async fn who(store: &Store, as_name: Option<&str>) -> Result<String, Refusal> {
    match (store, as_name) {
        (Store::Local(_), Some(name)) if !name.trim().is_empty() => Ok(name.trim().to_string()),
        (Store::Local(_), _) => Ok(crate::journal::store::local_operator()),
        (Store::Blob(_), Some(_)) => Err(Refusal::new(
            ErrorCode::Usage,
            "`--as` names the approver only for runs kept in `.drplan/`; a shared store records the identity you are signed in as",
        )),
        (Store::Blob(blob), None) => match blob
            .identity()
            .await
            .map_err(|e| Refusal::new(ErrorCode::Failed, e.to_string()))?
        {
            Some(name) => Ok(name),
            // A SAS says nothing of who holds it.
            None => Ok(format!(
                "{} (with a SAS)",
                crate::journal::store::local_operator()
            )),
        },
    }
}
