//! One run of an operation, new or resumed, from the command line's side:
//! open the provider and the run store, take the plan's lock, refuse when
//! machines are not ready (exit 3), create or reopen the journal, wire Ctrl-C,
//! the console and the hooks to the executor, and turn its outcome into the
//! summary and an exit code. `run` and `resume` differ only in what they
//! pass in.

pub(super) use super::open::open_provider;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::console::{Console, Mode};
use super::exit::ExitCode;
use super::output;
use crate::clock::Clock;
use crate::exec::{self, EventSink, ExecError, Run};
use crate::graph::{Operation, StepGraph};
use crate::journal::{
    JournalError, JournalWriter, LocalStore, LockHolder, Record, RunId, RunSettings, RunState,
    RunStatus, RunStore,
};
use crate::plan::{Plan, Vault};
use crate::provider::azure::CredentialKind;
use crate::provider::{OperationOptions, Provider, RecoveryPointChoice};

/// What a run needs from the command line.
// Each flag is an independent switch of the command line, as clap models it.
#[allow(clippy::struct_excessive_bools)]
pub(super) struct Session {
    /// The plan file, absolute.
    pub(super) plan_path: PathBuf,
    /// The plan file as the user wrote it, for messages.
    pub(super) shown_path: PathBuf,
    /// The plan text the run executes (the copy kept with the run, on resume).
    pub(super) plan_text: String,
    pub(super) plan: Plan,
    pub(super) graph: StepGraph,
    pub(super) settings: RunSettings,
    pub(super) run_id: RunId,
    /// The earlier part of a resumed run.
    pub(super) prior: Option<RunState>,
    pub(super) json: bool,
    pub(super) yes: bool,
    /// Refuse on readiness warnings too (`--strict`).
    pub(super) strict: bool,
    pub(super) color: bool,
    /// How to sign in to Azure (`--credential`).
    pub(super) credential: CredentialKind,
}

/// The options of the operation, from the plan and the command line.
pub(super) fn operation_options(plan: &Plan, settings: &RunSettings) -> OperationOptions {
    // spec: cli.md "Operations": a planned failover shuts the source down and
    // takes the latest point (least data lost); the choice of point is the
    // disaster case's (`--unplanned`), from the flag or the plan.
    let recovery_point = match (settings.unplanned, settings.recovery_point.as_deref()) {
        (false, _) | (true, Some("latest")) => RecoveryPointChoice::Latest,
        (true, Some("latest-app-consistent")) => RecoveryPointChoice::LatestAppConsistent,
        (true, Some("latest-processed")) => RecoveryPointChoice::LatestProcessed,
        (true, _) => plan.failover.recovery_point.into(),
    };
    OperationOptions {
        recovery_point,
        shutdown_source: plan.failover.shutdown_source && !settings.unplanned,
        test_network: plan.test_network.clone(),
    }
}

/// Cancels `cancel` on SIGINT, SIGTERM or SIGHUP, whichever comes first.
fn watch_signals(cancel: &CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    for (kind, name) in [
        (SignalKind::interrupt(), "SIGINT"),
        (SignalKind::terminate(), "SIGTERM"),
        (SignalKind::hangup(), "SIGHUP"),
    ] {
        match signal(kind) {
            Ok(mut stream) => {
                let cancel = cancel.clone();
                tokio::spawn(async move {
                    if stream.recv().await.is_some() {
                        tracing::info!("{name}: stopping the run; it can be resumed");
                        cancel.cancel();
                    }
                });
            }
            Err(e) => tracing::warn!("{name} will not stop the run cleanly: {e}"),
        }
    }
}

/// What to run next in the disaster-recovery cycle.
fn next_step(op: Operation, plan_path: &Path) -> String {
    let path = plan_path.display();
    let next = match op {
        Operation::Failover | Operation::Failback => "commit",
        Operation::Commit => "reprotect",
        Operation::TestFailover => "test-cleanup",
        Operation::Reprotect | Operation::TestCleanup => {
            return format!("`drplan status {path}` shows replication health");
        }
        Operation::Configure => {
            return format!("`drplan run failover {path} --dry-run --online` shows what remains");
        }
    };
    format!("drplan run {next} {path}")
}

/// The journal first, then the console: an event is on disk before anyone sees it.
struct Sink {
    writer: Box<dyn JournalWriter>,
    console: Mutex<Console>,
}

#[async_trait]
impl EventSink for Sink {
    async fn emit(&self, record: Record) -> Result<(), JournalError> {
        self.writer.append(&record).await?;
        if let Ok(mut console) = self.console.lock() {
            console.record(&record);
        }
        Ok(())
    }

    async fn keep_output(&self, step: &str, attempt: u32, text: &str) -> Result<(), JournalError> {
        self.writer.keep_output(step, attempt, text).await
    }
}

impl Session {
    /// Runs the session to its end and returns the exit code.
    pub(super) fn execute(self) -> ExitCode {
        match super::runtime() {
            Ok(rt) => {
                let code = rt.block_on(self.execute_async());
                rt.shutdown_background();
                code
            }
            Err(code) => code,
        }
    }

