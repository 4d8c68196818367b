//! `drplan resume RUN_ID [--plan PATH]`: continues a failed, cancelled or
//! interrupted run from its journal, with the plan text the run has (as it
//! started, or as last corrected). Steps that succeeded are not run again;
//! steps that were in flight are settled with the provider first (their
//! recorded job is followed, never restarted).
//!
//! `--plan` names a plan file or folder whose `.drplan/` holds the run. A
//! plan file whose text differs from the run's copy is a correction: it is
//! compiled, compared with the run's plan (see [`crate::amend`]), and the
//! differences are printed; a correction that changes what the run already
//! did is refused (exit 2, nothing written), any other is kept as the run's
//! next plan revision and journaled (`plan_amended`) before the run goes on.

use std::path::{Path, PathBuf};

use super::args::ResumeArgs;
use super::exit::ExitCode;
use super::output::{ErrorCode, Refusal};
use super::session::{Flags, Planned, Session};
use super::state::{Place, RunLookupError};
use super::{Ctx, output};
use crate::amend::{AmendError, RunPlan};
use crate::clock::Clock;
use crate::exec::EventSink;
use crate::graph::StepGraph;
use crate::journal::{
    Event, JournalError, LocalStore, Record, RunId, RunSettings, RunState, RunStatus, RunStore,
};
use crate::plan::Plan;
use crate::source::SourceFile;

/// A correction the resumed run continues with: the revision its text is
/// kept as, and what changed, one line a change.
pub(super) struct Amended {
    pub(super) revision: u32,
    pub(super) changes: Vec<String>,
}

impl Amended {
    /// Keeps the corrected text as the run's next plan revision, then
    /// journals `plan_amended`. Called once the run's journal is held, so a
    /// resume that stops before (the plan's lock is taken, machines are not
    /// ready) keeps nothing. A failure is said, and exits 1.
    pub(super) async fn keep(
        &self,
        store: &dyn RunStore,
        sink: &dyn EventSink,
        run: &RunId,
        text: &str,
        clock: Clock,
    ) -> Result<(), ExitCode> {
        let kept = async {
            store.amend_plan(run, self.revision, text).await?;
            sink.emit(Record {
                ts: clock.now(),
                event: Event::PlanAmended {
                    revision: self.revision,
                    changes: self.changes.clone(),
                },
            })
            .await
        };
        kept.await.map_err(|e: JournalError| {
            output::error(&format!(
                "{e}; the run was not resumed with the corrected plan, and `drplan resume {run} --plan FILE` tries again"
            ));
            ExitCode::Failed
        })
    }
}

/// The plan a resumed run executes.
struct RunPlanText {
    text: String,
    plan: Plan,
    graph: StepGraph,
    amendment: Option<Amended>,
}

pub(super) fn run(args: &ResumeArgs, ctx: &Ctx) -> ExitCode {
    let (state, text, place) = match load(args, ctx) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if state.finished == Some(RunStatus::Succeeded) {
        output::print(&format!(
            "run {} already succeeded; there is nothing to resume\n",
            state.run_id
        ));
        return ExitCode::Success;
    }
    let Some(settings) = state.settings.clone() else {
        output::error(&format!(
            "run {} does not say which plan file it ran; it cannot be resumed",
            state.run_id
        ));
        return ExitCode::Usage;
    };
    let plan_path = match &place {
        Place::Local(store) => plan_beside(store, &settings),
        Place::Blob(..) => plan_here(&settings, args.plan.as_deref()),
    };
    // A plan file given with `--plan` whose text is not the run's copy is a correction.
    let corrected = match args.plan.as_deref().filter(|p| p.is_file()) {
        Some(file) => match super::paths::read(file) {
            Ok(source) if *source.text != *text => Some(source),
            Ok(_) => None,
            Err(e) => {
                output::error(&e.to_string());
                return ExitCode::Usage;
            }
        },
        None => None,
    };
    if corrected.is_none() && std::fs::read_to_string(&plan_path).is_ok_and(|now| now != text) {
        tracing::warn!(
            "{} changed since run {} started; resuming with the plan as it was then (`--plan {}` resumes with the file as it is now)",
            plan_path.display(),
            state.run_id,
            plan_path.display()
        );
    }
    let kept = match kept_plan(ctx, &plan_path, text, &state, &settings) {
        Ok(kept) => kept,
        Err(code) => return code,
    };
    let chosen = match corrected {
        Some(source) => match correct(ctx, &source, kept, &state, &settings, &plan_path) {
            Ok(chosen) => chosen,
            Err(code) => return code,
        },
        None => kept,
    };
    let planned = Planned {
        place,
        shown_path: plan_path.clone(),
        plan_path,
        plan_text: chosen.text,
        plan: chosen.plan,
        graph: chosen.graph,
        settings,
    };
    let flags = Flags::new(args.format, args.yes, args.strict, ctx).breaking_locks(args.break_lock);
    let run_id = state.run_id.clone();
    Session::new(planned, run_id, Some(state), chosen.amendment, flags).execute()
}

