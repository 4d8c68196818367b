//! `drplan output RUN_ID [STEP]`: the whole (redacted) output kept of each
//! hook attempt of a run, from whichever store holds it: every hook step
//! of the run in journal order, or only STEP; for people (a header per
//! attempt) or as `{"outputs": [{"step", "attempt", "text"}]}`.

use std::fmt::Write as _;

use super::Ctx;
use super::args::{Format, OutputArgs};
use super::exit::ExitCode;
use super::output::{self, ErrorCode, Refusal};
use super::state::Store;
use crate::journal::Event;

#[derive(serde::Serialize)]
struct Kept {
    step: String,
    attempt: u32,
    text: String,
}

pub(super) fn run(args: &OutputArgs, ctx: &Ctx) -> ExitCode {
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let found = rt.block_on(async {
        let (opened, id, records) = Store::with_run(&args.run_id, &args.at, ctx.credential).await?;
        let store = opened.get();
        // Hook steps in the order they first started.
        let mut steps: Vec<String> = Vec::new();
        for r in &records {
            if let Event::StepStarted { step, kind, .. } = &r.event
                && kind.is_hook()
                && !steps.contains(step)
            {
                steps.push(step.clone());
            }
        }
        if let Some(only) = &args.step {
            if !steps.contains(only) {
                return Err(Refusal::new(
                    ErrorCode::Usage,
                    format!(
                        "run {id} has run no hook step `{only}`; its hook steps: {}",
                        if steps.is_empty() {
                            "none".to_string()
                        } else {
                            steps.join(", ")
                        }
                    ),
                ));
            }
            steps.retain(|s| s == only);
        }
        let mut kept = Vec::new();
        for step in steps {
            let outputs = store
                .outputs(&id, &step)
                .await
                .map_err(|e| Refusal::new(ErrorCode::Failed, e.to_string()))?;
            for k in outputs {
                kept.push(Kept {
                    step: step.clone(),
                    attempt: k.attempt,
                    text: k.text,
                });
            }
        }
        Ok::<_, Refusal>(kept)
    });
    let kept = match found {
        Ok(kept) => kept,
        Err(refusal) => return ctx.refuse(&refusal, ExitCode::Usage),
    };
    match args.format {
        Format::Json => output::document(
            output::Schema::Output,
            &serde_json::json!({ "outputs": kept }),
        ),
        Format::Human => output::print(&human(&kept)),
    }
    ExitCode::Success
}

fn human(kept: &[Kept]) -> String {
    if kept.is_empty() {
        return "no hook output was kept for this run\n".to_string();
    }
    let mut out = String::new();
    for k in kept {
        let _ = writeln!(out, "== {} (attempt {}) ==", k.step, k.attempt);
        out.push_str(&crate::printable::printable(&k.text));
        if !k.text.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}
