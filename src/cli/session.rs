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
use std::time::Duration;

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

/// How much longer than a lease a resume waits for it to lapse.
const LAPSE_MARGIN: Duration = Duration::from_secs(3);
/// How often it looks.
const LAPSE_POLL: Duration = Duration::from_secs(1);

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
    /// Where the run's state is kept.
    pub(super) place: super::state::Place,
    /// `resume --plan`: the revision `plan_text` is kept as and what changed,
    /// journaled (`plan_amended`) once the run's journal is held.
    pub(super) amendment: Option<super::resume::Amended>,
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
        let lock = self.take_lock(store, &lock_name, holder).await?;
        let leases = |run: &RunId| self.hook_leases(store, run);
        let running =
            super::earlier_hooks::still_running(store, &leases, self.prior.as_ref(), &lock_name)
                .await;
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

    /// The plan's lock. A resume waits up to one lease for the lock of a
    /// runner that died to lapse (a shared store's; a local lock is freed
    /// as its process ends): taking a run over needs no manual step.
    async fn take_lock(
        &self,
        store: &dyn RunStore,
        lock_name: &str,
        holder: LockHolder,
    ) -> Result<Box<dyn crate::journal::store::LockGuard>, ExitCode> {
        let patience = store
            .lapse()
            .filter(|_| self.prior.is_some())
            .map(|d| d + LAPSE_MARGIN);
        let started = tokio::time::Instant::now();
        let mut said = false;
        loop {
            match store.lock(lock_name, holder.clone()).await {
                Ok(lock) => return Ok(lock),
                Err(JournalError::Locked {
                    holder: other,
                    lock_file,
                    ..
                }) => {
                    if let Some(patience) = patience
                        && started.elapsed() < patience
                    {
                        if !said {
                            eprintln!(
                                "waiting up to {}s for the plan's lock held by {} to lapse: its runner may have stopped",
                                patience.as_secs(),
                                crate::journal::store::describe_holder(other.as_ref())
                            );
                            said = true;
                        }
                        tokio::time::sleep(LAPSE_POLL).await;
                        continue;
                    }
                    output::error(&format!(
                        "{} is being run by {}; wait for it to finish or stop it ({lock_file})",
                        self.plan_label(lock_name),
                        crate::journal::store::describe_holder(other.as_ref())
                    ));
                    return Err(ExitCode::Failed);
                }
                Err(JournalError::LiveRun { run, .. }) => {
                    output::error(&format!(
                        "{} is being run by run {run}, whose journal a live process holds; wait for it to finish or stop it",
                        self.plan_label(lock_name)
                    ));
                    return Err(ExitCode::Failed);
                }
                Err(e) => {
                    output::error(&e.to_string());
                    return Err(ExitCode::Failed);
                }
            }
        }
    }

    /// The plan as messages name it: its name, and its file when the
    /// file's stem (which names its lock) differs.
    fn plan_label(&self, stem: &str) -> String {
        if stem == self.plan.name {
            format!("plan `{}`", self.plan.name)
        } else {
            format!("plan `{}` (file {stem}.drplan)", self.plan.name)
        }
    }

    /// Opens the run's journal; a resume waits, as for the lock, for the
    /// journal's lease of a runner that died to lapse.
    async fn open_journal(
        &self,
        store: &dyn RunStore,
    ) -> Result<Box<dyn JournalWriter>, JournalError> {
        if self.prior.is_none() {
            return store.create(&self.run_id, &self.plan_text).await;
        }
        let patience = store.lapse().map_or(Duration::ZERO, |d| d + LAPSE_MARGIN);
        let started = tokio::time::Instant::now();
        loop {
            match store.reopen(&self.run_id).await {
                Err(JournalError::RunIsLive(_)) if started.elapsed() < patience => {
                    tokio::time::sleep(LAPSE_POLL).await;
                }
                other => return other,
            }
        }
    }

    /// Where hook leases of `run` are: the store's folder, or, for a shared
    /// store, `.drplan/` beside the plan on this machine.
    fn hook_leases(&self, store: &dyn RunStore, run: &RunId) -> Option<PathBuf> {
        store
            .hook_leases(run)
            .or_else(|| LocalStore::beside(&self.plan_path).hook_leases(run))
    }

    async fn execute_async(self) -> ExitCode {
        let clock = Clock::system();
        // The one place the run's store is opened; the rest sees the seam.
        let opened = match self.place.clone().open(self.credential).await {
            Ok(store) => store,
            Err(e) => {
                output::error(&e.to_string());
                return ExitCode::Failed;
            }
        };
        let store: &dyn RunStore = opened.get();
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
        let writer = match self.open_journal(store).await {
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
        // A shared store's lease that can no longer be renewed stops the
        // run as Ctrl-C does: nothing new starts, what runs is recorded if
        // the store takes it, and the run is left resumable.
        let lease_lost = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        if let Some(lost) = lock.lost() {
            let (cancel, flag) = (cancel.clone(), std::sync::Arc::clone(&lease_lost));
            tokio::spawn(async move {
                lost.cancelled().await;
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
                cancel.cancel();
            });
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
        if let Err(code) = self.keep_amendment(store, &sink, clock).await {
            return code;
        }
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
            time_scale: self.time_scale(),
        };
        let result = exec::execute(run).await;
        sink.writer.close().await;
        lock.release().await;
        let lost = lease_lost.load(std::sync::atomic::Ordering::SeqCst);
        match sink.console.into_inner() {
            Ok(console) if lost => self.report_lease_lost(console, store),
            Ok(console) => self.report(console, result),
            Err(_) => ExitCode::Failed,
        }
    }

    /// The run stopped because its lease could not be kept.
    fn report_lease_lost(&self, mut console: Console, store: &dyn RunStore) -> ExitCode {
        console.finish();
        output::error(&format!(
            "run {} stopped: its lease in {} could not be renewed in time, so another runner may take it over; nothing new was started after that. The run is resumable: `drplan resume {} --state URL` from any machine",
            self.run_id,
            store.describe(),
            self.run_id
        ));
        ExitCode::Interrupted
    }

    /// `resume --plan`: keeps the corrected plan and journals that the run
    /// goes on with it, before the resumed part's first event.
    async fn keep_amendment(
        &self,
        store: &dyn RunStore,
        sink: &Sink,
        clock: Clock,
    ) -> Result<(), ExitCode> {
        match &self.amendment {
            Some(amended) => {
                amended
                    .keep(store, sink, &self.run_id, &self.plan_text, clock)
                    .await
            }
            None => Ok(()),
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
        context.lease_dir = self.hook_leases(store, &self.run_id);
        // A shared store keeps hook leases on this machine, beside the plan;
        // the folder above them is made here, private, like the store's own.
        if store.hook_leases(&self.run_id).is_none()
            && let Some(run_dir) = context.lease_dir.as_deref().and_then(Path::parent)
            && let Err(e) = crate::owner_only::create_dir_all(&context.plan_dir, run_dir)
        {
            tracing::warn!("{}: {e}", run_dir.display());
        }
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
