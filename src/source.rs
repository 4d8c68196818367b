//! Source text and positions: a plan file's path and text in, byte spans and
//! line/column positions (characters for the CLI, UTF-16 units for editors) out.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A plan file as read from disk (or handed over by an editor).
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user gave it; used in diagnostics and to resolve
    /// script paths relative to the plan.
    pub path: PathBuf,
    /// The whole text. `Arc` so renderers can share it without copying.
    pub text: Arc<str>,
}

impl SourceFile {
    /// A source file from a path and its text.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Self {
        Self {
            path: path.into(),
            text: text.into(),
        }
    }

    /// Reads a file from disk.
    pub fn read(path: &Path) -> std::io::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        Ok(Self::new(path, text))
    }

    /// The text a span covers, or an empty string for a span outside the text.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// The path for display, with forward slashes so output is the same on every OS.
    pub fn display_path(&self) -> String {
        self.path.to_string_lossy().replace('\\', "/")
    }
}

/// A byte range into a [`SourceFile`]'s text. `u32` keeps AST nodes small;
/// plan files larger than 4 GiB are refused when read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets; offsets beyond `u32::MAX` saturate.
    pub fn new(start: usize, end: usize) -> Self {
        Self {
            start: saturate(start),
            end: saturate(end),
        }
    }

    /// The byte range, for slicing.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both.
    #[must_use]
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Number of bytes covered.
    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    /// Whether the span covers no byte.
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }

    /// Whether `offset` lies inside the span (end inclusive, so a cursor just
    /// after a name still counts as on it).
    pub fn contains(self, offset: usize) -> bool {
        (self.start as usize..=self.end as usize).contains(&offset)
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        miette::SourceSpan::new((span.start as usize).into(), span.len())
    }
}

/// A position for people: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LineCol {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters (or UTF-16 units, see [`LineIndex::utf16`]).
    pub column: usize,
}

/// Maps byte offsets to lines and columns. Built once per file.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset where each line starts.
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`. `\n`, `\r\n` and a lone `\r` all end a line,
    /// as they do for the grammar.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        Self { starts }
    }

    fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    /// Line and column (characters) of a byte offset; offsets past the end clamp to it.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = clamp_to_char(text, offset);
        let line = self.line_of(offset);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column = text.get(start..offset).map_or(0, |s| s.chars().count());
        LineCol {
            line: line + 1,
            column: column + 1,
        }
    }

    /// Zero-based line and UTF-16 column, as the Language Server Protocol counts.
    pub fn utf16(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = clamp_to_char(text, offset);
        let line = self.line_of(offset);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column = text
            .get(start..offset)
            .map_or(0, |s| s.encode_utf16().count());
        (saturate(line), saturate(column))
    }

    /// The byte offset of a zero-based line and UTF-16 column (LSP positions);
    /// positions past a line's end clamp to it.
    pub fn offset_of_utf16(&self, text: &str, line: u32, column: u32) -> usize {
        let Some(&start) = self.starts.get(line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(line as usize + 1)
            .copied()
            .unwrap_or(text.len());
        let mut units = 0u32;
        for (i, c) in text.get(start..end).unwrap_or("").char_indices() {
            if units >= column || c == '\n' || c == '\r' {
                return start + i;
            }
            units += u32::try_from(c.len_utf16()).unwrap_or(2);
        }
        end
    }
}

fn clamp_to_char(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_and_all_line_endings() {
        let text = "ab\ncé\r\nx\ry";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(index.line_col(text, 3), LineCol { line: 2, column: 1 });
        // `é` is two bytes but one column.
        assert_eq!(index.line_col(text, 6), LineCol { line: 2, column: 3 });
        assert_eq!(index.line_col(text, 8), LineCol { line: 3, column: 1 });
        assert_eq!(index.line_col(text, 10), LineCol { line: 4, column: 1 });
        assert_eq!(index.line_col(text, 99), LineCol { line: 4, column: 2 });
    }

    #[test]
    fn utf16_positions_round_trip() {
        let text = "a😀b\nc";
        let index = LineIndex::new(text);
        let b = text.find('b').unwrap();
        assert_eq!(index.utf16(text, b), (0, 3));
        assert_eq!(index.offset_of_utf16(text, 0, 3), b);
        assert_eq!(index.offset_of_utf16(text, 1, 0), text.find('c').unwrap());
        assert_eq!(index.offset_of_utf16(text, 7, 0), text.len());
    }
}
