//! `drplan report RUN_ID`: one run's record as evidence, from whichever
//! store holds it: its journal, the plan text kept with it (latest
//! revision), the hooks' kept output and whether a live process still runs
//! it, in; the report as HTML, Markdown or JSON on stdout or in `--output
//! FILE`, out. Exit 2 for a run that is not there (with the ids closest to
//! it), 1 when the store or the file cannot be used, else 0, whatever the
//! run's own outcome.

use std::collections::HashMap;

use super::Ctx;
use super::args::{ReportArgs, ReportFormat};
use super::exit::ExitCode;
use super::output::{self, ErrorCode};
use super::state::{RunAt, Store};
use crate::clock::Clock;
use crate::journal::{Event, LocalStore, RunId, RunStore};
use crate::report::{Inputs, Report};

/// Why no report could be made.
#[derive(Debug, thiserror::Error)]
enum ReportError {
    /// No such run (or not a run id).
    #[error("{0}")]
    NoRun(String),
    /// The store could not be read.
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
}

pub(super) fn run(args: &ReportArgs, ctx: &Ctx) -> ExitCode {
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let built = rt.block_on(build(args, ctx));
    let report = match built {
        Ok(report) => report,
        Err(e @ ReportError::NoRun(_)) => {
            return ctx.fail(ErrorCode::RunNotFound, &e.to_string(), ExitCode::Usage);
        }
        Err(e) => return ctx.fail(ErrorCode::Failed, &e.to_string(), ExitCode::Failed),
    };
    let text = match args.format {
        ReportFormat::Html => crate::report::html::render(&report),
        ReportFormat::Md => crate::report::md::render(&report),
        ReportFormat::Json => crate::report::json::render(&report),
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                let message = format!("cannot write {}: {e}", path.display());
                return ctx.fail(ErrorCode::Failed, &message, ExitCode::Failed);
            }
            eprintln!("wrote {}", path.display());
        }
        None => output::print(&text),
    }
    ExitCode::Success
}

async fn build(args: &ReportArgs, ctx: &Ctx) -> Result<Report, ReportError> {
    let (opened, id, records) = match Store::with_run(&args.run_id, &args.at, ctx.credential).await
    {
        Ok(found) => found,
        Err(message) => {
            let close = close_ids(&args.run_id, &args.at, ctx.credential).await;
            return Err(ReportError::NoRun(format!("{message}{close}")));
        }
    };
    let store = opened.get();
    let state = crate::journal::RunState::replay(&records).ok_or_else(|| {
        ReportError::NoRun(format!(
            "run {id} has recorded nothing yet (no `run_started` in its journal)"
        ))
    })?;
    let plan_text = store
        .plan_text(&id, state.plan_revision)
        .await
        .map_err(|e| e.to_string());
    let live = store.is_live(&id).await?;
    let outputs = outputs(store, &id, &records).await?;
    let inputs = Inputs {
        records: &records,
        plan_text: plan_text.as_deref().map_err(Clone::clone),
        outputs,
        live,
        now: Clock::system().now(),
    };
    Report::build(inputs)
        .ok_or_else(|| ReportError::NoRun(format!("run {id} has recorded nothing yet")))
}

/// The kept output of every hook step of the run.
async fn outputs(
    store: &dyn RunStore,
    id: &RunId,
    records: &[crate::journal::Record],
) -> Result<HashMap<String, Vec<crate::journal::KeptOutput>>, ReportError> {
    let mut out = HashMap::new();
    for r in records {
        if let Event::StepStarted { step, kind, .. } = &r.event
            && kind.is_hook()
            && !out.contains_key(step)
        {
            out.insert(step.clone(), store.outputs(id, step).await?);
        }
    }
    Ok(out)
}

/// `; did you mean …?` from the runs of the store the command points at
/// (the shared store, or `.drplan/` beside `--plan` or in the current
/// folder), or nothing.
async fn close_ids(
    run_id: &str,
    at: &RunAt,
    credential: crate::provider::azure::CredentialKind,
) -> String {
    let store = if let Ok(Some(place)) = super::state::for_run(&at.state, at.plan.as_deref()) {
        match place.open(credential).await {
            Ok(store) => store,
            Err(_) => return String::new(),
        }
    } else {
        let dir = at.plan.as_deref().map_or_else(
            || std::path::PathBuf::from("."),
            |p| {
                if p.is_dir() {
                    p.to_path_buf()
                } else {
                    p.parent()
                        .map(std::path::Path::to_path_buf)
                        .unwrap_or_default()
                }
            },
        );
        Store::Local(LocalStore::new(dir.join(".drplan")))
    };
    let Ok(runs) = store.get().list().await else {
        return String::new();
    };
    let ids: Vec<&str> = runs.iter().map(|r| r.0.as_str()).collect();
    crate::suggest::did_you_mean(run_id, ids)
        .map(|hint| format!(" ({hint})"))
        .unwrap_or_default()
}
