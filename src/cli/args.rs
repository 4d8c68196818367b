//! The command line, as clap derives it: one `Args` struct per command. Doc
//! comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::graph::Operation;

/// Disaster-recovery plans for Azure Site Recovery, as code.
#[derive(Debug, Parser)]
#[command(name = "drplan", version, about, propagate_version = true)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// When to use colour: on a terminal (auto), always or never. `NO_COLOR` turns it off.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// How to sign in to Azure: auto tries the environment's client secret, workload identity,
    /// managed identity, then the Azure CLI; token reads `DRPLAN_ACCESS_TOKEN`.
    #[arg(long, global = true, value_enum, default_value_t)]
    pub credential: crate::provider::azure::CredentialKind,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal without `NO_COLOR`.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and check plan files (a folder means every `*.drplan` below it).
    Check(CheckArgs),
    /// Rewrite plan files in the canonical layout, comments kept.
    Fmt(FmtArgs),
    /// Print the execution graph of one operation.
    Graph(GraphArgs),
    /// What a change to a plan does: settings, groups, VMs, hooks, order, waves and RTO fit.
    Diff(super::diff::DiffArgs),
    /// Run an operation on the plan's machines (`--dry-run`: print the schedule only).
    Run(RunArgs),
    /// Continue an interrupted or failed run from its journal.
    Resume(ResumeArgs),
    /// The run history beside plans, newest first.
    Runs(RunsArgs),
    /// Approve a `manual` step of a run that waits, from any machine that reaches its state.
    Approve(DecideArgs),
    /// Reject a `manual` step of a run that waits: the step fails under its `on_error` policy.
    Reject(DecideArgs),
    /// The whole output kept of a run's hooks (redacted), as evidence.
    Output(OutputArgs),
    /// One run's record as evidence: verdict, recovery time against the RTO, timeline, steps, failures, approvals.
    Report(ReportArgs),
    /// The monitoring dashboard of the plan's machines.
    Status(StatusArgs),
    /// The Site Recovery jobs behind the plan's machines.
    Jobs(JobsArgs),
    /// Serve a local emulation of the ASR management API on loopback, for rehearsal and tests.
    Emulator(super::emulator::EmulatorArgs),
    /// Write the closest native ASR recovery plan (JSON, ARM template or Bicep), or apply it to the vault.
    Export(super::export::ExportArgs),
    /// Write a plan from an ASR recovery plan, or a first plan from a vault's replicated items.
    Import(super::import::ImportArgs),
    /// Serve the language server protocol on stdin and stdout, for editors.
    Lsp(LspArgs),
}

/// Output for people or for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Text for people.
    #[default]
    Human,
    /// JSON for programs.
    Json,
}

/// What `drplan check` writes: for people, for programs, or for CI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum CheckFormat {
    /// Text for people.
    #[default]
    Human,
    /// JSON for programs (`drplan.check/1`).
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub, Azure DevOps).
    Sarif,
    /// GitHub Actions workflow commands: one annotation a diagnostic.
    Github,
}

/// `drplan check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Plan files or folders; the current folder when none is given; `-` checks the plan on stdin.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: CheckFormat,
    /// Treat warnings as errors (exit 1 when any is found).
    #[arg(long)]
    pub deny_warnings: bool,
    /// Enter folders behind symbolic links too (loops are detected either way).
    #[arg(long)]
    pub follow: bool,
    /// Fail (exit 1, `drplan::drill_overdue`) for each plan whose current content has no drill
    /// (a succeeded test-failover, then a succeeded test-cleanup) within this time: `90d`, `12h`.
    #[arg(long, value_name = "DURATION", value_parser = crate::duration::Duration::parse)]
    pub drill_within: Option<crate::duration::Duration>,
    /// Where the runs `--drill-within` reads are kept.
    #[command(flatten)]
    pub state: super::state::StateArgs,
}

/// `drplan fmt`.
#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// Plan files or folders; the current folder when none is given; `-` formats stdin to stdout.
    pub paths: Vec<PathBuf>,
    /// Change nothing: list the files that would change and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
    /// With `--check`: print a unified diff of each file that would change.
    #[arg(long, requires = "check")]
    pub diff: bool,
    /// Enter folders behind symbolic links too (loops are detected either way).
    #[arg(long)]
    pub follow: bool,
}