    /// Opens the provider, takes the plan's lock and checks every machine:
    /// nothing is written before all three succeed.
    async fn prepare(
        &self,
        store: &dyn RunStore,
        clock: Clock,
    ) -> Result<(Box<dyn Provider>, Box<dyn crate::journal::store::LockGuard>), ExitCode> {
        // A secret that is not set would fail its hook half-way through;
        // say so before anything is touched.
        let missing: Vec<String> = crate::hooks::secrets_needed(&self.plan, &self.graph)
            .into_iter()
            .filter(|name| std::env::var_os(name).is_none())
            .collect();
        if !missing.is_empty() {
            output::error(&format!(
                "hooks of this {} read {} from the environment, which {} not set; set {} and run again (nothing was done)",
                self.graph.operation,
                missing
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if missing.len() == 1 { "is" } else { "are" },
                if missing.len() == 1 { "it" } else { "them" },
            ));
            return Err(ExitCode::Usage);
        }
        self.warn_short_secrets();
        let provider = open_provider(
            &self.plan,
            &self.plan_path,
            self.settings.simulate,
            self.credential,
            clock,
        )
        .await
        .map_err(|(e, code)| {
            output::error(&e);
            code
        })?;
        let lock_name = self.plan_stem();
        let holder = LockHolder {
            run_id: self.run_id.clone(),
            pid: std::process::id(),
            host: crate::journal::store::host_name(),
            since: clock.now(),
        };
        let lock = store.lock(&lock_name, holder).await.map_err(|e| {
            output::error(&e.to_string());
            ExitCode::Failed
        })?;
        let running =
            super::earlier_hooks::still_running(store, self.prior.as_ref(), &lock_name).await;
        if !running.is_empty() {
            output::error(&format!(
                "{} refused: hooks started by an earlier attempt still run, and starting them again could run them twice at once; nothing was done",
                self.graph.operation
            ));
            for hook in &running {
                eprintln!("  {hook}");
            }
            return Err(ExitCode::Failed);
        }
        match exec::preflight(
            &self.plan,
            &self.graph,
            provider.as_ref(),
            self.prior.as_ref(),
            clock.now(),
            self.strict,
        )
        .await
        {
            Ok(assessment) => {
                if !assessment.readiness.findings.is_empty() {
                    // Warnings do not stop the run, but the operator sees them first
                    // (on stderr, so that `--format json` keeps stdout to events).
                    eprint!(
                        "{}",
                        crate::printable::printable(&crate::readiness::human(
                            &assessment.readiness,
                            self.graph.operation
                        ))
                    );
                }
                Ok((provider, lock))
            }
            Err(ExecError::NotReady(readiness)) => {
                self.refuse(&readiness, store).await;
                Err(ExitCode::NotReady)
            }
            Err(e) => {
                output::error(&format!("cannot read the machines' state: {e}"));
                Err(ExitCode::Failed)
            }
        }
    }

    /// Says why the run refuses: every finding at once (on stdout as JSON
    /// under `--format json`), and how to continue an unfinished run.
    async fn refuse(&self, readiness: &crate::readiness::Readiness, store: &dyn RunStore) {
        let op = self.graph.operation;
        let why = if readiness.blockers > 0 {
            "readiness found what would make it fail"
        } else {
            "readiness found warnings and `--strict` refuses on them"
        };
        output::error(&format!("{op} refused: {why}, so nothing was done"));
        if self.json {
            output::json(&serde_json::json!({ "readiness": readiness }));
        } else {
            eprint!(
                "{}",
                crate::printable::printable(&crate::readiness::human(readiness, op))
            );
        }
        if let Some(run) = self.resumable(store).await {
            eprintln!(
                "run {run} of this plan did not finish; `drplan resume {run}` continues it, following the jobs it started"
            );
        }
    }

