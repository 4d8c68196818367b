//! The command line: arguments in, output on stdout, logs on stderr, an exit
//! code out. Each command lives in its own file and only wires the library's
//! stages together; nothing here decides what a plan means. Errors are said
//! through [`Ctx::fail`]: text on stderr, or under `--format json` one
//! `drplan.error/1` document on stdout.

mod active;
mod approvals;
mod approve;
pub mod args;
mod check;
mod configure;
mod console;
pub mod diff;
mod drill;
mod dry_run;
mod emulator;
pub mod exit;
pub mod export;
mod fmt;
mod graph;
mod import;
mod lsp;
mod output;
mod output_cmd;
mod paths;
mod report;
mod resume;
mod run;
mod runs;
mod session;
pub mod state;
mod status;

use std::io::IsTerminal;

use clap::Parser;

use crate::plan::Plan;
use crate::source::SourceFile;

use args::{CheckFormat, Cli, ColorChoice, Command, Format, GraphFormat, ReportFormat};
use exit::ExitCode;
use output::{ErrorCode, ErrorsAs};

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version to stdout (exit 0) and usage errors to stderr.
            let code = if err.use_stderr() {
                ExitCode::Usage.code()
            } else {
                ExitCode::Success.code()
            };
            let _ = err.print();
            return code;
        }
    };
    init_tracing(cli.verbose, cli.quiet);
    let ctx = Ctx::new(
        cli.color,
        cli.credential,
        ErrorsAs::json_if(wants_json(&cli.command)),
    );
    let code = match cli.command {
        Command::Check(args) => check::run(&args, &ctx),
        Command::Fmt(args) => fmt::run(&args, &ctx),
        Command::Graph(args) => graph::run(&args, &ctx),
        Command::Diff(args) => diff::run(&args, &ctx),
        Command::Run(args) => run::run(&args, &ctx),
        Command::Resume(args) => resume::run(&args, &ctx),
        Command::Runs(args) => runs::run(&args, &ctx),
        Command::Approve(args) => approve::run(&args, crate::journal::Verdict::Approved, &ctx),
        Command::Reject(args) => approve::run(&args, crate::journal::Verdict::Rejected, &ctx),
        Command::Output(args) => output_cmd::run(&args, &ctx),
        Command::Report(args) => report::run(&args, &ctx),
        Command::Status(args) => status::status(&args, &ctx),
        Command::Jobs(args) => status::jobs(&args, &ctx),
        Command::Emulator(args) => emulator::run(&args, &ctx),
        Command::Export(args) => export::run(&args, &ctx),
        Command::Import(args) => import::run(&args, &ctx),
        Command::Lsp(args) => lsp::run(&args),
    };
    code.code()
}

/// Whether the command writes JSON for programs, so that its errors are
/// JSON documents on stdout too.
fn wants_json(command: &Command) -> bool {
    let json = |format: &Format| *format == Format::Json;
    match command {
        Command::Check(a) => a.format == CheckFormat::Json,
        Command::Graph(a) => a.format == GraphFormat::Json,
        Command::Run(a) => json(&a.format),
        Command::Resume(a) => json(&a.format),
        Command::Runs(a) => json(&a.format),
        Command::Approve(a) | Command::Reject(a) => json(&a.format),
        Command::Output(a) => json(&a.format),
        Command::Report(a) => a.format == ReportFormat::Json,
        Command::Diff(a) => a.format == diff::DiffFormat::Json,
        Command::Status(a) => json(&a.format),
        Command::Jobs(a) => json(&a.format),
        Command::Export(a) => json(&a.report),
        Command::Fmt(_) | Command::Emulator(_) | Command::Import(_) | Command::Lsp(_) => false,
    }
}

/// The async runtime of one command: one thread is plenty (a run's steps
/// are futures of one task), and a failure to start it is exit 1.
fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            output::error(&format!("cannot start the async runtime: {e}"));
            ExitCode::Failed
        })
}

fn init_tracing(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .without_time()
        .with_target(false)
        .try_init();
}

