//! `drplan approve RUN_ID STEP`: approves a `manual` step that a run waits
//! on in another process, by recording the approval in the run's store.

use super::args::ApproveArgs;
use super::exit::ExitCode;
use super::output;
use crate::journal::{Event, RunId, RunStore};

pub(super) fn run(args: &ApproveArgs) -> ExitCode {
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let result = rt.block_on(async {
        let store = super::runs::find(&args.run_id, args.plan.as_deref()).await?;
        let id = RunId(args.run_id.clone());
        let records = store.read(&id).await.map_err(|e| e.to_string())?;
        let mut kind = None;
        let mut waiting = false;
        for r in &records {
            match &r.event {
                Event::StepStarted { step, kind: k, .. } if *step == args.step => {
                    kind = Some(k.clone());
                    waiting = true;
                }
                Event::StepFinished { step, .. } if *step == args.step => waiting = false,
                _ => {}
            }
        }
        ensure_running(&store, &id, &records, &args.step).await?;
        match kind.as_deref() {
            Some("manual") if waiting => {}
            Some("manual") => {
                return Err(format!(
                    "{} of run {id} is not waiting for approval",
                    args.step
                ));
            }
            Some(other) => {
                return Err(format!(
                    "{} of run {id} is a {other} step, not a manual one",
                    args.step
                ));
            }
            None => {
                let manual: Vec<String> = records
                    .iter()
                    .filter_map(|r| match &r.event {
                        Event::StepStarted { step, kind, .. } if kind == "manual" => {
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
                return Err(format!(
                    "run {id} has not started a step `{}`; {hint}",
                    args.step
                ));
            }
        }
        let by = crate::journal::store::local_operator();
        let decision = crate::journal::Decision {
            verdict: crate::journal::Verdict::Approved,
            by: by.clone(),
            at: crate::clock::Clock::system().now(),
            comment: None,
        };
        store
            .decide(&id, &args.step, &decision)
            .await
            .map_err(|e| e.to_string())?;
        Ok(by)
    });
    match result {
        Ok(by) => {
            match args.format {
                super::args::Format::Json => output::json(&serde_json::json!({
                    "run_id": args.run_id, "step": args.step, "approved_by": by
                })),
                super::args::Format::Human => output::print(&format!(
                    "approved {} of run {} ({by})\n",
                    args.step, args.run_id
                )),
            }
            ExitCode::Success
        }
        Err(e) => {
            output::error(&e);
            ExitCode::Usage
        }
    }
}

/// An approval only reaches a run that waits for it; one given to a stopped
/// run would pass the step unseen on a later resume.
async fn ensure_running(
    store: &dyn RunStore,
    id: &RunId,
    records: &[crate::journal::Record],
    step: &str,
) -> Result<(), String> {
    let state = crate::journal::RunState::replay(records)
        .ok_or_else(|| format!("run {id} has no `run_started` event"))?;
    let running = super::runs::is_running(store, &state).await;
    if !running {
        let how = state.summary(false).status;
        let how = serde_json::to_value(how)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        return Err(format!(
            "run {id} is not running (it is {how}); resume it with `drplan resume {id}` and approve {step} when it waits, or add `--yes`"
        ));
    }
    Ok(())
}