    async fn execute_async(self) -> ExitCode {
        let clock = Clock::system();
        // The one place the run's store is chosen; the rest sees the seam.
        let local = LocalStore::beside(&self.plan_path);
        let store: &dyn RunStore = &local;
        // The handlers are in place before anything is taken or read: from
        // here on, Ctrl-C, and the SIGTERM of systemd, Kubernetes or a CI
        // runner, and the SIGHUP of a closed terminal, all cancel: dispatch
        // stops, hook processes are stopped, what runs is recorded, and the
        // run exits resumable. None of them kills the process outright.
        let cancel = CancellationToken::new();
        watch_signals(&cancel);
        let (provider, lock) = match self.prepare(store, clock).await {
            Ok(ready) => ready,
            Err(code) => return code,
        };
        if cancel.is_cancelled() {
            output::error("interrupted before anything was done");
            return ExitCode::Interrupted;
        }
        let prior = self.prior.as_ref();
        let writer = if prior.is_some() {
            store.reopen(&self.run_id).await
        } else {
            store.create(&self.run_id, &self.plan_text).await
        };
        let writer = match writer {
            Ok(w) => w,
            Err(e) => {
                output::error(&e.to_string());
                return ExitCode::Failed;
            }
        };
        // The journal is held now; if the plan's lock file went meanwhile,
        // another run may hold a new one, and this run gives way.
        if let Err(e) = lock.confirm() {
            drop(writer);
            if prior.is_none()
                && let Err(discard) = store.discard(&self.run_id).await
            {
                tracing::warn!("{discard}");
            }
            output::error(&e.to_string());
            return ExitCode::Failed;
        }
        let mode = if self.json {
            Mode::Json
        } else if std::io::stdout().is_terminal() {
            Mode::Live
        } else {
            Mode::Plain
        };
        let sink = Sink {
            writer,
            console: Mutex::new(Console::new(mode, self.color)),
        };
        let approvals = super::approvals::Approvals::new(
            store,
            self.run_id.clone(),
            self.yes,
            std::io::stdin().is_terminal() && !self.json,
            &sink.console,
        );
        let secrets = crate::hooks::ProcessEnv;
        let runner = match crate::hooks::Runner::new(provider.as_ref(), &secrets, &approvals) {
            Ok(r) => r,
            Err(e) => {
                output::error(&e.to_string());
                return ExitCode::Failed;
            }
        };
        let hooks = crate::hooks::RunHooks {
            runner,
            base: self.hook_context(store),
        };
        let seed = self
            .run_id
            .0
            .bytes()
            .fold(0x100_0000_01b3_u64, |h, b| h.rotate_left(5) ^ u64::from(b));
        let run = Run {
            plan: &self.plan,
            graph: &self.graph,
            provider: provider.as_ref(),
            hooks: &hooks,
            sink: &sink,
            clock,
            cancel,
            run_id: self.run_id.clone(),
            settings: Some(self.settings.clone()),
            options: operation_options(&self.plan, &self.settings),
            parallelism: self.settings.parallelism,
            prior,
            seed,
            vault_speed: self.time_scale(),
        };
        let result = exec::execute(run).await;
        match sink.console.into_inner() {
            Ok(console) => self.report(console, result),
            Err(_) => ExitCode::Failed,
        }
    }

    /// A simulated vault runs on a faster clock; `wait` hooks and retry
    /// backoff keep pace with it.
    fn time_scale(&self) -> f64 {
        if self.settings.simulate || self.plan.vault == Vault::Simulator {
            crate::provider::simulator::speed_from_env().unwrap_or(1.0)
        } else {
            1.0
        }
    }

    /// The newest run of this plan and operation that can be resumed.
    async fn resumable(&self, store: &dyn RunStore) -> Option<RunId> {
        let mut runs = super::runs::summaries(store).await;
        runs.retain(|(summary, state)| {
            summary.plan == self.plan.name
                && summary.operation == self.graph.operation
                && state.finished != Some(RunStatus::Succeeded)
                && summary.status != crate::journal::replay::RunListStatus::Running
        });
        runs.into_iter()
            .max_by_key(|(s, _)| s.started)
            .map(|(s, _)| s.run_id)
    }

    /// Says which secrets are too short to be redacted from hook output,
    /// before anything runs, so that no one relies on it.
    fn warn_short_secrets(&self) {
        let short: Vec<String> = crate::hooks::secret_names(&self.plan)
            .into_iter()
            .filter(|name| std::env::var(name).is_ok_and(|v| crate::hooks::too_short_to_redact(&v)))
            .map(|name| format!("`{name}`"))
            .collect();
        if short.is_empty() {
            return;
        }
        eprintln!(
            "warning: the value of {} is shorter than {} characters, so it is not redacted from hook output (redacting it would blank that text wherever it appears); use a longer secret",
            short.join(", "),
            crate::hooks::MIN_SECRET_CHARS
        );
    }

    /// The plan file's stem, which names the plan's lock.
    fn plan_stem(&self) -> String {
        self.plan_path.file_stem().map_or_else(
            || self.plan.name.clone(),
            |s| s.to_string_lossy().into_owned(),
        )
    }

    /// The run's facts every hook gets; the step's own are filled in per call.
    fn hook_context(&self, store: &dyn RunStore) -> crate::hooks::HookContext {
        let wait_scale = self.time_scale();
        let plan_dir = self
            .plan_path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let mut context = crate::hooks::RunHooks::context(
            &self.plan,
            &self.run_id.0,
            self.graph.operation,
            plan_dir,
            wait_scale,
        );
        context.lease_dir = store.hook_leases(&self.run_id);
        context
    }

    /// The summary and the exit code.
    fn report(&self, mut console: Console, result: Result<exec::Outcome, ExecError>) -> ExitCode {
        console.finish();
        match result {
            Ok(outcome) => {
                let what = format!("{} of plan {}", self.graph.operation, self.plan.name);
                let next = next_step(self.graph.operation, &self.shown_path);
                console.summary(&self.run_id, &what, &outcome, Some(&next));
                match outcome.status {
                    RunStatus::Succeeded => ExitCode::Success,
                    RunStatus::Failed => ExitCode::Failed,
                    RunStatus::Cancelled => ExitCode::Interrupted,
                }
            }
            Err(e) => {
                output::error(&format!(
                    "the run stopped: {e}; the journal holds everything up to here, resume with `drplan resume {}`",
                    self.run_id
                ));
                ExitCode::Failed
            }
        }
    }
}
