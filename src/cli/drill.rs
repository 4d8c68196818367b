//! What `drplan check` adds from the runs kept of a plan, after the
//! checker: a checked plan, its source and the check's diagnostics in; out,
//! the same diagnostics with `drplan::rto_exceeded` judged on learned
//! estimates (runs in the `.drplan/` folder beside the plan only, so that
//! `check` stays offline), and with `--drill-within DURATION` one
//! `drplan::drill_overdue` error for a plan whose current content has no
//! drill that recent, saying when the last drill of any earlier content was
//! and what changed since (compared step by step, as `resume --plan` does).
//!
//! A drill is a succeeded `test-failover` followed by a succeeded
//! `test-cleanup` of the same content: the same hash of the plan's
//! canonical form (`fmt::content_hash`), so a reformat or a comment edit
//! needs no new drill. The drill gate reads the plan's run store as `run`
//! would (`--state`, `DRPLAN_STATE`, the plan's `state`, else `.drplan/`),
//! and fails closed when the store cannot be read.

use std::path::Path;

use crate::clock::Timestamp;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::duration::Duration;
use crate::graph::Operation;
use crate::journal::{LocalStore, Origin, RunStatus, RunStore};
use crate::learn::PastRun;
use crate::plan::Plan;
use crate::source::{SourceFile, Span};

use super::Ctx;
use super::args::CheckArgs;

/// How many changes a `drill_overdue` message names before "and N more".
const CHANGES_SHOWN: usize = 3;
/// Characters of one change in the message.
const CHANGE_WIDTH: usize = 80;

/// The runs of the `.drplan/` folder beside `plan_file` that estimates are
/// learned from: none when it has no runs folder (most plans, and a plan on
/// stdin), without starting a runtime.
pub(super) fn local_history(plan_file: &Path) -> Vec<PastRun> {
    let store = LocalStore::beside(plan_file);
    if !plan_file.is_file() || !store.root().join("runs").is_dir() {
        return Vec::new();
    }
    match super::runtime() {
        Ok(rt) => rt.block_on(crate::learn::history(&store)),
        Err(_) => Vec::new(),
    }
}

/// The hook `check` calls for each plan it compiled (see the module docs).
pub(super) fn review(
    args: &CheckArgs,
    ctx: &Ctx,
    source: &SourceFile,
    plan: Option<&Plan>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(plan) = plan else { return };
    let history = local_history(&source.path);
    if !history.is_empty() {
        relearn_rto(plan, &history, diagnostics);
    }
    if let Some(within) = args.drill_within
        && let Some(d) = drill_gate(args, ctx, source, plan, within)
    {
        insert(diagnostics, d);
    }
}

/// Puts `d` (bounded like every diagnostic) among `diagnostics`, which are
/// sorted by position.
fn insert(diagnostics: &mut Vec<Diagnostic>, d: Diagnostic) {
    let mut sink = Diagnostics::new();
    sink.push(d);
    for d in sink.into_sorted() {
        let at = diagnostics.partition_point(|e| e.offset() <= d.offset());
        diagnostics.insert(at, d);
    }
}

/// `rto_exceeded` again, on estimates learned from `history`.
fn relearn_rto(plan: &Plan, history: &[PastRun], diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.retain(|d| !matches!(d, Diagnostic::RtoExceeded { .. }));
    if let Some(d) = crate::check::estimates::rto_exceeded(plan, history) {
        insert(diagnostics, d);
    }
}

/// A drill: a succeeded test failover, then a succeeded test cleanup of the
/// same content.
struct Drill<'h> {
    failover: &'h PastRun,
    cleanup: &'h PastRun,
}

impl Drill<'_> {
    /// When it ended: the cleanup's last event.
    fn ended(&self) -> Timestamp {
        self.cleanup.state.last
    }

    /// "on 2026-11-02 (runs A and B, commit abc1234)".
    fn describe(&self) -> String {
        let date: String = self.ended().to_string().chars().take(10).collect();
        format!(
            "on {date} (test-failover run {}, test-cleanup run {}, {})",
            self.failover.state.run_id,
            self.cleanup.state.run_id,
            commit_text(self.failover.origin.as_ref())
        )
    }
}

/// `commit abc1234`, `commit abc1234+dirty`, or why there is none.
pub(super) fn commit_text(origin: Option<&Origin>) -> String {
    match origin.and_then(|o| o.commit.as_deref().map(|c| (c, o.dirty))) {
        Some((commit, dirty)) => format!("commit {}", short_commit(commit, dirty)),
        None => "no commit: the plan was in no git repository".to_string(),
    }
}

/// `abc1234`, with `+dirty` when the file differed from it.
pub(super) fn short_commit(commit: &str, dirty: bool) -> String {
    let short: String = commit.chars().take(7).collect();
    if dirty {
        format!("{short}+dirty")
    } else {
        short
    }
}

/// Whether a run of `plan` did `operation` and succeeded.
fn succeeded(run: &PastRun, plan: &str, operation: Operation) -> bool {
    run.state.plan == plan
        && run.state.operation == operation
        && run.state.finished == Some(RunStatus::Succeeded)
}

fn hash_of(run: &PastRun) -> Option<&str> {
    run.origin.as_ref()?.content_hash.as_deref()
}

/// Every drill of `plan` in `history`, each cleanup paired with the last
/// succeeded test failover of the same content that started before it.
fn drills<'h>(plan: &str, history: &'h [PastRun]) -> Vec<Drill<'h>> {
    let mut out = Vec::new();
    for cleanup in history
        .iter()
        .filter(|r| succeeded(r, plan, Operation::TestCleanup))
    {
        let Some(hash) = hash_of(cleanup) else {
            continue;
        };
        let failover = history
            .iter()
            .filter(|r| succeeded(r, plan, Operation::TestFailover))
            .filter(|r| hash_of(r) == Some(hash) && r.state.started <= cleanup.state.started)
            .max_by_key(|r| r.state.started);
        if let Some(failover) = failover {
            out.push(Drill { failover, cleanup });
        }
    }
    out.sort_by_key(Drill::ended);
    out
}