/// What every command needs to know about its surroundings.
pub(crate) struct Ctx {
    /// Whether stdout gets colour.
    pub(crate) color: bool,
    /// How to sign in to Azure.
    pub(crate) credential: crate::provider::azure::CredentialKind,
    /// How errors are said: text, or JSON under `--format json`.
    pub(crate) errors: ErrorsAs,
}

impl Ctx {
    fn new(
        choice: ColorChoice,
        credential: crate::provider::azure::CredentialKind,
        errors: ErrorsAs,
    ) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && std::io::stdout().is_terminal(),
        };
        Self {
            color,
            credential,
            errors,
        }
    }

    /// Says an error once, as this command says errors, and gives `exit` back.
    pub(crate) fn fail(&self, code: ErrorCode, message: &str, exit: ExitCode) -> ExitCode {
        self.errors.fail(code, message, exit)
    }

    /// [`Ctx::fail`] for a refusal passed up.
    pub(crate) fn refuse(&self, refusal: &output::Refusal, exit: ExitCode) -> ExitCode {
        self.fail(refusal.code, &refusal.message, exit)
    }

    /// Reads and compiles one plan for commands that need a valid plan. Errors
    /// (and warnings) are printed to stderr (or, under `--format json`, in
    /// one error document); a plan with errors gives exit 1, a file that
    /// cannot be read exit 2.
    pub(crate) fn load_plan(&self, path: &std::path::Path) -> Result<(SourceFile, Plan), ExitCode> {
        let source = paths::read(path)
            .map_err(|e| self.fail(ErrorCode::Unreadable, &e.to_string(), ExitCode::Usage))?;
        let plan = self.compile(&source)?;
        Ok((source, plan))
    }

    /// Compiles a plan read from a file, printing its diagnostics to stderr
    /// (under `--format json`: warnings there, errors in the error
    /// document); a plan with errors is refused (exit 1).
    pub(crate) fn compile(&self, source: &SourceFile) -> Result<Plan, ExitCode> {
        self.compile_or(source, ExitCode::Failed)
    }

    /// [`Ctx::compile`], refusing a plan with errors with `exit`.
    pub(crate) fn compile_or(&self, source: &SourceFile, exit: ExitCode) -> Result<Plan, ExitCode> {
        let (plan, diagnostics) = crate::compile(source);
        if plan.is_none() && self.errors == ErrorsAs::Json {
            let index = crate::source::LineIndex::new(&source.text);
            let json: Vec<_> = diagnostics
                .iter()
                .map(|d| crate::render::json(source, &index, d))
                .collect();
            return Err(self.errors.fail_with(
                ErrorCode::PlanInvalid,
                &format!("{} has errors; nothing was done", source.display_path()),
                exit,
                Some(serde_json::json!({ "diagnostics": json })),
            ));
        }
        for d in &diagnostics {
            eprint!(
                "{}",
                crate::render::human(source, d, self.color_stderr(), output::width())
            );
        }
        if let Some(plan) = plan {
            Ok(plan)
        } else {
            Err(self.fail(
                ErrorCode::PlanInvalid,
                &format!(
                    "{} has errors (above); nothing was done",
                    source.display_path()
                ),
                exit,
            ))
        }
    }

    fn color_stderr(&self) -> bool {
        self.color && std::io::stderr().is_terminal()
    }
}

/// Reads and compiles a plan and builds the step graph of `operation`,
/// restricted to `--group` names when given (an unknown name is a usage error).
pub(crate) fn load_graph(
    ctx: &Ctx,
    path: &std::path::Path,
    operation: crate::graph::Operation,
    (groups, vms): (&[String], &[String]),
) -> Result<(SourceFile, Plan, crate::graph::StepGraph), ExitCode> {
    let (source, plan) = ctx.load_plan(path)?;
    let only = select(ctx, &plan, groups, vms)?;
    let graph = crate::graph::build_only(&plan, operation, &only);
    Ok((source, plan, graph))
}

/// Resolves `--group` and `--vm` names, or explains which name is unknown.
fn select(
    ctx: &Ctx,
    plan: &Plan,
    groups: &[String],
    vms: &[String],
) -> Result<crate::graph::Only, ExitCode> {
    crate::graph::Only::named(plan, groups, vms)
        .map_err(|e| ctx.fail(ErrorCode::Usage, &e.to_string(), ExitCode::Usage))
}
