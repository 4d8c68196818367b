//! One run of an operation, new or resumed, from the command line's side:
//! the plan and how the run was asked for in; the run store opened, the
//! launch checks of [`crate::exec::launch`] passed (secrets, vault, lock,
//! earlier hooks, readiness), the journal held, Ctrl-C, the console, the
//! approvals and the hooks wired to the executor, and its outcome turned
//! into the summary and an exit code out. `run` and `resume` build a
//! [`Session`] the same way ([`Session::new`]) and differ only in what they
//! pass in.

mod report;
mod wiring;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;

use self::wiring::{Sink, watch_lease, watch_signals};
use super::Ctx;
use super::args::Format;
use super::console::{Console, Mode};
use super::exit::ExitCode;
use super::output;
use super::state::Place;
use crate::clock::Clock;
use crate::exec::launch::{self, LaunchError};
use crate::exec::{self, Run};
use crate::graph::StepGraph;
use crate::journal::store::LockGuard;
use crate::journal::{LocalStore, LockHolder, RunId, RunSettings, RunState, RunStore};
use crate::plan::Plan;
use crate::provider::Provider;
use crate::provider::azure::CredentialKind;

/// The switches of `run` and `resume` a session needs.
// Each flag is an independent switch of the command line, as clap models it.
#[allow(clippy::struct_excessive_bools)]
pub(super) struct Flags {
    pub(super) json: bool,
    /// Approve every manual step (`--yes`).
    pub(super) yes: bool,
    /// Refuse on readiness warnings too (`--strict`).
    pub(super) strict: bool,
    pub(super) color: bool,
    /// How to sign in to Azure (`--credential`).
    pub(super) credential: CredentialKind,
    /// End another runner's lease on the plan's lock (`--break-lock`).
    pub(super) break_lock: bool,
}

impl Flags {
    pub(super) fn new(format: Format, yes: bool, strict: bool, ctx: &Ctx) -> Flags {
        Flags {
            json: format == Format::Json,
            yes,
            strict,
            color: ctx.color,
            credential: ctx.credential,
            break_lock: false,
        }
    }

    /// With `--break-lock`.
    #[must_use]
    pub(super) fn breaking_locks(mut self, yes: bool) -> Flags {
        self.break_lock = yes;
        self
    }
}

/// The plan a session runs, as the command found it.
pub(super) struct Planned {
    /// The plan file, absolute.
    pub(super) plan_path: PathBuf,
    /// The plan file as the user wrote it, for messages.
    pub(super) shown_path: PathBuf,
    /// The plan text the run executes (the copy kept with the run, on resume).
    pub(super) plan_text: String,
    pub(super) plan: Plan,
    pub(super) graph: StepGraph,
    pub(super) settings: RunSettings,
    /// Where the run's state is kept.
    pub(super) place: Place,
}

/// What the checks under the plan's lock give the run.
struct Checked {
    /// The machines as readiness read them (`machines before`).
    machines: crate::journal::Event,
    /// The recovery points `before:` picked, by plan VM (empty without it).
    points: exec::Points,
}

/// One run, new or resumed.
pub(super) struct Session {
    plan_path: PathBuf,
    shown_path: PathBuf,
    plan_text: String,
    plan: Plan,
    graph: StepGraph,
    settings: RunSettings,
    place: Place,
    run_id: RunId,
    /// The earlier part of a resumed run.
    prior: Option<RunState>,
    /// `resume --plan`: the revision `plan_text` is kept as and what changed,
    /// journaled (`plan_amended`) once the run's journal is held.
    amendment: Option<super::resume::Amended>,
    flags: Flags,
}

impl Session {
    /// A new run (`prior` none) or a resumed one.
    pub(super) fn new(
        planned: Planned,
        run_id: RunId,
        prior: Option<RunState>,
        amendment: Option<super::resume::Amended>,
        flags: Flags,
    ) -> Session {
        Session {
            plan_path: planned.plan_path,
            shown_path: planned.shown_path,
            plan_text: planned.plan_text,
            plan: planned.plan,
            graph: planned.graph,
            settings: planned.settings,
            place: planned.place,
            run_id,
            prior,
            amendment,
            flags,
        }
    }

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