/// The `drill_overdue` error of `plan`, unless its current content was
/// drilled within `within`.
fn drill_gate(
    args: &CheckArgs,
    ctx: &Ctx,
    source: &SourceFile,
    plan: &Plan,
    within: Duration,
) -> Option<Diagnostic> {
    let at = plan_name_span(source);
    let hash = crate::fmt::content_hash(&source.text)?;
    let fail = |message: String, label: &str| {
        Some(Diagnostic::DrillOverdue {
            message,
            at,
            label: label.to_string(),
            help: Some(format!(
                "drill it: `drplan run test-failover {0}`, then `drplan run test-cleanup {0}`",
                source.path.display()
            )),
        })
    };
    let rt = super::runtime().ok()?;
    let read = rt.block_on(async {
        let place =
            super::state::of_plan(&args.state, plan, &source.path).map_err(|e| e.to_string())?;
        let store = place
            .open(ctx.credential)
            .await
            .map_err(|e| e.to_string())?;
        let history = crate::learn::history::newest(store.get(), usize::MAX)
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((store, history))
    });
    let (store, history) = match read {
        Ok(found) => found,
        Err(e) => {
            return fail(
                format!(
                    "cannot tell when plan `{}` was last drilled: {e}",
                    plan.name
                ),
                "drill record unreadable",
            );
        }
    };
    let found = drills(&plan.name, &history);
    let now = Timestamp(std::time::SystemTime::now());
    let recent = |d: &&Drill<'_>| now.since(d.ended()) <= within.to_std();
    let current: Vec<&Drill<'_>> = found
        .iter()
        .filter(|d| hash_of(d.failover) == Some(hash.as_str()))
        .collect();
    if current.iter().any(recent) {
        return None;
    }
    if let Some(last) = current.last() {
        return fail(
            format!(
                "plan `{}` was last drilled {}, more than {within} ago",
                plan.name,
                last.describe()
            ),
            "drill overdue",
        );
    }
    let Some(last) = found.last() else {
        return fail(
            format!(
                "plan `{}` has never been drilled: the runs in {} hold no succeeded test-failover followed by a succeeded test-cleanup",
                plan.name,
                store.get().describe()
            ),
            "never drilled",
        );
    };
    let changes = rt.block_on(changes_since(store.get(), last, plan));
    fail(
        format!(
            "plan `{}` changed since its last drill {}: {changes}",
            plan.name,
            last.describe()
        ),
        "changed since its last drill",
    )
}

/// What changed from the plan a drill ran to `plan`, in a few words.
async fn changes_since(store: &dyn RunStore, drill: &Drill<'_>, plan: &Plan) -> String {
    let text = match store.plan_text(&drill.failover.state.run_id, 0).await {
        Ok(text) => text,
        Err(e) => return format!("the drilled plan's text cannot be read ({e})"),
    };
    let (old, _) = crate::compile(&SourceFile::new("<drilled plan>", text));
    let Some(old) = old else {
        return "the drilled plan's text no longer compiles, so the changes cannot be listed"
            .to_string();
    };
    let mut lines: Vec<String> = Vec::new();
    for operation in [Operation::Failover, Operation::TestFailover] {
        for line in compare(&old, plan, operation, drill) {
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
    }
    if lines.is_empty() {
        return "its text differs in ways other than comments and layout".to_string();
    }
    let more = lines.len().saturating_sub(CHANGES_SHOWN);
    let mut shown: Vec<String> = lines
        .into_iter()
        .take(CHANGES_SHOWN)
        .map(|l| cut(&l))
        .collect();
    if more > 0 {
        shown.push(format!("and {more} more"));
    }
    shown.join("; ")
}

/// The changes `amend` finds between the two plans' graphs of `operation`,
/// as if a run that did nothing yet took the new plan.
fn compare(old: &Plan, new: &Plan, operation: Operation, drill: &Drill<'_>) -> Vec<String> {
    let old_graph = crate::graph::build(old, operation, None);
    let new_graph = crate::graph::build(new, operation, None);
    let mut nothing_done = drill.failover.state.clone();
    nothing_done.steps.clear();
    let found = crate::amend::amend(
        crate::amend::RunPlan {
            plan: old,
            graph: &old_graph,
        },
        crate::amend::RunPlan {
            plan: new,
            graph: &new_graph,
        },
        &nothing_done,
    );
    match found {
        Ok(amendment) => amendment.lines(),
        Err(crate::amend::AmendError::Refused { changes, .. }) => {
            changes.iter().map(ToString::to_string).collect()
        }
    }
}

/// `line`, cut to [`CHANGE_WIDTH`] characters.
fn cut(line: &str) -> String {
    if line.chars().count() <= CHANGE_WIDTH {
        return line.to_string();
    }
    let mut out: String = line.chars().take(CHANGE_WIDTH - 1).collect();
    out.push('…');
    out
}

/// Where the plan's name is written (the start of the file if it cannot be
/// found), for the diagnostic's label.
fn plan_name_span(source: &SourceFile) -> Span {
    let mut diags = Diagnostics::new();
    crate::syntax::parse(source, &mut diags)
        .and_then(|file| {
            file.statements.into_iter().find_map(|s| match s {
                crate::ast::Statement::Setting(set) if set.key.text == "plan" => {
                    set.args.first().map(|v| v.span)
                }
                _ => None,
            })
        })
        .unwrap_or_default()
}
