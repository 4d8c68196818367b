//! `drplan runs [PATH…]`: the runs kept beside plans (each plan folder's
//! `.drplan/runs/`), newest first, for people or as `{"runs": […]}`; and
//! finding one run by id for `resume` and `approve`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::args::{Format, RunsArgs};
use super::exit::ExitCode;
use super::output;
use crate::journal::{LocalStore, RunId, RunState, RunStore, RunSummary};

/// The `.drplan` stores beside the plans under `paths` (default: the
/// current folder), each once, in path order.
fn stores(paths: &[PathBuf]) -> Vec<LocalStore> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let here = [PathBuf::from(".")];
    let roots = if paths.is_empty() { &here[..] } else { paths };
    // Each path on its own: a folder without plans must not hide the others'.
    for root in roots {
        let files = super::paths::expand(std::slice::from_ref(root)).unwrap_or_default();
        dirs.extend(
            files
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
    dirs.into_iter()
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
        .collect()
}

/// The store holding run `run_id`, searched beside `plan` (a file or folder)
/// or below the current folder.
pub(super) async fn find(run_id: &str, plan: Option<&Path>) -> Result<LocalStore, String> {
    if !RunId::is_valid(run_id) {
        return Err(format!(
            "`{run_id}` is not a run id; `drplan runs` lists them"
        ));
    }
    let paths: Vec<PathBuf> = plan.map(Path::to_path_buf).into_iter().collect();
    let id = RunId(run_id.to_string());
    for store in stores(&paths) {
        if store.list().await.is_ok_and(|runs| runs.contains(&id)) {
            return Ok(store);
        }
    }
    let place = plan.map_or_else(
        || "below the current folder".to_string(),
        |p| format!("beside {}", p.display()),
    );
    Err(format!(
        "no run `{run_id}` {place}; `drplan runs` lists the runs, and `--plan PATH` points at the plan's folder"
    ))
}

/// Every run of a store, replayed, with whether a live process holds it.
pub(super) async fn summaries(store: &dyn RunStore) -> Vec<(RunSummary, RunState)> {
    let mut out = Vec::new();
    let Ok(runs) = store.list().await else {
        return out;
    };
    for run in runs {
        let records = match store.read(&run).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("{e}");
                continue;
            }
        };
        let Some(state) = RunState::replay(&records) else {
            continue;
        };
        let running = is_running(store, &state).await;
        out.push((state.summary(running), state));
    }
    out
}

/// Whether a live process runs `state`'s run now: it has not finished and
/// holds its plan's lock.
pub(super) async fn is_running(store: &dyn RunStore, state: &RunState) -> bool {
    let stem = state
        .settings
        .as_ref()
        .and_then(|s| {
            Path::new(&s.plan_file)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| state.plan.clone());
    state.finished.is_none()
        && store
            .lock_holder(&stem)
            .await
            .ok()
            .flatten()
            .is_some_and(|h| h.run_id == state.run_id)
}

pub(super) fn run(args: &RunsArgs) -> ExitCode {
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
    let mut all: Vec<RunSummary> = rt.block_on(async {
        let mut all = Vec::new();
        for store in stores(&args.paths) {
            all.extend(summaries(&store).await.into_iter().map(|(s, _)| s));
        }
        all
    });
    all.sort_by(|a, b| {
        b.started
            .cmp(&a.started)
            .then_with(|| b.run_id.cmp(&a.run_id))
    });
    match args.format {
        Format::Json => output::json(&serde_json::json!({ "runs": all })),
        Format::Human => output::print(&human(&all)),
    }
    ExitCode::Success
}

fn human(runs: &[RunSummary]) -> String {
    if runs.is_empty() {
        return "no runs yet; `drplan run OP PLAN` starts one\n".to_string();
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<20}  {:<16}  {:<13}  {:<11}  {:<24}  duration",
        "run", "plan", "operation", "status", "started"
    );
    for r in runs {
        let status = serde_json::to_value(r.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<20}  {:<16}  {:<13}  {:<11}  {:<24}  {:.1}s",
            r.run_id.0,
            r.plan,
            r.operation.as_str(),
            status,
            r.started.to_string(),
            r.duration_s
        );
    }
    out
}
