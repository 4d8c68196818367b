//! A plan's text and a diagnostic's labels in; the source miette draws under
//! the diagnostic out: only the lines the labels sit on (and the line of
//! context either side, as miette shows), control characters escaped, lines
//! longer than [`MAX_LINE`] characters cut around the labels with `…`, and
//! the labels moved to the same places in the text shown.
//!
//! Line numbers and the header's column are the plan's own, so they agree
//! with `--format json`. A plan line without control characters that fits
//! is shown byte for byte as written, so ordinary reports do not change.

use miette::{LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::printable::{is_unsafe, printable, printable_line};
use crate::source::{LineCol, LineIndex};

/// Characters of one plan line shown at most (an escape counts as the
/// characters it shows); a longer line is cut around its labels, to the
/// terminal's width (see [`window`]).
pub(super) const MAX_LINE: usize = 200;
/// The narrowest a cut line gets, however narrow the terminal.
const MIN_WINDOW: usize = 40;
/// Columns of a report line that are not plan text: line number, gutter,
/// and room for the gutter of a multi-line label.
const GUTTER: usize = 12;
/// Characters shown before the first label of a line that is cut.
const LEAD: usize = 40;
/// Lines one label may underline; a longer label is shown on its first line,
/// so a label over a whole block cannot print the block.
const MAX_LABEL_LINES: usize = 12;
/// Lines between two labels' context that are still shown as one stretch,
/// as miette joins nearby snippets; farther labels get snippets of their own.
const MAX_GAP: usize = 24;

/// The text miette reads: stretches of consecutive plan lines, each line as
/// shown, one after the other.
#[derive(Debug)]
pub(super) struct Excerpt {
    name: String,
    text: String,
    stretches: Vec<Stretch>,
    /// Where each label starts in `text`, and in the plan.
    starts: Vec<(usize, LineCol)>,
}

/// Plan lines `first_line..` shown as `text[start..end]`.
#[derive(Debug)]
struct Stretch {
    start: usize,
    end: usize,
    /// Zero-based.
    first_line: usize,
}

/// One end of a label, in the plan and in what is shown.
struct Bound {
    offset: usize,
    line: usize,
    /// The start of the primary label, which a cut line keeps in view first.
    primary: bool,
    shown: usize,
}

/// Characters of a cut line for a report `width` columns wide: so that the
/// line and its labels' underlines each fit on one terminal line.
pub(super) fn window(width: usize) -> usize {
    width.saturating_sub(GUTTER).clamp(MIN_WINDOW, MAX_LINE)
}

/// The excerpt of `text` for `labels`, long lines cut to `window`
/// characters, and the labels placed on it.
pub(super) fn excerpt(
    name: &str,
    text: &str,
    index: &LineIndex,
    labels: &[LabeledSpan],
    window: usize,
) -> (Excerpt, Vec<LabeledSpan>) {
    let (mut bounds, starts_at, ranges) = ends(text, index, labels);
    let merged = joined(ranges);

    let mut order: Vec<usize> = (0..bounds.len()).collect();
    order.sort_by_key(|&i| (bounds[i].line, bounds[i].offset));
    let mut next = 0;
    let mut shown = String::new();
    let mut stretches = Vec::with_capacity(merged.len());
    for (first, last) in merged {
        let start = shown.len();
        for n in first..=last {
            let line = Line::of(text, index, n);
            let from = next;
            while next < order.len() && bounds[order[next]].line == n {
                next += 1;
            }
            let on_line = &order[from..next];
            let content = &text[line.start..line.content_end];
            // A label may end inside the line break; it shows at the line's end.
            let within = |i: usize| {
                bounds[i]
                    .offset
                    .saturating_sub(line.start)
                    .min(content.len())
            };
            let offsets: Vec<usize> = on_line.iter().map(|&i| within(i)).collect();
            let primary = on_line
                .iter()
                .find(|&&i| bounds[i].primary)
                .map(|&i| within(i));
            let cut = Cut::of(content, &offsets, primary, window);
            let base = shown.len();
            for (&i, &offset) in on_line.iter().zip(&offsets) {
                bounds[i].shown = base + cut.shown_at(content, offset);
            }
            cut.push_to(&mut shown, content);
            if line.content_end < line.next_start {
                shown.push('\n');
            }
        }
        stretches.push(Stretch {
            start,
            end: shown.len(),
            first_line: first,
        });
    }

    let mut placed = Vec::with_capacity(labels.len());
    let mut starts = Vec::with_capacity(labels.len());
    for (k, label) in labels.iter().enumerate() {
        let (from, to) = (
            bounds[2 * k].shown,
            bounds[2 * k + 1].shown.max(bounds[2 * k].shown),
        );
        let span = SourceSpan::new(from.into(), to - from);
        let text = label.label().map(|t| printable_line(t).into_owned());
        placed.push(if label.primary() {
            LabeledSpan::new_primary_with_span(text, span)
        } else {
            LabeledSpan::new_with_span(text, span)
        });
        starts.push((from, starts_at[k]));
    }
    let excerpt = Excerpt {
        name: printable_line(name).into_owned(),
        text: shown,
        stretches,
        starts,
    };
    (excerpt, placed)
}

/// Both ends of every label (start, end, in label order), where each label
/// starts in the plan, and the lines each label needs shown with context.
fn ends(
    text: &str,
    index: &LineIndex,
    labels: &[LabeledSpan],
) -> (Vec<Bound>, Vec<LineCol>, Vec<(usize, usize)>) {
    let last_line = index.line_col(text, text.len()).line - 1;
    let mut bounds: Vec<Bound> = Vec::with_capacity(labels.len() * 2);
    let mut starts_at: Vec<LineCol> = Vec::with_capacity(labels.len());
    let mut ranges: Vec<(usize, usize)> = Vec::with_capacity(labels.len());
    for label in labels {
        let start = char_floor(text, label.offset());
        let mut end = char_floor(text, label.offset() + label.len()).max(start);
        let at = index.line_col(text, start);
        let line = at.line - 1;
        let mut end_line = index.line_col(text, end).line - 1;
        if end_line - line > MAX_LABEL_LINES {
            end = Line::of(text, index, line).content_end;
            end_line = line;
        }
        bounds.push(Bound {
            offset: start,
            line,
            primary: label.primary(),
            shown: 0,
        });
        bounds.push(Bound {
            offset: end,
            line: end_line,
            primary: false,
            shown: 0,
        });
        starts_at.push(at);
        ranges.push((line.saturating_sub(1), (end_line + 1).min(last_line)));
    }
    (bounds, starts_at, ranges)
}

/// Line ranges in order, those that overlap or lie within [`MAX_GAP`] lines
/// of each other joined.
fn joined(mut ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (first, last) in ranges {
        match merged.last_mut() {
            Some(prev) if first <= prev.1 + 1 + MAX_GAP => prev.1 = prev.1.max(last),
            _ => merged.push((first, last)),
        }
    }
    merged
}

/// Where a plan line is: its start, the end of its text and the start of
/// the next line (after `\n`, `\r\n` or a lone `\r`).
struct Line {
    start: usize,
    content_end: usize,
    next_start: usize,
}

impl Line {
    fn of(text: &str, index: &LineIndex, line: usize) -> Line {
        let line = u32::try_from(line).unwrap_or(u32::MAX);
        let start = index.offset_of_utf16(text, line, 0);
        let next_start = index.offset_of_utf16(text, line.saturating_add(1), 0);
        let line_text = text.as_bytes().get(start..next_start).unwrap_or_default();
        let ending = ["\r\n", "\n", "\r"]
            .iter()
            .find(|e| line_text.ends_with(e.as_bytes()))
            .map_or(0, |e| e.len());
        let content_end = next_start - ending;
        Line {
            start,
            content_end,
            next_start,
        }
    }
}

/// The part of a line that is shown: `content[start..end]`, with `…` where
/// text was left out.
struct Cut {
    start: usize,
    end: usize,
    len: usize,
}

impl Cut {
    /// The whole line if it fits in [`MAX_LINE`], else `window` characters
    /// from a little before its first label; if that leaves the primary label
    /// out, from a little before it instead.
    fn of(content: &str, offsets: &[usize], primary: Option<usize>, window: usize) -> Cut {
        let whole = Cut {
            start: 0,
            end: content.len(),
            len: content.len(),
        };
        if forward(content, 0, MAX_LINE) == content.len() {
            return whole;
        }
        let first = offsets.iter().copied().min().unwrap_or(0);
        let last = offsets.iter().copied().max().unwrap_or(0);
        let mut start = back(content, first, LEAD);
        let mut end = forward(content, start, window);
        if let Some(p) = primary
            && last > end
            && !(start..=end).contains(&p)
        {
            start = back(content, p, LEAD);
            end = forward(content, start, window);
        }
        if end == content.len() {
            start = start.min(back(content, end, window));
        }
        Cut {
            start,
            end,
            len: content.len(),
        }
    }

    fn push_to(&self, out: &mut String, content: &str) {
        if self.start > 0 {
            out.push('…');
        }
        out.push_str(&printable(&content[self.start..self.end]));
        if self.end < self.len {
            out.push('…');
        }
    }

    /// Where `offset` of the line is in the line as shown; text left out
    /// maps to the `…` that stands for it.
    fn shown_at(&self, content: &str, offset: usize) -> usize {
        let lead = if self.start > 0 { '…'.len_utf8() } else { 0 };
        if offset < self.start {
            0
        } else if offset > self.end {
            let trail = if self.end < self.len {
                '…'.len_utf8()
            } else {
                0
            };
            lead + printable(&content[self.start..self.end]).len() + trail
        } else {
            lead + printable(&content[self.start..offset]).len()
        }
    }
}

/// Characters a terminal shows for `c` once escaped.
fn width(c: char) -> usize {
    if is_unsafe(c) && c != '\t' {
        printable_line(c.encode_utf8(&mut [0; 4])).chars().count()
    } else {
        1
    }
}

/// The offset `n` shown characters after `from`, or the end.
fn forward(content: &str, from: usize, n: usize) -> usize {
    let mut used = 0;
    for (i, c) in content[from..].char_indices() {
        used += width(c);
        if used > n {
            return from + i;
        }
    }
    content.len()
}

/// The offset `n` shown characters before `to`, or the start.
fn back(content: &str, to: usize, n: usize) -> usize {
    let mut used = 0;
    let mut at = to;
    for (i, c) in content[..to].char_indices().rev() {
        used += width(c);
        if used > n {
            break;
        }
        at = i;
    }
    at
}

/// `offset` clamped to the text and moved back to a character boundary.
fn char_floor(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (from, to) = (span.offset(), span.offset() + span.len());
        // The last stretch that holds the span: a span between two stretches
        // (miette asks when it considers joining snippets) is out of bounds,
        // so the two are drawn apart.
        let stretch = self
            .stretches
            .iter()
            .rev()
            .find(|s| s.start <= from && to <= s.end)
            .ok_or(MietteError::OutOfBounds)?;
        let local = &self.text[stretch.start..stretch.end];
        let inner = local.read_span(
            &SourceSpan::new((from - stretch.start).into(), span.len()),
            context_lines_before,
            context_lines_after,
        )?;
        let mut line = stretch.first_line + inner.line();
        let mut column = inner.column();
        if context_lines_before == 0
            && let Some((_, at)) = self.starts.iter().find(|(start, _)| *start == from)
        {
            line = at.line - 1;
            column = at.column - 1;
        }
        let data = inner.data();
        let shown = SourceSpan::new(
            (inner.span().offset() + stretch.start).into(),
            inner.span().len(),
        );
        // miette joins two snippets when the first's line plus its line count
        // reaches the second's line; counting lines from the plan's start, as
        // a whole text would, keeps its choices for nearby labels.
        let line_count = stretch.first_line + inner.line_count();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            data,
            shown,
            line,
            column,
            line_count,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(content: &str, offsets: &[usize], primary: Option<usize>) -> String {
        let mut out = String::new();
        Cut::of(content, offsets, primary, MAX_LINE).push_to(&mut out, content);
        out
    }

    #[test]
    fn far_labels_get_stretches_of_their_own_with_the_plan_line_numbers() {
        let text: String = (1..=100)
            .map(|i| format!("line {i}\n"))
            .collect::<Vec<_>>()
            .concat();
        let index = LineIndex::new(&text);
        let at = |n: usize| text.find(&format!("line {n}\n")).unwrap();
        let labels = [
            LabeledSpan::at(at(3)..at(3) + 4, "a"),
            LabeledSpan::at(at(90)..at(90) + 4, "b"),
        ];
        let (excerpt, placed) = excerpt("x", &text, &index, &labels, MAX_LINE);
        assert_eq!(excerpt.stretches.len(), 2);
        let context = excerpt.read_span(placed[1].inner(), 1, 1).unwrap();
        assert_eq!(context.line(), 88);
        assert_eq!(context.data(), b"line 89\nline 90\nline 91\n");
        let header = excerpt.read_span(placed[1].inner(), 0, 0).unwrap();
        assert_eq!((header.line(), header.column()), (89, 0));
        // A span over both stretches is refused, so miette draws them apart.
        let both = SourceSpan::new(
            placed[0].offset().into(),
            placed[1].offset() + 4 - placed[0].offset(),
        );
        assert!(excerpt.read_span(&both, 1, 1).is_err());
    }

    #[test]
    fn a_line_that_fits_is_shown_whole_and_escaped() {
        assert_eq!(cut("a\u{1b}[2Jb\tc", &[1], None), "a\\x1b[2Jb\tc");
    }

    #[test]
    fn a_long_line_is_cut_around_its_labels() {
        let line = format!("{}X{}", "a".repeat(1000), "b".repeat(1000));
        let shown = cut(&line, &[1000, 1001], Some(1000));
        assert_eq!(shown.chars().count(), MAX_LINE + 2);
        assert!(
            shown.starts_with(&format!("…{}X", "a".repeat(LEAD))),
            "{shown}"
        );
        assert!(shown.ends_with("b…"), "{shown}");
        // At the end of the line, the window fills up backwards.
        let shown = cut(&line, &[line.len()], None);
        assert!(shown.starts_with('…') && shown.ends_with('b'), "{shown}");
        assert_eq!(shown.chars().count(), MAX_LINE + 1);
    }

    #[test]
    fn a_cut_line_fits_the_terminal() {
        assert_eq!(window(100), 88);
        assert_eq!(window(10), MIN_WINDOW);
        assert_eq!(window(1000), MAX_LINE);
        let line = "a".repeat(1000);
        let mut out = String::new();
        Cut::of(&line, &[500], Some(500), window(80)).push_to(&mut out, &line);
        assert_eq!(out.chars().count(), window(80) + 2);
    }

    #[test]
    fn labels_keep_their_place_in_the_shown_line() {
        let content = "x\u{1b}yz";
        let cut = Cut::of(content, &[2], None, MAX_LINE);
        assert_eq!(cut.shown_at(content, 2), "x\\x1b".len());
        let long = "a".repeat(1000);
        let cut = Cut::of(&long, &[500, 600], Some(500), MAX_LINE);
        assert_eq!(cut.shown_at(&long, 500), '…'.len_utf8() + LEAD);
        assert_eq!(cut.shown_at(&long, 0), 0);
        assert_eq!(
            cut.shown_at(&long, 999),
            '…'.len_utf8() + MAX_LINE + '…'.len_utf8()
        );
    }
}
