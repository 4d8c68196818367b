//! How a run's `manual` steps get their answer from the command line:
//! `--yes`, a `yes`/`no` typed on the terminal, or `drplan approve` /
//! `drplan reject` from another shell or machine (a decision in the run
//! store); out, a [`Decision`] saying who answered. Prompts are asked one at
//! a time, named by their step, and printed above the live display; one
//! thread reads the terminal for the whole run, so an answer always goes to
//! the step whose question is on the screen, and a line typed before that
//! question was shown is ignored (it answered nothing that had been asked).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::console::Console;
use crate::hooks::{HookContext, HookError};
use crate::journal::{Decision, RunId, RunStore, Verdict};

/// How often the run store is asked for a decision.
const POLL: Duration = Duration::from_millis(500);

/// A line typed on the terminal, and when drplan read it.
#[derive(Debug, Clone)]
struct Typed {
    at: Instant,
    text: String,
}

/// What a line says to the question on the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Yes,
    No,
    /// Neither: the question is asked again.
    Unclear,
    /// Typed before the question was shown: it answers nothing.
    Early,
}

impl Answer {
    /// The answer a line gives to a question shown at `asked`.
    fn of(line: &Typed, asked: Instant) -> Answer {
        if line.at < asked {
            return Answer::Early;
        }
        match line.text.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" => Answer::Yes,
            "n" | "no" => Answer::No,
            _ => Answer::Unclear,
        }
    }
}

/// The terminal, when manual steps may ask there.
struct Terminal<'a> {
    /// Lines typed; holding the lock is holding the terminal's question.
    lines: tokio::sync::Mutex<mpsc::UnboundedReceiver<Typed>>,
    console: &'a Mutex<Console>,
}

impl<'a> Terminal<'a> {
    /// Reads stdin on a thread of its own for the rest of the process.
    fn stdin(console: &'a Mutex<Console>) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        // Detached: a process that ends while it reads is not held up.
        std::thread::spawn(move || {
            let mut line = String::new();
            while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {
                let typed = Typed {
                    at: Instant::now(),
                    text: std::mem::take(&mut line),
                };
                if tx.send(typed).is_err() {
                    break;
                }
            }
        });
        Self::from_lines(rx, console)
    }

    fn from_lines(lines: mpsc::UnboundedReceiver<Typed>, console: &'a Mutex<Console>) -> Self {
        Self {
            lines: tokio::sync::Mutex::new(lines),
            console,
        }
    }

    fn say(&self, text: &str) {
        if let Ok(console) = self.console.lock() {
            console.prompt(text);
        }
    }
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
        Self {
            store,
            run_id,
            yes,
            terminal: (ask && !yes).then(|| Terminal::stdin(console)),
        }
    }

    /// A decision given on the terminal by the account running drplan.
    fn on_terminal(verdict: Verdict) -> Decision {
        Decision {
            verdict,
            by: crate::journal::store::local_operator(),
            at: crate::clock::Clock::system().now(),
            comment: None,
        }
    }
}

