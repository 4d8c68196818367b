//! `drplan resume RUN_ID`: continues a failed, cancelled or interrupted run
//! from its journal, with the plan text the run started with. Steps that
//! succeeded are not run again; steps that were in flight are settled with
//! the provider first (their recorded job is followed, never restarted).

use std::path::PathBuf;

use super::args::{Format, ResumeArgs};
use super::exit::ExitCode;
use super::session::Session;
use super::{Ctx, output};
use crate::journal::{RunId, RunState, RunStatus, RunStore};
use crate::source::SourceFile;

pub(super) fn run(args: &ResumeArgs, ctx: &Ctx) -> ExitCode {
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let loaded = rt.block_on(async {
        let store = super::runs::find(&args.run_id, args.plan.as_deref()).await?;
        let id = RunId(args.run_id.clone());
        let records = store.read(&id).await.map_err(|e| e.to_string())?;
        let state = RunState::replay(&records)
            .ok_or_else(|| format!("run {id} has no `run_started` event; it cannot be resumed"))?;
        let text = store
            .plan_text(&id, state.plan_revision)
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((state, text, store))
    });
    drop(rt);
    let (state, text, store) = match loaded {
        Ok(l) => l,
        Err(e) => {
            output::error(&e);
            return ExitCode::Usage;
        }
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
    // The plan beside the store where the run was found: the checkout may
    // have moved since the run started (another CI workspace, a renamed
    // folder), and the lock, the vault state and the scripts live there.
    let journaled = PathBuf::from(&settings.plan_file);
    let found = store
        .root()
        .parent()
        .and_then(|d| std::fs::canonicalize(d).ok());
    let was = journaled
        .parent()
        .and_then(|d| std::fs::canonicalize(d).ok());
    let plan_path = match (found, journaled.file_name()) {
        (Some(dir), Some(name)) if was.as_ref() != Some(&dir) => dir.join(name),
        _ => journaled,
    };
    if std::fs::read_to_string(&plan_path).is_ok_and(|now| now != text) {
        tracing::warn!(
            "{} changed since run {} started; resuming with the plan as it was then",
            plan_path.display(),
            state.run_id
        );
    }
    // The copy kept with the run, compiled as if it were the plan file so
    // that script paths resolve beside the plan.
    let source = SourceFile::new(plan_path.clone(), text.clone());
    let (plan, diagnostics) = crate::compile(&source);
    let Some(plan) = plan else {
        for d in &diagnostics {
            eprint!(
                "{}",
                crate::render::human(&source, d, false, output::width())
            );
        }
        output::error("the plan kept with the run no longer compiles; it cannot be resumed");
        return ExitCode::Failed;
    };
    let only = match super::select_groups(&plan, &settings.groups) {
        Ok(only) => only,
        Err(code) => return code,
    };
    let graph = crate::graph::build(&plan, state.operation, only.as_deref());
    Session {
        place: super::state::Place::Local(store.clone()),
        shown_path: plan_path.clone(),
        plan_path,
        plan_text: text,
        plan,
        graph,
        settings,
        run_id: state.run_id.clone(),
        prior: Some(state),
        json: args.format == Format::Json,
        yes: args.yes,
        strict: args.strict,
        color: ctx.color,
        credential: ctx.credential,
    }
    .execute()
}
