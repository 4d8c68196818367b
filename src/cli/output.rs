//! Where results and messages go: results to stdout, errors to stderr, JSON
//! written whole; the terminal width for wrapping diagnostics.

use std::io::Write;

/// Prints `error: …` to stderr. Errors quote what came from outside (a
/// vault's answer, a file's name), so control characters are escaped.
pub(super) fn error(message: &str) {
    eprintln!("error: {}", crate::printable::printable(message));
}

/// Writes text to stdout; a closed pipe (`drplan … | head`) is not an error.
pub(super) fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Writes a value as one line of JSON to stdout.
pub(super) fn json<T: serde::Serialize>(value: &T) {
    match serde_json::to_string(value) {
        Ok(text) => print(&(text + "\n")),
        Err(e) => error(&format!("cannot write JSON: {e}")),
    }
}

/// The width diagnostics wrap at: `COLUMNS`, else 100.
pub(super) fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w: &usize| *w >= 40)
        .unwrap_or(100)
}
