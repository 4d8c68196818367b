//! The sink that `syntax` and `check` push diagnostics into: kept in the
//! order found, counted by severity, sorted by position on output.

use super::Diagnostic;

/// The problems found in one file, kept in the order found and sorted on output.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one, with every text cut to [`MAX_TEXT`](super::MAX_TEXT) characters.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic.bounded());
    }

    /// Whether any error (not warning) was reported.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// How many errors.
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    /// How many warnings.
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// The diagnostics sorted by position (stable, so equal positions keep their order).
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by_key(Diagnostic::offset);
        self.items
    }

    /// The diagnostics as found.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Whether nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many diagnostics.
    pub fn len(&self) -> usize {
        self.items.len()
    }
}
