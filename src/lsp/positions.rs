//! Byte offsets of a text to LSP positions (zero-based line, UTF-16 column)
//! and back, in time that does not grow with the line: a plan may hold a
//! million VM names on one line, and an outline asks for the position of
//! each. Line starts as `source::LineIndex` counts them (`\n`, `\r\n` or a
//! lone `\r` ends a line); columns from UTF-16 counts kept every
//! [`STRIDE`] bytes, so a lookup counts at most that many bytes.

use lsp_types::{Position, Range};

/// Bytes between two marks: a lookup counts at most this many; the marks
/// cost 16 bytes for each of these.
const STRIDE: usize = 256;

/// Line starts and UTF-16 marks of one text.
#[derive(Debug)]
pub(super) struct Positions {
    /// Byte offset where each line starts.
    starts: Vec<usize>,
    /// For byte `k * STRIDE` of the text: the char boundary at or before it,
    /// and the UTF-16 units before that boundary.
    marks: Vec<(usize, usize)>,
}

impl Positions {
    pub(super) fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            let ends_line = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if ends_line {
                starts.push(i + 1);
            }
        }
        let mut marks = Vec::with_capacity(text.len() / STRIDE + 1);
        let (mut at, mut units) = (0, 0);
        for k in 0..=text.len() / STRIDE {
            let next = char_boundary(text, k * STRIDE);
            units += utf16_len(&text[at..next]);
            at = next;
            marks.push((at, units));
        }
        Self { starts, marks }
    }

    /// The position of a byte offset; one past the end or inside a character
    /// counts as the character boundary before it.
    pub(super) fn position(&self, text: &str, offset: usize) -> Position {
        let offset = char_boundary(text, offset);
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        Position {
            line: saturate(line),
            character: saturate(self.between(text, start, offset)),
        }
    }

    /// The range of two byte offsets, as two [`Self::position`]s. An outline
    /// asks for millions, most of them a short name: its end is counted
    /// from its start.
    pub(super) fn range(&self, text: &str, start: usize, end: usize) -> Range {
        let from = self.position(text, start);
        let (start, end) = (char_boundary(text, start), char_boundary(text, end));
        let next_line = self.starts.get(from.line as usize + 1);
        let near = start <= end && end - start <= STRIDE && next_line.is_none_or(|&n| end < n);
        let to = if near {
            Position {
                line: from.line,
                character: saturate(from.character as usize + utf16_len(&text[start..end])),
            }
        } else {
            self.position(text, end)
        };
        Range {
            start: from,
            end: to,
        }
    }

    /// The byte offset of a position: a column past the end of its line
    /// clamps to the line's end, a line past the end of the text to the end,
    /// a column inside a surrogate pair to after the pair.
    pub(super) fn offset(&self, text: &str, position: Position) -> usize {
        let line = position.line as usize;
        let Some(&start) = self.starts.get(line) else {
            return text.len();
        };
        let next = self.starts.get(line + 1).copied().unwrap_or(text.len());
        let line_text = text.get(start..next).unwrap_or("");
        let content = line_text.trim_end_matches(['\n', '\r']);
        let end = start + content.len();
        let target = self.units(text, start) + position.character as usize;
        // Count from the last mark before the target that is on this line.
        let mark = self
            .marks
            .partition_point(|&(_, units)| units <= target)
            .saturating_sub(1);
        let (mut at, mut units) = self.marks.get(mark).copied().unwrap_or((0, 0));
        if at < start {
            (at, units) = (start, self.units(text, start));
        }
        if at >= end {
            return end;
        }
        for (i, c) in text[at..end].char_indices() {
            if units >= target {
                return at + i;
            }
            units += c.len_utf16();
        }
        end
    }

    /// UTF-16 units from `start` to `end`, char boundaries in that order.
    fn between(&self, text: &str, start: usize, end: usize) -> usize {
        if end - start <= STRIDE {
            text.get(start..end).map_or(0, utf16_len)
        } else {
            self.units(text, end) - self.units(text, start)
        }
    }

    /// UTF-16 units before `offset`, a char boundary.
    fn units(&self, text: &str, offset: usize) -> usize {
        let (at, units) = self.marks.get(offset / STRIDE).copied().unwrap_or((0, 0));
        units + text.get(at..offset).map_or(0, utf16_len)
    }
}

fn utf16_len(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.chars().map(char::len_utf16).sum()
    }
}

/// The char boundary at or before `offset`, within the text.
fn char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use crate::source::LineIndex;

    use super::*;

    /// Texts with every kind of line end, characters of one to four bytes
    /// (one or two UTF-16 units), and lines longer than [`STRIDE`].
    fn texts() -> Vec<String> {
        let pieces = [
            "a",
            "é",
            "€",
            "😀",
            "\n",
            "\r\n",
            "\r",
            "  vm x, y",
            "\"z\"",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut texts = vec![
            String::new(),
            "x".repeat(3 * STRIDE),
            format!(
                "{}\r\n{}\r{}",
                "😀".repeat(STRIDE),
                "é€".repeat(STRIDE),
                "a😀".repeat(STRIDE)
            ),
        ];
        for length in [3, 40, 400, 2000] {
            let mut text = String::new();
            for _ in 0..length {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Mostly `ab`: lines of a few hundred bytes.
                let i = usize::try_from(seed % 256).unwrap();
                text.push_str(pieces.get(i).unwrap_or(&"ab"));
            }
            texts.push(text);
        }
        texts
    }

    #[test]
    fn positions_agree_with_the_line_index_both_ways() {
        for text in texts() {
            let index = LineIndex::new(&text);
            let positions = Positions::new(&text);
            for offset in 0..=text.len() + 2 {
                let (line, character) = index.utf16(&text, offset);
                let position = Position { line, character };
                assert_eq!(
                    positions.position(&text, offset),
                    position,
                    "offset {offset} of {text:?}"
                );
                for end in [offset, offset + 1, offset + 7, offset + STRIDE + 1] {
                    let (line, character) = index.utf16(&text, end);
                    let range = Range {
                        start: position,
                        end: Position { line, character },
                    };
                    assert_eq!(
                        positions.range(&text, offset, end),
                        range,
                        "{offset}..{end} of {text:?}"
                    );
                }
            }
            let lines = u32::try_from(text.lines().count()).unwrap() + 2;
            for line in 0..lines {
                for character in 0..1200 {
                    let expected = index.offset_of_utf16(&text, line, character);
                    assert_eq!(
                        positions.offset(&text, Position { line, character }),
                        expected,
                        "line {line} character {character} of {text:?}"
                    );
                }
            }
        }
    }
}