    /// Checks secrets, opens the vault, takes the plan's lock and checks
    /// every machine: nothing is written before all of it succeeds.
    async fn prepare(
        &self,
        store: &dyn RunStore,
        clock: Clock,
    ) -> Result<(Box<dyn Provider>, Box<dyn LockGuard>, Checked), LaunchError> {
        launch::missing_secrets(&self.plan, &self.graph, &|name| {
            std::env::var_os(name).is_some()
        })?;
        self.warn_short_secrets();
        let provider = launch::open_provider(
            &self.plan,
            &self.plan_path,
            self.settings.simulate,
            self.flags.credential,
            clock,
        )
        .await
        .map_err(LaunchError::Provider)?;
        let stem = self.plan_stem();
        let holder = LockHolder {
            run_id: self.run_id.clone(),
            pid: std::process::id(),
            host: crate::journal::store::host_name(),
            since: clock.now(),
        };
        let label = launch::plan_label(&self.plan, &stem);
        let resume = self.prior.is_some();
        let lock = match launch::take_lock(store, &stem, &label, holder.clone(), resume).await {
            Err(LaunchError::Locked {
                holder: Some(other),
                ..
            }) if self.flags.break_lock => {
                self.break_lock(store, &stem, &label, &other).await?;
                launch::take_lock(store, &stem, &label, holder, resume).await?
            }
            taken => taken?,
        };
        // A shared store's lease is given back at once when the run does not
        // start, so that the next attempt need not wait for it to lapse.
        match self.check(store, provider.as_ref(), &stem, clock).await {
            Ok(seen) => Ok((provider, lock, seen)),
            Err(e) => {
                lock.release().await;
                Err(e)
            }
        }
    }

    /// What is checked under the plan's lock: hooks of earlier attempts
    /// that still run, and readiness (its warnings said on stderr); the
    /// machines as readiness read them, for the journal, and the recovery
    /// points a new run's `before:` picked.
    async fn check(
        &self,
        store: &dyn RunStore,
        provider: &dyn Provider,
        stem: &str,
        clock: Clock,
    ) -> Result<Checked, LaunchError> {
        let leases = |run: &RunId| self.hook_leases(store, run);
        let hooks = launch::still_running(store, &leases, self.prior.as_ref(), stem).await;
        if !hooks.is_empty() {
            return Err(LaunchError::HooksStillRunning {
                operation: self.graph.operation,
                hooks,
            });
        }
        // A resumed run keeps the points its start picked.
        let point = self
            .settings
            .before
            .filter(|_| self.settings.points.is_empty())
            .map(|before| exec::preflight::PointInTime {
                before,
                app_consistent: self.settings.recovery_point
                    == Some(crate::plan::RecoveryPoint::LatestAppConsistent),
            });
        let (assessment, points) = exec::preflight_at(
            &self.plan,
            &self.graph,
            provider,
            self.prior.as_ref(),
            clock.now(),
            self.flags.strict,
            point,
        )
        .await
        .map_err(|e| match e {
            exec::ExecError::NotReady(readiness) => LaunchError::NotReady {
                operation: self.graph.operation,
                readiness,
            },
            exec::ExecError::Provider(e) => LaunchError::Unreadable(e),
            exec::ExecError::Journal(e) => LaunchError::Journal(e),
        })?;
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
        Ok(Checked {
            machines: exec::machines::seen(
                crate::journal::MachinesPhase::Before,
                &assessment.targets,
                &assessment.machines,
            ),
            points,
        })
    }

    /// `--break-lock`: says whose lock it is, asks (unless `--yes`), and
    /// ends its lease.
    async fn break_lock(
        &self,
        store: &dyn RunStore,
        stem: &str,
        label: &str,
        other: &LockHolder,
    ) -> Result<(), LaunchError> {
        let whose = crate::journal::store::describe_holder(Some(other));
        eprintln!(
            "{label} is held by {whose}; breaking its lock lets this runner act on the same VMs, so do it only if that runner is gone"
        );
        if !self.flags.yes {
            let asked = std::io::stdin().is_terminal();
            let mut answer = String::new();
            if asked {
                eprint!("type `yes` to break it: ");
                let _ = std::io::stdin().read_line(&mut answer);
            }
            if answer.trim() != "yes" {
                return Err(LaunchError::Journal(crate::journal::JournalError::Store {
                    location: store.describe(),
                    message: if asked {
                        "the lock was not broken; nothing was done".to_string()
                    } else {
                        "the lock was not broken: no one could be asked (add `--yes` to break it without asking); nothing was done".to_string()
                    },
                }));
            }
        }
        store.break_lock(stem).await?;
        eprintln!("broke the lock held by {whose}");
        Ok(())
    }

    /// Where hook leases of `run` are: the store's folder, or, for a shared
    /// store, `.drplan/` beside the plan on this machine.
    fn hook_leases(&self, store: &dyn RunStore, run: &RunId) -> Option<PathBuf> {
        store
            .hook_leases(run)
            .or_else(|| LocalStore::beside(&self.plan_path).hook_leases(run))
    }

