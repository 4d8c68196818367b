//! How a run's `manual` steps get their answer from the command line:
//! `--yes`, a `yes`/`no` typed on the terminal, or `drplan approve` from
//! another shell (an approval in the run store). Prompts are asked one at a
//! time, named by their step, and printed above the live display; one
//! thread reads the terminal for the whole run, so an answer always goes to
//! the step whose question is on the screen.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::console::Console;
use crate::hooks::{HookContext, HookError};
use crate::journal::{RunId, RunStore};

/// How often the run store is asked for an approval.
const POLL: Duration = Duration::from_millis(500);

/// The terminal, when manual steps may ask there.
struct Terminal<'a> {
    /// Lines typed; holding the lock is holding the terminal's question.
    lines: tokio::sync::Mutex<mpsc::UnboundedReceiver<String>>,
    console: &'a Mutex<Console>,
}

/// Approvals for one run.
pub(super) struct Approvals<'a> {
    store: &'a dyn RunStore,
    run_id: RunId,
    yes: bool,
    terminal: Option<Terminal<'a>>,
}

impl<'a> Approvals<'a> {
    /// `ask`: whether the terminal may be asked (stdin is one, output is not JSON).
    pub(super) fn new(
        store: &'a dyn RunStore,
        run_id: RunId,
        yes: bool,
        ask: bool,
        console: &'a Mutex<Console>,
    ) -> Self {
        let terminal = (ask && !yes).then(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            // Detached: a process that ends while it reads is not held up.
            std::thread::spawn(move || {
                let mut line = String::new();
                while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {
                    if tx.send(std::mem::take(&mut line)).is_err() {
                        break;
                    }
                }
            });
            Terminal {
                lines: tokio::sync::Mutex::new(rx),
                console,
            }
        });
        Self {
            store,
            run_id,
            yes,
            terminal,
        }
    }
}

#[async_trait]
impl crate::hooks::Approvals for Approvals<'_> {
    async fn wait(&self, ctx: &HookContext, instructions: &str) -> Result<String, HookError> {
        if self.yes {
            return Ok("approved by --yes".to_string());
        }
        let mut asking = None;
        let mut terminal_open = self.terminal.is_some();
        loop {
            match self.store.decision(&self.run_id, &ctx.step).await {
                Ok(Some(d)) if d.verdict == crate::journal::Verdict::Approved => {
                    return Ok(d.describe());
                }
                Ok(Some(d)) => return Err(HookError::new(d.describe())),
                Ok(None) => {}
                Err(e) => return Err(HookError::new(e.to_string())),
            }
            if let (Some(t), None, true) = (&self.terminal, &asking, terminal_open)
                && let Ok(lines) = t.lines.try_lock()
            {
                if let Ok(console) = t.console.lock() {
                    console.prompt(&format!(
                            "{} waits for approval: {instructions}\n  type `yes` to approve or `no` to decline (or run `drplan approve {} {}` elsewhere)",
                            ctx.step, self.run_id, ctx.step
                        ));
                }
                asking = Some(lines);
            }
            let Some(lines) = asking.as_mut() else {
                tokio::time::sleep(POLL).await;
                continue;
            };
            tokio::select! {
                line = lines.recv() => match line.as_deref().map(|l| l.trim().to_ascii_lowercase()) {
                    Some(answer) if answer == "y" || answer == "yes" => {
                        return Ok(format!(
                            "approved on the terminal by {}",
                            crate::journal::store::local_operator()
                        ));
                    }
                    Some(answer) if answer == "n" || answer == "no" => {
                        return Err(HookError::new(format!("{} was declined on the terminal", ctx.step)));
                    }
                    Some(_) => {
                        if let Some(t) = &self.terminal
                            && let Ok(console) = t.console.lock() {
                                console.prompt(&format!("  {}: type `yes` or `no`", ctx.step));
                            }
                    }
                    // The terminal closed: only `drplan approve` can answer now.
                    None => {
                        asking = None;
                        terminal_open = false;
                    }
                },
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }
}
