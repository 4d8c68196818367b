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
    /// Run an operation; this build plans it: `--dry-run` prints the schedule without acting.
    Run(RunArgs),
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

/// `drplan check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Plan files or folders; the current folder when none is given.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Treat warnings as errors (exit 1 when any is found).
    #[arg(long)]
    pub deny_warnings: bool,
}

/// `drplan fmt`.
#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// Plan files or folders; the current folder when none is given; `-` formats stdin to stdout.
    pub paths: Vec<PathBuf>,
    /// Change nothing: list the files that would change and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
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
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The operation: failover, commit, reprotect, failback, test-failover, test-cleanup.
    #[arg(value_parser = parse_operation)]
    pub operation: Operation,
    /// The plan file.
    pub plan: PathBuf,
    /// Print the schedule (waves, estimates, critical path, RTO fit) without acting.
    #[arg(long)]
    pub dry_run: bool,
    /// Only these groups (repeatable), still in order.
    #[arg(long = "group", short = 'g')]
    pub groups: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

fn parse_operation(s: &str) -> Result<Operation, String> {
    s.parse()
}
