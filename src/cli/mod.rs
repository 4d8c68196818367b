//! The command line: arguments in, output on stdout, logs on stderr, an exit
//! code out. Each command lives in its own file and only wires the library's
//! stages together; nothing here decides what a plan means.

mod active;
mod approvals;
mod approve;
pub mod args;
mod check;
mod configure;
mod console;
pub mod diff;
mod dry_run;
mod emulator;
pub mod exit;
mod fmt;
mod graph;
mod lsp;
mod output;
mod output_cmd;
mod paths;
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

use args::{Cli, ColorChoice, Command};
use exit::ExitCode;

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
    let ctx = Ctx::new(cli.color, cli.credential);
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
        Command::Status(args) => status::status(&args, &ctx),
        Command::Jobs(args) => status::jobs(&args, &ctx),
        Command::Emulator(args) => emulator::run(&args, &ctx),
        Command::Lsp(args) => lsp::run(&args),
    };
    code.code()
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
}

impl Ctx {
    fn new(choice: ColorChoice, credential: crate::provider::azure::CredentialKind) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && std::io::stdout().is_terminal(),
        };
        Self { color, credential }
    }

    /// Reads and compiles one plan for commands that need a valid plan. Errors
    /// (and warnings) are printed to stderr; a plan with errors gives exit 1,
    /// a file that cannot be read exit 2.
    pub(crate) fn load_plan(&self, path: &std::path::Path) -> Result<(SourceFile, Plan), ExitCode> {
        let source = paths::read(path).map_err(|e| {
            output::error(&e.to_string());
            ExitCode::Usage
        })?;
        let plan = self.compile(&source)?;
        Ok((source, plan))
    }

    /// Compiles a plan read from a file, printing its diagnostics to stderr;
    /// a plan with errors is refused (exit 1).
    pub(crate) fn compile(&self, source: &SourceFile) -> Result<Plan, ExitCode> {
        let (plan, diagnostics) = crate::compile(source);
        for d in &diagnostics {
            eprint!(
                "{}",
                crate::render::human(source, d, self.color_stderr(), output::width())
            );
        }
        if let Some(plan) = plan {
            Ok(plan)
        } else {
            output::error(&format!(
                "{} has errors (above); nothing was done",
                source.display_path()
            ));
            Err(ExitCode::Failed)
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
    groups: &[String],
) -> Result<(SourceFile, Plan, crate::graph::StepGraph), ExitCode> {
    let (source, plan) = ctx.load_plan(path)?;
    let only = select_groups(&plan, groups)?;
    let graph = crate::graph::build(&plan, operation, only.as_deref());
    Ok((source, plan, graph))
}

/// Resolves `--group` names to indices, or explains which name is unknown.
fn select_groups(plan: &Plan, names: &[String]) -> Result<Option<Vec<usize>>, ExitCode> {
    if names.is_empty() {
        return Ok(None);
    }
    let mut ids = Vec::new();
    for name in names {
        let Some(id) = plan.groups.iter().position(|g| &g.name == name) else {
            let hint =
                crate::suggest::did_you_mean(name, plan.groups.iter().map(|g| g.name.as_str()))
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default();
            output::error(&format!("plan `{}` has no group `{name}`{hint}", plan.name));
            return Err(ExitCode::Usage);
        };
        ids.push(id);
    }
    Ok(Some(ids))
}