    async fn execute_async(mut self) -> ExitCode {
        let clock = Clock::system();
        // The one place the run's store is opened; the rest sees the seam.
        let opened = match self.place.clone().open(self.flags.credential).await {
            Ok(store) => store,
            Err(e) => {
                return self.errors().fail(
                    output::ErrorCode::Failed,
                    &e.to_string(),
                    ExitCode::Failed,
                );
            }
        };
        let store: &dyn RunStore = opened.get();
        // Steps start with the estimates measured in earlier runs of the plan
        // (`step_started.estimate_s`), and dispatch follows them. Read before
        // the plan's lock is taken, so that no lease waits on it.
        crate::learn::apply(&mut self.graph, &crate::learn::history(store).await);
        // The handlers are in place before anything is taken or read: from
        // here on, Ctrl-C, and the SIGTERM of systemd, Kubernetes or a CI
        // runner, and the SIGHUP of a closed terminal, all cancel: dispatch
        // stops, hook processes are stopped, what runs is recorded, and the
        // run exits resumable. None of them kills the process outright.
        let cancel = CancellationToken::new();
        watch_signals(&cancel);
        let (provider, lock, checked) = match self.prepare(store, clock).await {
            Ok(ready) => ready,
            Err(e) => return self.fail(e, store).await,
        };
        let machines = checked.machines;
        if !checked.points.is_empty() {
            // Journaled in `run_started`, so that a resume uses the same points.
            self.settings.points = checked.points;
        }
        if cancel.is_cancelled() {
            lock.release().await;
            return self.errors().fail(
                output::ErrorCode::Interrupted,
                "interrupted before anything was done",
                ExitCode::Interrupted,
            );
        }
        let resume = self.prior.is_some();
        let writer = match launch::open_journal(store, &self.run_id, &self.plan_text, resume).await
        {
            Ok(w) => w,
            Err(e) => {
                lock.release().await;
                return self.fail(e.into(), store).await;
            }
        };
        // The journal is held now; if the plan's lock went meanwhile,
        // another run may hold a new one, and this run gives way.
        if let Err(e) = lock.confirm() {
            writer.close().await;
            drop(writer);
            if !resume && let Err(discard) = store.discard(&self.run_id).await {
                tracing::warn!("{discard}");
            }
            return self.fail(e.into(), store).await;
        }
        let lease_lost = watch_lease(lock.lost(), &cancel);
        let mode = if self.flags.json {
            Mode::Json
        } else if std::io::stdout().is_terminal() {
            Mode::Live
        } else {
            Mode::Plain
        };
        let sink = Sink::new(writer, Console::new(mode, self.flags.color));
        let result = self
            .run(store, provider.as_ref(), &sink, clock, cancel, machines)
            .await;
        sink.writer.close().await;
        lock.release().await;
        let lost = lease_lost.load(std::sync::atomic::Ordering::SeqCst);
        match (sink.finish().await, result) {
            (Some(console), _) if lost => self.report_lease_lost(console, store),
            (Some(console), Ok(result)) => self.report(console, result),
            (_, Err(code)) => code,
            (None, Ok(_)) => ExitCode::Failed,
        }
    }

    /// The run itself, once its journal is held.
    async fn run(
        &self,
        store: &dyn RunStore,
        provider: &dyn Provider,
        sink: &Sink,
        clock: Clock,
        cancel: CancellationToken,
        machines: crate::journal::Event,
    ) -> Result<Result<exec::Outcome, exec::ExecError>, ExitCode> {
        if let Some(amended) = &self.amendment {
            amended
                .keep(store, sink, &self.run_id, &self.plan_text, clock)
                .await?;
        }
        let approvals = super::approvals::Approvals::new(
            store,
            self.run_id.clone(),
            self.flags.yes,
            std::io::stdin().is_terminal() && !self.flags.json,
            &sink.console,
        );
        let secrets = crate::hooks::ProcessEnv;
        let runner = crate::hooks::Runner::new(provider, &secrets, &approvals).map_err(|e| {
            self.errors()
                .fail(output::ErrorCode::Failed, &e.to_string(), ExitCode::Failed)
        })?;
        let hooks = crate::hooks::RunHooks {
            runner,
            base: self.hook_context(store),
        };
        let origin = launch::origin(
            store,
            &self.plan,
            &self.settings,
            &self.plan_path,
            &self.plan_text,
        )
        .await;
        let run = Run {
            plan: &self.plan,
            graph: &self.graph,
            provider,
            hooks: &hooks,
            sink,
            clock,
            cancel,
            run_id: self.run_id.clone(),
            settings: Some(self.settings.clone()),
            options: launch::operation_options(&self.plan, &self.settings),
            parallelism: self.settings.parallelism,
            prior: self.prior.as_ref(),
            seed: launch::seed(&self.run_id),
            vault_speed: origin.vault_speed,
            origin: Some(origin),
            machines_before: Some(machines),
        };
        Ok(exec::execute(run).await)
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
        let plan_dir = self
            .plan_path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let mut context = crate::hooks::RunHooks::context(
            &self.plan,
            &self.run_id.0,
            self.graph.operation,
            plan_dir,
            launch::vault_speed(&self.plan, &self.settings),
        );
        context.lease_dir = self.hook_leases(store, &self.run_id);
        context
    }
}
