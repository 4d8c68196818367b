//! drplan: disaster-recovery plans for Azure Site Recovery, as code.
//!
//! ```text
//!  .drplan text ──source──▶ SourceFile
//!       │ syntax::parse                 (grammar/drplan.pest → ast, drplan::syntax)
//!       ▼
//!  ast::PlanFile ──fmt::format──▶ canonical text                  [drplan fmt]
//!       │ check::check                  (schema, values, names, cycles, estimates)
//!       ▼
//!  plan::Plan (only without errors) + Diagnostics ──render──▶ human | json   [drplan check]
//!       │ graph::build(plan, Operation)  (forward, reversed, unordered)
//!       ▼
//!  graph::StepGraph ──graph::export──▶ dot | mermaid | json       [drplan graph]
//!       │ schedule::Schedule::new        (waves, list schedule, critical path, RTO)
//!       ▼
//!  schedule::Schedule ──▶ dry-run report                           [drplan run --dry-run]
//! ```

// pest_derive without `std` (see Cargo.toml) names `alloc` in the code it generates.
extern crate alloc;

pub mod amend;
pub mod ast;
pub mod check;
pub mod cli;
pub mod clock;
pub mod dashboard;
pub mod diagnostic;
pub mod diff;
pub mod duration;
pub mod emulator;
pub mod error_chain;
pub mod exec;
pub mod file_lock;
pub mod fmt;
pub mod git;
pub mod graph;
pub mod hash;
pub mod hooks;
pub mod interop;
pub mod journal;
pub mod learn;
pub mod loopback;
pub mod lsp;
pub mod notify;
pub mod operation;
pub mod owner_only;
pub mod plan;
pub mod printable;
pub mod provider;
pub mod readiness;
pub mod regions;
pub mod render;
pub mod report;
pub mod schedule;
pub mod source;
pub mod step_kind;
pub mod suggest;
pub mod syntax;
pub mod target;
pub mod urls;

pub use check::check;
pub use diagnostic::{Diagnostic, Diagnostics};
pub use source::{SourceFile, Span};
pub use syntax::parse;

/// Parses and checks one file: the checked plan when it has no errors, and
/// every diagnostic found (sorted by position).
pub fn compile(source: &SourceFile) -> (Option<plan::Plan>, Vec<Diagnostic>) {
    let (_, plan, diagnostics) = compile_keeping_tree(source);
    (plan, diagnostics)
}

/// [`compile`], also returning the syntax tree (when the text parses) for
/// tools that answer questions about the text, like the language server.
pub fn compile_keeping_tree(
    source: &SourceFile,
) -> (Option<ast::PlanFile>, Option<plan::Plan>, Vec<Diagnostic>) {
    let mut diags = Diagnostics::new();
    let file = syntax::parse(source, &mut diags);
    let plan = match &file {
        // Syntax errors stop here: a broken tree gives noisy semantic errors.
        Some(file) if !diags.has_errors() => check::check(source, file, &mut diags),
        _ => None,
    };
    (file, plan, diags.into_sorted())
}