/// Graph output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum GraphFormat {
    /// Graphviz DOT.
    #[default]
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
    /// JSON: nodes and edges.
    Json,
}

/// `drplan graph`.
#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// The plan file.
    pub plan: PathBuf,
    /// The operation: failover, commit, reprotect, failback, test-failover, test-cleanup.
    #[arg(long, short, default_value = "failover", value_parser = parse_operation)]
    pub operation: Operation,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: GraphFormat,
    /// Only these groups (repeatable); the others keep their place in the order.
    #[arg(long = "group", short = 'g')]
    pub groups: Vec<String>,
}

/// `drplan run`.
// Each flag is an independent switch on the command line, as clap models it.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The operation: failover, commit, reprotect, failback, test-failover, test-cleanup, or
    /// configure (make the vault's target settings match the plan).
    #[arg(value_parser = parse_operation)]
    pub operation: Operation,
    /// The plan file.
    pub plan: PathBuf,
    /// Print the schedule (waves, estimates, critical path, RTO fit) without acting.
    #[arg(long)]
    pub dry_run: bool,
    /// With `--dry-run`: also check readiness against the vault and the subscription (state,
    /// health, RPO, quota, sizes, reservations, target resources, IPs, drift, coverage, drills)
    /// and list every finding (exit 3 on a blocker).
    #[arg(long, requires = "dry_run")]
    pub online: bool,
    /// Refuse (exit 3) on readiness warnings too, not only on blockers.
    #[arg(long)]
    pub strict: bool,
    /// When another runner holds the plan's lock in a shared store, end its lease after saying
    /// whose it is and asking (`--yes`: without asking). Only for a runner known to be gone.
    #[arg(long)]
    pub break_lock: bool,
    /// Only these groups (repeatable), still in order.
    #[arg(long = "group", short = 'g')]
    pub groups: Vec<String>,
    /// Only these VMs (repeatable), with their groups' hooks, in the plan's order.
    #[arg(long = "vm", value_name = "NAME")]
    pub vms: Vec<String>,
    /// Output format: live progress for people, or one JSON event a line.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Approve every `manual` step without asking.
    #[arg(long, short)]
    pub yes: bool,
    /// Run against a simulated copy of the plan's vault (kept in `.drplan/`) instead of Azure.
    #[arg(long)]
    pub simulate: bool,
    /// The disaster case: do not touch the source VMs (failover and failback).
    #[arg(long)]
    pub unplanned: bool,
    /// Recovery point of an `--unplanned` failover: latest, latest-processed or
    /// latest-app-consistent; default: the plan's `failover.recovery_point`. A planned failover
    /// takes the latest point. `before:INSTANT` (RFC 3339, e.g. `before:2026-12-01T10:00Z`; with
    /// or without `--unplanned`) takes, for every VM, the latest point at or before the instant;
    /// given with `latest-app-consistent` too, the latest application-consistent one.
    #[arg(long, value_name = "POINT", value_parser = parse_point)]
    pub recovery_point: Vec<PointArg>,
    /// At most this many VM operations at a time across the plan (each group's own limit still holds).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub parallelism: Option<u32>,
    /// Where run state is kept.
    #[command(flatten)]
    pub state: super::state::StateArgs,
}

/// `drplan resume`.
#[derive(Debug, clap::Args)]
pub struct ResumeArgs {
    /// The run to continue (`drplan runs` lists them).
    pub run_id: String,
    /// The plan file or folder whose `.drplan/` holds the run (default: search below the
    /// current folder). A plan file that differs from the run's plan is a correction: the run
    /// continues with it when it changes only steps that have not succeeded (exit 2 otherwise).
    #[arg(long)]
    pub plan: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Approve every `manual` step without asking.
    #[arg(long, short)]
    pub yes: bool,
    /// Refuse (exit 3) on readiness warnings too, not only on blockers.
    #[arg(long)]
    pub strict: bool,
    /// When another runner holds the plan's lock in a shared store, end its lease after saying
    /// whose it is and asking (`--yes`: without asking). Only for a runner known to be gone.
    #[arg(long)]
    pub break_lock: bool,
    /// Where run state is kept.
    #[command(flatten)]
    pub state: super::state::StateArgs,
}

