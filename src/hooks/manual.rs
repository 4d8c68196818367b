//! `manual "<instructions>"`: the instructions in; who approved out, once an
//! operator has. How the answer arrives is an [`Approvals`]: [`AutoApprove`]
//! for `--yes`, [`FileApprovals`] for `drplan approve RUN_ID STEP` (which
//! calls [`approve`]), or the CLI's terminal prompt, which can race
//! [`FileApprovals::wait`] against its own question.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;

use super::{HookContext, HookError, HookOutput};
use crate::provider::Progress;

/// How often [`FileApprovals`] looks for an approval.
pub const POLL_EVERY: Duration = Duration::from_millis(500);
/// Characters of an approver's name kept.
const BY_CHARS: usize = 200;

/// How a `manual` step gets its answer.
#[async_trait]
pub trait Approvals: Send + Sync {
    /// Waits until the step `ctx.step` is approved and says who or how
    /// (`approved by --yes`). Dropping the future stops waiting.
    async fn wait(&self, ctx: &HookContext, instructions: &str) -> Result<String, HookError>;
}

/// `--yes`: every manual step is approved at once.
#[derive(Debug, Clone, Copy, Default)]
pub struct AutoApprove;

#[async_trait]
impl Approvals for AutoApprove {
    async fn wait(&self, _ctx: &HookContext, _instructions: &str) -> Result<String, HookError> {
        Ok("approved by --yes".into())
    }
}

/// Approvals as files: `drplan approve` writes `<dir>/<approval_file_name(step)>`
/// holding who approved, and the run polls for it every [`POLL_EVERY`].
/// The file stays, a record of the approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileApprovals {
    /// The run's approvals directory.
    pub dir: PathBuf,
}

impl FileApprovals {
    /// The file that approves `step`.
    pub fn path(&self, step: &str) -> PathBuf {
        self.dir.join(approval_file_name(step))
    }

    /// Looks once: `approved by <who>` if `step` is approved, else `None`.
    pub async fn check(&self, step: &str) -> Result<Option<String>, HookError> {
        let path = self.path(step);
        match tokio::fs::read(&path).await {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                let by: String = text
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .chars()
                    .take(BY_CHARS)
                    .collect();
                Ok(Some(if by.is_empty() {
                    "approved with drplan approve".to_owned()
                } else {
                    format!("approved by {by}")
                }))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(HookError::new(format!(
                "could not read the approval file {}: {e}",
                path.display()
            ))),
        }
    }
}

#[async_trait]
impl Approvals for FileApprovals {
    async fn wait(&self, ctx: &HookContext, _instructions: &str) -> Result<String, HookError> {
        loop {
            if let Some(by) = self.check(&ctx.step).await? {
                return Ok(by);
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    }
}

/// The approval file's name for a step: `hook:db/after/1` → `hook_db_after_1`.
pub fn approval_file_name(step: &str) -> String {
    step.replace([':', '/'], "_")
}

/// Approves `step`: writes its approval file in `dir` (created if needed),
/// holding `by`. The file appears whole or not at all (written beside it,
/// then renamed), so a polling run never reads half an approval.
pub fn approve(dir: &Path, step: &str, by: &str) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let name = approval_file_name(step);
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&temp, format!("{by}\n"))?;
    std::fs::rename(&temp, dir.join(name)).inspect_err(|_| {
        // Best effort: the rename's error is the one worth reporting.
        let _ = std::fs::remove_file(&temp);
    })
}

/// Runs a manual step: says what it waits for, then waits.
pub(super) async fn run(
    approvals: &dyn Approvals,
    ctx: &HookContext,
    instructions: &str,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<HookOutput, HookError> {
    progress(Progress {
        percent: None,
        message: format!("waiting for approval: {instructions}"),
    });
    let summary = approvals.wait(ctx, instructions).await?;
    Ok(HookOutput { summary })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hooks::context::tests::context;

    #[tokio::test]
    async fn auto_approve_answers_at_once() {
        let ctx = context(PathBuf::from("."));
        let out = run(&AutoApprove, &ctx, "check the DB", &|_| {})
            .await
            .unwrap();
        assert_eq!(out.summary, "approved by --yes");
    }

    #[test]
    fn file_names_flatten_step_ids() {
        assert_eq!(approval_file_name("hook:db/after/1"), "hook_db_after_1");
    }

    #[tokio::test(start_paused = true)]
    async fn file_approvals_wait_for_drplan_approve() {
        let dir = tempfile::tempdir().unwrap();
        let approvals = FileApprovals {
            dir: dir.path().join("approvals"),
        };
        let ctx = context(PathBuf::from("."));
        let approver = {
            let dir = approvals.dir.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(3)).await;
                // Another step's approval does not count.
                approve(&dir, "hook:web/before/1", "someone else").unwrap();
                tokio::time::sleep(Duration::from_secs(3)).await;
                approve(&dir, "hook:db/after/1", "alice").unwrap();
            })
        };
        let start = tokio::time::Instant::now();
        let out = run(&approvals, &ctx, "check the DB", &|_| {})
            .await
            .unwrap();
        assert_eq!(out.summary, "approved by alice");
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_secs(6) && waited <= Duration::from_millis(6500),
            "{waited:?}"
        );
        approver.await.unwrap();
        // The file stays, and no temporary file is left beside it.
        let mut names: Vec<_> = std::fs::read_dir(&approvals.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["hook_db_after_1", "hook_web_before_1"]);
    }

    #[tokio::test]
    async fn an_empty_approval_file_still_approves() {
        let dir = tempfile::tempdir().unwrap();
        approve(dir.path(), "hook:db/after/1", "").unwrap();
        let approvals = FileApprovals {
            dir: dir.path().to_path_buf(),
        };
        assert_eq!(
            approvals.check("hook:db/after/1").await.unwrap().as_deref(),
            Some("approved with drplan approve")
        );
    }
}