#[async_trait]
impl crate::hooks::Approvals for Approvals<'_> {
    fn approves_at_once(&self) -> bool {
        self.yes
    }

    async fn wait(&self, ctx: &HookContext, instructions: &str) -> Result<Decision, HookError> {
        if self.yes {
            return Ok(crate::hooks::approved_with_yes());
        }
        let mut asking = None;
        let mut terminal_open = self.terminal.is_some();
        loop {
            match self.store.decision(&self.run_id, &ctx.step).await {
                Ok(Some(d)) => return Ok(d),
                Ok(None) => {}
                Err(e) => return Err(HookError::new(e.to_string())),
            }
            if let (Some(t), None, true) = (&self.terminal, &asking, terminal_open)
                && let Ok(lines) = t.lines.try_lock()
            {
                t.say(&format!(
                    "{} waits for approval: {instructions}\n  type `yes` to approve or `no` to reject (or run `drplan approve {} {}` or `drplan reject {} {} --comment …` elsewhere)",
                    ctx.step, self.run_id, ctx.step, self.run_id, ctx.step
                ));
                // Only what is typed from now on answers this question.
                asking = Some((lines, Instant::now(), false));
            }
            let (Some(t), Some((lines, asked, told))) = (&self.terminal, asking.as_mut()) else {
                tokio::time::sleep(POLL).await;
                continue;
            };
            tokio::select! {
                line = lines.recv() => match line.map(|l| Answer::of(&l, *asked)) {
                    Some(Answer::Yes) => return Ok(Self::on_terminal(Verdict::Approved)),
                    Some(Answer::No) => return Ok(Self::on_terminal(Verdict::Rejected)),
                    Some(Answer::Unclear) => t.say(&format!("  {}: type `yes` or `no`", ctx.step)),
                    Some(Answer::Early) => {
                        if !*told {
                            *told = true;
                            t.say("  (ignored input typed before this question)");
                        }
                    }
                    // The terminal closed: only the run store can answer now.
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::cli::console::Mode;
    use crate::hooks::Approvals as _;
    use crate::journal::LocalStore;

    fn typed(at: Instant, text: &str) -> Typed {
        Typed {
            at,
            text: format!("{text}\n"),
        }
    }

    #[test]
    fn only_a_line_typed_after_the_question_answers_it() {
        let before = Instant::now();
        let asked = before + Duration::from_secs(1);
        let after = asked + Duration::from_secs(1);
        assert_eq!(Answer::of(&typed(before, "yes"), asked), Answer::Early);
        assert_eq!(Answer::of(&typed(after, " YES "), asked), Answer::Yes);
        assert_eq!(Answer::of(&typed(after, "y"), asked), Answer::Yes);
        assert_eq!(Answer::of(&typed(after, "no"), asked), Answer::No);
        assert_eq!(Answer::of(&typed(after, "maybe"), asked), Answer::Unclear);
    }

    fn context() -> HookContext {
        let plan = crate::compile(&crate::source::SourceFile::new(
            "p.drplan",
            r#"plan p { vault simulator  primary "westeurope"  recovery "northeurope"
                group g { vm a  after failover { manual "check" } } }"#,
        ))
        .0
        .unwrap();
        let mut ctx = crate::hooks::RunHooks::context(
            &plan,
            "run-1",
            crate::graph::Operation::Failover,
            PathBuf::from("."),
            1.0,
        );
        ctx.step = "hook:g/after/1".into();
        ctx
    }

    #[tokio::test(start_paused = true)]
    async fn a_yes_typed_before_the_prompt_is_ignored_and_a_later_no_rejects() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join(".drplan"));
        let console = Mutex::new(Console::new(Mode::Plain, false));
        let (tx, rx) = mpsc::unbounded_channel();
        // Typed while an earlier step ran, before this question was asked.
        tx.send(typed(Instant::now(), "yes")).unwrap();
        let approvals = Approvals {
            store: &store,
            run_id: RunId("run-1".into()),
            yes: false,
            terminal: Some(Terminal::from_lines(rx, &console)),
        };
        let ctx = context();
        let waiting = approvals.wait(&ctx, "check");
        tokio::pin!(waiting);
        // The early `yes` is read and ignored: the step still waits.
        tokio::select! {
            d = &mut waiting => panic!("answered by a line typed before the question: {d:?}"),
            () = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
        // Typed once the question is on the screen.
        tx.send(typed(Instant::now() + Duration::from_secs(3600), "no"))
            .unwrap();
        let decision = waiting.await.unwrap();
        assert_eq!(decision.verdict, Verdict::Rejected);
        assert_eq!(decision.by, crate::journal::store::local_operator());
    }

    #[tokio::test]
    async fn yes_approves_at_once_in_the_name_of_the_account() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join(".drplan"));
        let console = Mutex::new(Console::new(Mode::Plain, false));
        let approvals = Approvals::new(&store, RunId("run-1".into()), true, false, &console);
        let decision = approvals.wait(&context(), "check").await.unwrap();
        assert_eq!(decision.verdict, Verdict::Approved);
        assert!(decision.by.ends_with(" (--yes)"), "{}", decision.by);
    }
}