/// The run's state, its current plan text and where it is kept: a shared
/// store named by `--state`, `DRPLAN_STATE` or the `--plan` file's `state`,
/// else the `.drplan/` folder that holds it.
fn load(args: &ResumeArgs, ctx: &Ctx) -> Result<(RunState, String, Place), ExitCode> {
    let rt = super::runtime()?;
    let usage = |e: &Refusal| ctx.refuse(e, ExitCode::Usage);
    let shared = super::state::for_run(&args.state, args.plan.as_deref())
        .map_err(|e| usage(&Refusal::new(ErrorCode::Usage, e)))?;
    let loaded = rt.block_on(async {
        let place = match shared {
            Some(place) => place,
            None => Place::Local(find_store(&args.run_id, args.plan.as_deref()).await?),
        };
        let opened = place
            .clone()
            .open(ctx.credential)
            .await
            .map_err(RunLookupError::from)?;
        let store = opened.get();
        let id = RunId(args.run_id.clone());
        if !RunId::is_valid(&id.0) {
            return Err(RunLookupError::NotARunId(id.0).into());
        }
        let records = store.read(&id).await.map_err(RunLookupError::from)?;
        let state = RunState::replay(&records).ok_or_else(|| {
            Refusal::new(
                ErrorCode::RunState,
                format!("run {id} has no `run_started` event; it cannot be resumed"),
            )
        })?;
        let text = store
            .plan_text(&id, state.plan_revision)
            .await
            .map_err(|e| Refusal::new(ErrorCode::Failed, e.to_string()))?;
        Ok::<_, Refusal>((state, text, place))
    });
    drop(rt);
    loaded.map_err(|e| usage(&e))
}

/// Where a run kept in a shared store runs on this machine: beside the
/// plan file `--plan` names, else at the path it started from if that is
/// here, else in the current folder (scripts resolve beside it).
fn plan_here(settings: &RunSettings, plan: Option<&Path>) -> PathBuf {
    let journaled = PathBuf::from(&settings.plan_file);
    let name = journaled
        .file_name()
        .map_or_else(|| PathBuf::from("plan.drplan"), PathBuf::from);
    match plan {
        Some(p) if p.is_file() => std::path::absolute(p)
            .ok()
            .and_then(|p| p.parent().map(|d| d.join(&name)))
            .unwrap_or(name),
        Some(dir) if dir.is_dir() => std::path::absolute(dir).unwrap_or_default().join(name),
        _ if journaled.is_file() => journaled,
        _ => std::env::current_dir().unwrap_or_default().join(name),
    }
}

/// The store holding the run: beside `--plan`, or, for a corrected plan
/// file kept somewhere else, below the current folder.
async fn find_store(
    run_id: &str,
    plan: Option<&Path>,
) -> Result<LocalStore, super::state::RunLookupError> {
    match super::runs::find(run_id, plan).await {
        Ok(store) => Ok(store),
        Err(e) if plan.is_some_and(Path::is_file) => {
            super::runs::find(run_id, None).await.map_err(|_| e)
        }
        Err(e) => Err(e),
    }
}

/// The plan file beside the store where the run was found: the checkout may
/// have moved since the run started (another CI workspace, a renamed
/// folder), and the lock, the vault state and the scripts live there.
fn plan_beside(store: &LocalStore, settings: &RunSettings) -> PathBuf {
    let journaled = PathBuf::from(&settings.plan_file);
    let found = store
        .root()
        .parent()
        .and_then(|d| std::fs::canonicalize(d).ok());
    let was = journaled
        .parent()
        .and_then(|d| std::fs::canonicalize(d).ok());
    match (found, journaled.file_name()) {
        (Some(dir), Some(name)) if was.as_ref() != Some(&dir) => dir.join(name),
        _ => journaled,
    }
}

