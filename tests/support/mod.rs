//! Shared test helpers: fixtures read with paths relative to the crate, so
//! snapshots do not depend on where the checkout lives.

pub(crate) mod azurite;
pub(crate) mod emulator;
pub(crate) mod events;
pub(crate) mod fake;
pub(crate) mod lsp_client;
pub(crate) mod npm;
pub(crate) mod rehearsal;
pub(crate) mod sandbox;
pub(crate) mod state;

use std::path::{Path, PathBuf};

use drplan::Diagnostic;
use drplan::plan::Plan;
use drplan::render;
use drplan::source::{LineIndex, SourceFile};

/// The crate's root.
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture or plan, read with its path relative to the crate root.
pub(crate) fn read(path: &Path) -> SourceFile {
    let relative = path.strip_prefix(root()).unwrap_or(path).to_path_buf();
    let text = std::fs::read_to_string(root().join(&relative)).unwrap();
    SourceFile::new(relative, text)
}

/// Compiles a file, expecting no diagnostics at all.
pub(crate) fn compile_clean(path: &Path) -> Plan {
    let source = read(path);
    let (plan, diagnostics) = drplan::compile(&source);
    assert!(
        diagnostics.is_empty(),
        "{}: {}",
        source.display_path(),
        human_all(&source, &diagnostics)
    );
    plan.unwrap()
}

/// Every diagnostic rendered as `drplan check` prints it without colour, 80 columns wide.
pub(crate) fn human_all(source: &SourceFile, diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| render::human(source, d, false, 80))
        .collect()
}

/// Every diagnostic in its JSON form.
pub(crate) fn json_all(
    source: &SourceFile,
    diagnostics: &[Diagnostic],
) -> Vec<render::DiagnosticJson> {
    let index = LineIndex::new(&source.text);
    diagnostics
        .iter()
        .map(|d| render::json(source, &index, d))
        .collect()
}

/// The diagnostic codes of a text, in order (`drplan::syntax`, …).
pub(crate) fn codes(text: &str) -> Vec<String> {
    let (_, d) = drplan::compile(&SourceFile::new("text.drplan", text));
    d.iter().map(Diagnostic::code_str).collect()
}

/// The example plans in `plans/`, sorted.
pub(crate) fn plans() -> Vec<PathBuf> {
    let mut plans: Vec<PathBuf> = std::fs::read_dir(root().join("plans"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "drplan"))
        .collect();
    plans.sort();
    plans
}

/// A plan's file stem, for snapshot names.
pub(crate) fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}
