//! `drplan runs [PATH…]`: the runs kept beside plans (each plan folder's
//! `.drplan/runs/`), newest first, each with the content it ran (the git
//! commit and the plan's content hash), for people or as `{"runs": […]}`;
//! and finding one run by id for `resume` and `approve`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::args::{Format, RunsArgs};
use super::exit::ExitCode;
use super::output;
use super::paths::{Walk, expand_with};
use super::state::Place;
use crate::journal::{
    BlobLocation, LocalStore, LocationSource, RunId, RunState, RunStore, RunSummary,
};

/// The `.drplan` stores beside the plans under `paths` (default: the
/// current folder), each once, in path order; the shared stores those
/// plans name in `state`; and what was left unread (see [`Walk::RUNS`]).
fn stores(paths: &[PathBuf]) -> (Vec<LocalStore>, Vec<BlobLocation>, Option<String>) {
    let (local, plans, cut) = local_stores(paths);
    let mut shared: Vec<BlobLocation> = Vec::new();
    for plan in plans {
        if let Some(location) = super::state::plan_state(&plan)
            && !shared.iter().any(|s| s.to_string() == location.to_string())
        {
            shared.push(location);
        }
    }
    (local, shared, cut)
}

/// The `.drplan` stores and the plan files below `paths`.
fn local_stores(paths: &[PathBuf]) -> (Vec<LocalStore>, Vec<PathBuf>, Option<String>) {
    let mut plans = Vec::new();
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut cut = None;
    let here = [PathBuf::from(".")];
    let roots = if paths.is_empty() { &here[..] } else { paths };
    // Each path on its own: a folder without plans must not hide the others'.
    for root in roots {
        let found = expand_with(std::slice::from_ref(root), Walk::RUNS).unwrap_or_default();
        cut = cut.or(found.cut);
        plans.extend(found.files.iter().cloned());
        dirs.extend(
            found
                .files
                .iter()
                .map(|f| f.parent().unwrap_or(Path::new(".")).to_path_buf()),
        );
    }
    // A folder given directly may hold runs of plans since moved away.
    for p in paths {
        if p.is_dir() {
            dirs.push(p.clone());
        }
    }
    if paths.is_empty() {
        dirs.push(PathBuf::from("."));
    }
    let mut seen = Vec::new();
    let stores = dirs
        .into_iter()
        .map(|d| d.join(".drplan"))
        .filter(|d| d.is_dir())
        .filter(|d| {
            let key = std::fs::canonicalize(d).unwrap_or_else(|_| d.clone());
            if seen.contains(&key) {
                false
            } else {
                seen.push(key);
                true
            }
        })
        .map(LocalStore::new)
        .collect();
    (stores, plans, cut)
}

/// The store holding run `run_id`, searched beside `plan` (a file or folder)
/// or below the current folder.
pub(super) async fn find(
    run_id: &str,
    plan: Option<&Path>,
) -> Result<LocalStore, super::state::RunLookupError> {
    use super::state::RunLookupError;
    if !RunId::is_valid(run_id) {
        return Err(RunLookupError::NotARunId(run_id.to_string()));
    }
    let paths: Vec<PathBuf> = plan.map(Path::to_path_buf).into_iter().collect();
    let id = RunId(run_id.to_string());
    let (stores, _, cut) = local_stores(&paths);
    for store in stores {
        if store.list().await.is_ok_and(|runs| runs.contains(&id)) {
            return Ok(store);
        }
    }
    let place = plan.map_or_else(
        || "below the current folder".to_string(),
        |p| format!("beside {}", p.display()),
    );
    let cut = cut.map(|c| format!(" (drplan {c})")).unwrap_or_default();
    Err(RunLookupError::NotFound {
        run_id: run_id.to_string(),
        place: format!("{place}{cut}"),
    })
}

/// Every run of a store, replayed, with whether a live process holds it.
pub(super) async fn summaries(store: &dyn RunStore) -> Vec<(RunSummary, RunState)> {
    listed(store)
        .await
        .into_iter()
        .map(|(listed, state)| (listed.summary, state))
        .collect()
}

/// One line of `drplan runs`: the summary, and the content the run ran.
#[derive(Debug, serde::Serialize)]
struct Listed {
    #[serde(flatten)]
    summary: RunSummary,
    /// The git commit of the plan file; `null` outside a repository (or
    /// for runs that did not record one).
    commit: Option<String>,
    /// Whether the plan file differed from that commit.
    dirty: bool,
    /// `sha256:<hex>` of the plan's canonical form.
    content_hash: Option<String>,
}