/// The copy kept with the run, compiled as if it were the plan file so that
/// script paths resolve beside the plan, and its graph.
fn kept_plan(
    ctx: &Ctx,
    plan_path: &Path,
    text: String,
    state: &RunState,
    settings: &RunSettings,
) -> Result<RunPlanText, ExitCode> {
    let source = SourceFile::new(plan_path.to_path_buf(), text);
    let (plan, diagnostics) = crate::compile(&source);
    let Some(plan) = plan else {
        for d in &diagnostics {
            eprint!(
                "{}",
                crate::render::human(&source, d, false, output::width())
            );
        }
        return Err(ctx.fail(
            ErrorCode::PlanInvalid,
            "the plan kept with the run no longer compiles; it cannot be resumed",
            ExitCode::Failed,
        ));
    };
    let only = super::select(ctx, &plan, &settings.groups, &settings.vms)?;
    let graph = crate::graph::build_only(&plan, state.operation, &only);
    Ok(RunPlanText {
        text: source.text.to_string(),
        plan,
        graph,
        amendment: None,
    })
}

/// The corrected plan, when it may replace the run's; the run's own when
/// it does the same; exit 1 when it does not compile, 2 when refused.
fn correct(
    ctx: &Ctx,
    source: &SourceFile,
    kept: RunPlanText,
    state: &RunState,
    settings: &RunSettings,
    plan_path: &Path,
) -> Result<RunPlanText, ExitCode> {
    let plan = ctx.compile(source)?;
    let only = super::select(ctx, &plan, &settings.groups, &settings.vms)?;
    let graph = crate::graph::build_only(&plan, state.operation, &only);
    let shown = source.display_path();
    let result = crate::amend::amend(
        RunPlan {
            plan: &kept.plan,
            graph: &kept.graph,
        },
        RunPlan {
            plan: &plan,
            graph: &graph,
        },
        state,
    );
    let run = &state.run_id;
    match result {
        Ok(amendment) if amendment.is_empty() => {
            eprintln!(
                "{shown} differs from run {run}'s plan only in comments or layout; resuming with the run's plan"
            );
            Ok(kept)
        }
        Ok(amendment) => {
            let revision = state.plan_revision + 1;
            let lines = amendment.lines();
            print_changes(&shown, run, &lines);
            eprintln!(
                "{}; none touches a step that already ran, so run {run} continues with this plan (revision {revision})",
                count(lines.len(), "change")
            );
            if !same_folder(source.path.as_path(), plan_path) {
                eprintln!(
                    "note: the run's scripts and state stay beside {}",
                    plan_path.display()
                );
            }
            Ok(RunPlanText {
                text: source.text.to_string(),
                plan,
                graph,
                amendment: Some(Amended {
                    revision,
                    changes: lines,
                }),
            })
        }
        Err(AmendError::Refused { changes, conflicts }) => {
            let lines: Vec<String> = changes.iter().map(ToString::to_string).collect();
            print_changes(&shown, run, &lines);
            output::error(&format!(
                "resume refused: {shown} changes what run {run} already did ({}); nothing was done",
                count(conflicts.len(), "conflict")
            ));
            for conflict in &conflicts {
                eprintln!("  {}", crate::printable::printable(&conflict.to_string()));
            }
            eprintln!(
                "to go on, undo those changes in {shown} and resume again; or start a new run of the corrected plan (`drplan run {} {shown}`)",
                state.operation
            );
            Err(ExitCode::Usage)
        }
    }
}

/// The differences, one indented line each, on stderr.
fn print_changes(shown: &str, run: &RunId, lines: &[String]) {
    eprintln!("{shown} differs from run {run}'s plan:");
    for line in lines {
        eprintln!("  {}", crate::printable::printable(line));
    }
}

/// `1 change`, `2 changes`.
fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// Whether two files are in the same folder.
fn same_folder(a: &Path, b: &Path) -> bool {
    let dir = |p: &Path| {
        let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
        std::fs::canonicalize(parent.unwrap_or(Path::new("."))).ok()
    };
    dir(a).is_some() && dir(a) == dir(b)
}
