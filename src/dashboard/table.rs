//! Terminal tables for the dashboard and the job list: rows of cells in,
//! aligned lines out (widths counted in characters, colour only when asked);
//! and the short timestamps the tables show.

use crate::clock::Timestamp;
use crate::printable::printable_line;
use crate::provider::Health;

/// How text is coloured on a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Paint {
    Plain,
    Bold,
    Dim,
    Green,
    Yellow,
    Red,
}

impl Paint {
    fn code(self) -> Option<&'static str> {
        match self {
            Paint::Plain => None,
            Paint::Bold => Some("1"),
            Paint::Dim => Some("2"),
            Paint::Green => Some("32"),
            Paint::Yellow => Some("33"),
            Paint::Red => Some("31"),
        }
    }

    pub(super) fn paint(self, text: &str, color: bool) -> String {
        match self.code() {
            Some(code) if color && !text.is_empty() => format!("\x1b[{code}m{text}\x1b[0m"),
            _ => text.to_owned(),
        }
    }

    pub(super) fn health(h: Health) -> Paint {
        match h {
            Health::Healthy => Paint::Green,
            Health::Warning => Paint::Yellow,
            Health::Critical => Paint::Red,
        }
    }
}

/// A table cell: its text and colour.
#[derive(Debug, Clone)]
pub(super) struct Cell {
    text: String,
    paint: Paint,
}

impl Cell {
    /// A cell of `text` as the terminal may show it (see the module doc);
    /// widths are measured on that.
    pub(super) fn new(text: impl Into<String>, paint: Paint) -> Self {
        let text: String = text.into();
        Self {
            text: printable_line(&text).into_owned(),
            paint,
        }
    }

    pub(super) fn plain(text: impl Into<String>) -> Self {
        Self::new(text, Paint::Plain)
    }
}

/// Lines of a table, header first, columns two spaces apart. Cells are padded
/// before they are painted, so escape codes never upset the alignment, and
/// the last column is not padded, so lines carry no trailing spaces.
pub(super) fn table(header: &[&str], rows: &[Vec<Cell>], color: bool) -> Vec<String> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.text.chars().count());
        }
    }
    let line = |cells: Vec<(String, Paint)>| {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (i, ((text, paint), width)) in cells.into_iter().zip(&widths).enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            let pad = width.saturating_sub(text.chars().count());
            out.push_str(&paint.paint(&text, color));
            if i < last {
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out
    };
    let mut lines = vec![line(
        header
            .iter()
            .map(|h| ((*h).to_owned(), Paint::Bold))
            .collect(),
    )];
    for row in rows {
        lines.push(line(
            row.iter().map(|c| (c.text.clone(), c.paint)).collect(),
        ));
    }
    lines
}

/// `2026-01-01 12:00:00Z`: RFC 3339 to the second, easier to scan in a table.
pub(super) fn short_time(t: Timestamp) -> String {
    let full = t.to_string();
    match full.get(..19) {
        Some(head) => format!("{}Z", head.replace('T', " ")),
        None => full,
    }
}