/// [`summaries`], with each run's commit and content hash.
async fn listed(store: &dyn RunStore) -> Vec<(Listed, RunState)> {
    let mut out = Vec::new();
    for run in crate::learn::history::read(store).await {
        // A listing says what it can: a run whose liveness cannot be read
        // is shown as not running, and the reason logged.
        let running = is_running(store, &run.state).await.unwrap_or_else(|e| {
            tracing::warn!("{e}");
            false
        });
        let origin = run.origin.as_ref();
        let listed = Listed {
            summary: run.state.summary(running),
            commit: origin.and_then(|o| o.commit.clone()),
            dirty: origin.is_some_and(|o| o.dirty),
            content_hash: origin.and_then(|o| o.content_hash.clone()),
        };
        out.push((listed, run.state));
    }
    out
}

/// Whether a live process runs `state`'s run now: it has not finished and
/// its journal is held.
pub(super) async fn is_running(
    store: &dyn RunStore,
    state: &RunState,
) -> Result<bool, crate::journal::JournalError> {
    if state.finished.is_some() {
        return Ok(false);
    }
    store.is_live(&state.run_id).await
}

pub(super) fn run(args: &RunsArgs, ctx: &super::Ctx) -> ExitCode {
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    if let Err(e) = args
        .paths
        .iter()
        .try_for_each(|p| std::fs::metadata(p).map(|_| ()).map_err(|e| (p, e)))
    {
        output::error(&format!("cannot read `{}`: {}", e.0.display(), e.1));
        return ExitCode::Usage;
    }
    let named = match super::state::named(&args.state) {
        Ok(named) => named,
        Err(e) => {
            output::error(&e.to_string());
            return ExitCode::Usage;
        }
    };
    let places: Vec<Place> = if let Some(place) = named {
        vec![place]
    } else {
        let (local, shared, cut) = stores(&args.paths);
        if let Some(cut) = cut {
            eprintln!("note: drplan {cut}; name the plan's folder to list the runs kept there");
        }
        local
            .into_iter()
            .map(Place::Local)
            .chain(
                shared
                    .into_iter()
                    .map(|l| Place::Blob(l, LocationSource::Plan)),
            )
            .collect()
    };
    let listed: Result<Vec<Listed>, String> = rt.block_on(async {
        let mut all = Vec::new();
        let named = places.len() == 1 && matches!(places.first(), Some(Place::Blob(_, from)) if *from != LocationSource::Plan);
        for place in places {
            let shared = matches!(place, Place::Blob(..));
            let opened = match place.open(ctx.credential).await {
                Ok(store) => store,
                Err(e) if named => return Err(e.to_string()),
                Err(e) => {
                    eprintln!("warning: {e}");
                    continue;
                }
            };
            // A shared store that cannot be read is an error when it was
            // asked for, and a warning when a plan below names it.
            if shared && let Err(e) = opened.get().list().await {
                if named {
                    return Err(e.to_string());
                }
                eprintln!("warning: {e}");
                continue;
            }
            all.extend(listed(opened.get()).await.into_iter().map(|(s, _)| s));
        }
        Ok(all)
    });
    let mut all = match listed {
        Ok(all) => all,
        Err(e) => {
            output::error(&e);
            return ExitCode::Failed;
        }
    };
    all.sort_by(|a, b| {
        b.summary
            .started
            .cmp(&a.summary.started)
            .then_with(|| b.summary.run_id.cmp(&a.summary.run_id))
    });
    match args.format {
        Format::Json => output::document(output::Schema::Runs, &serde_json::json!({ "runs": all })),
        Format::Human => output::print(&human(&all)),
    }
    ExitCode::Success
}

/// Hex digits of the content hash shown.
const HASH_SHOWN: usize = 12;

fn human(runs: &[Listed]) -> String {
    if runs.is_empty() {
        return "no runs yet; `drplan run OP PLAN` starts one\n".to_string();
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<20}  {:<16}  {:<13}  {:<11}  {:<24}  {:>9}  {:<13}  content",
        "run", "plan", "operation", "status", "started", "duration", "commit"
    );
    for listed in runs {
        let r = &listed.summary;
        // A run outside any repository says so; one from before commits were
        // recorded has no content hash either, and shows dashes.
        let commit = match (&listed.commit, &listed.content_hash) {
            (Some(commit), _) => super::drill::short_commit(commit, listed.dirty),
            (None, Some(_)) => "no git".to_string(),
            (None, None) => "-".to_string(),
        };
        let content = listed.content_hash.as_deref().map_or_else(
            || "-".to_string(),
            |h| {
                let hex = h.strip_prefix("sha256:").unwrap_or(h);
                hex.chars().take(HASH_SHOWN).collect()
            },
        );
        let status = serde_json::to_value(r.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<20}  {:<16}  {:<13}  {:<11}  {:<24}  {:>9}  {:<13}  {content}",
            r.run_id.0,
            crate::printable::printable_line(&r.plan),
            r.operation.as_str(),
            status,
            r.started.to_string(),
            format!("{:.1}s", r.duration_s),
            commit
        );
    }
    out
}