/// `drplan runs`.
#[derive(Debug, clap::Args)]
pub struct RunsArgs {
    /// Plan files or folders whose runs to list (kept beside them, or in the shared store their
    /// `state` names); default: below the current folder.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// List the runs kept at this state URL (or `DRPLAN_STATE`) instead.
    #[command(flatten)]
    pub state: super::state::StateArgs,
}

/// `drplan approve` and `drplan reject`.
#[derive(Debug, clap::Args)]
pub struct DecideArgs {
    /// The run that waits.
    pub run_id: String,
    /// The `manual` step, e.g. `hook:db/after/2`.
    pub step: String,
    /// Why (kept in the run's journal with who answered and when).
    #[arg(long, short = 'm')]
    pub comment: Option<String>,
    /// Record this name as the approver. Only with the local store: a shared store records the
    /// signed-in identity.
    #[arg(long = "as", value_name = "NAME")]
    pub as_name: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Where the run is kept.
    #[command(flatten)]
    pub at: super::state::RunAt,
}

/// `drplan output`.
#[derive(Debug, clap::Args)]
pub struct OutputArgs {
    /// The run.
    pub run_id: String,
    /// Only this hook step, e.g. `hook:db/after/1`; default: every hook step of the run.
    pub step: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Where the run is kept.
    #[command(flatten)]
    pub at: super::state::RunAt,
}

/// `drplan report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The run.
    pub run_id: String,
    /// Report format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Where the run is kept.
    #[command(flatten)]
    pub at: super::state::RunAt,
}

/// The forms of `drplan report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    /// One self-contained HTML page (inline CSS and SVG, no script), printable.
    #[default]
    Html,
    /// Markdown, for pasting into a ticket.
    Md,
    /// JSON (`"schema": "drplan.report/1"`).
    Json,
}

/// `drplan status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The plan file.
    pub plan: PathBuf,
    /// Where the plan's runs are kept (its active run and the steps waiting for approval).
    #[command(flatten)]
    pub state: super::state::StateArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Refresh every N seconds (default 5) until interrupted.
    #[arg(long, num_args = 0..=1, default_missing_value = "5", value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub watch: Option<u64>,
    /// Read a simulated copy of the plan's vault instead of Azure.
    #[arg(long)]
    pub simulate: bool,
}

/// `drplan jobs`.
#[derive(Debug, clap::Args)]
pub struct JobsArgs {
    /// The plan file.
    pub plan: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Only the jobs of this VM (repeatable).
    #[arg(long)]
    pub vm: Vec<String>,
    /// At most this many jobs, newest first; the output says when it leaves older ones out.
    #[arg(long, default_value_t = 50, value_parser = parse_limit)]
    pub limit: usize,
    /// Every job, however many.
    #[arg(long, conflicts_with = "limit")]
    pub all: bool,
    /// Refresh every N seconds (default 5) until interrupted.
    #[arg(long, num_args = 0..=1, default_missing_value = "5", value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub watch: Option<u64>,
    /// Read a simulated copy of the plan's vault instead of Azure.
    #[arg(long)]
    pub simulate: bool,
}

/// `drplan lsp`: no options; the editor speaks on stdin and stdout.
#[derive(Debug, clap::Args)]
pub struct LspArgs {}

/// One `--recovery-point` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointArg {
    /// `latest`, `latest-processed`, `latest-app-consistent`.
    Kind(crate::plan::RecoveryPoint),
    /// `before:INSTANT`.
    Before(crate::clock::Timestamp),
}

fn parse_point(s: &str) -> Result<PointArg, String> {
    if let Some(instant) = s.strip_prefix("before:") {
        return crate::provider::parse_instant(instant).map(PointArg::Before);
    }
    <crate::plan::RecoveryPoint as clap::ValueEnum>::from_str(s, false)
        .map(PointArg::Kind)
        .map_err(|_| {
            format!(
                "`{s}` is not a recovery point; expected latest, latest-processed, latest-app-consistent or before:INSTANT (RFC 3339, e.g. before:2026-12-01T10:00Z)"
            )
        })
}

fn parse_operation(s: &str) -> Result<Operation, String> {
    s.parse()
}

fn parse_limit(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(limit) if limit > 0 => Ok(limit),
        _ => Err(format!(
            "`{s}` is not a number of jobs (1 or more); `--all` shows every one"
        )),
    }
}
