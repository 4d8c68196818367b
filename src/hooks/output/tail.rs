//! The last lines of a hook's output: raw bytes in, at most [`TAIL_LINES`]
//! lines and [`TAIL_BYTES`] bytes out, redacted, for an error's message and
//! the step's `step_finished`; and the last complete line for progress.

use super::Redactor;

/// Lines kept in an error's output tail.
pub const TAIL_LINES: usize = 20;
/// Bytes kept in an error's output tail.
pub const TAIL_BYTES: usize = 4096;
/// Raw bytes buffered: twice the tail, so that redaction and the line cut
/// still have a full tail to work on.
const BUFFER_BYTES: usize = 2 * TAIL_BYTES;
/// Characters of a progress line.
const PROGRESS_CHARS: usize = 200;

/// The last bytes of a stream of output, bounded in memory.
#[derive(Debug, Clone, Default)]
pub(in crate::hooks) struct Tail {
    buf: Vec<u8>,
    /// Whether bytes were dropped from the front.
    truncated: bool,
}

impl Tail {
    /// Appends output, dropping the oldest bytes beyond the buffer's size.
    pub(in crate::hooks) fn push(&mut self, bytes: &[u8]) {
        let bytes = if bytes.len() > BUFFER_BYTES {
            self.truncated = true;
            self.buf.clear();
            &bytes[bytes.len() - BUFFER_BYTES..]
        } else {
            bytes
        };
        self.buf.extend_from_slice(bytes);
        if self.buf.len() > BUFFER_BYTES {
            let excess = self.buf.len() - BUFFER_BYTES;
            self.buf.drain(..excess);
            self.truncated = true;
        }
    }

    /// The buffered text, minus a first line that may have been cut (and a
    /// secret with it, which redaction would then miss).
    fn text(&self, redactor: &Redactor) -> String {
        let mut text = String::from_utf8_lossy(&self.buf).into_owned();
        if self.truncated {
            if let Some(newline) = text.find('\n') {
                text.drain(..=newline);
            } else {
                // One long line: a cut secret is at most as long as the longest.
                let cut = text
                    .char_indices()
                    .nth(redactor.longest())
                    .map_or(text.len(), |(i, _)| i);
                text.drain(..cut);
            }
        }
        text
    }

    /// The last lines, redacted; `None` when the hook printed nothing.
    pub(in crate::hooks) fn finish(&self, redactor: &Redactor) -> Option<String> {
        let text = redactor.redact(&self.text(redactor));
        let tail = last_lines(text.trim_end(), TAIL_LINES, TAIL_BYTES);
        (!tail.trim().is_empty()).then(|| tail.to_owned())
    }

    /// The last complete, non-empty line, redacted and shortened: what a
    /// progress report shows. A line still being written is left out, since
    /// it may end in the first part of a secret.
    pub(in crate::hooks) fn last_line(&self, redactor: &Redactor) -> Option<String> {
        let text = self.text(redactor);
        let complete = &text[..text.rfind('\n')?];
        let line = complete.lines().rev().find(|l| !l.trim().is_empty())?;
        let line = redactor.redact(line.trim());
        Some(match line.char_indices().nth(PROGRESS_CHARS) {
            Some((cut, _)) => format!("{}…", &line[..cut]),
            None => line,
        })
    }
}

/// The last `lines` lines of `text`, then at most its last `bytes` bytes.
fn last_lines(text: &str, lines: usize, bytes: usize) -> &str {
    let start = text
        .rmatch_indices('\n')
        .nth(lines.saturating_sub(1))
        .map_or(0, |(i, _)| i + 1);
    let text = &text[start..];
    if text.len() <= bytes {
        return text;
    }
    let mut cut = text.len() - bytes;
    while !text.is_char_boundary(cut) {
        cut += 1;
    }
    &text[cut..]
}

#[cfg(test)]
mod tests {
    use super::super::tests::redactor;
    use super::*;

    #[test]
    fn keeps_the_last_twenty_lines() {
        let mut tail = Tail::default();
        for i in 1..=30 {
            tail.push(format!("line {i}\n").as_bytes());
        }
        let text = tail.finish(&Redactor::default()).unwrap();
        assert_eq!(text.lines().count(), TAIL_LINES);
        assert!(text.starts_with("line 11\n"));
        assert!(text.ends_with("line 30"));
    }

    #[test]
    fn memory_and_tail_are_bounded() {
        let mut tail = Tail::default();
        for _ in 0..1000 {
            tail.push(&[b'x'; 1000]);
        }
        assert!(tail.buf.len() <= BUFFER_BYTES);
        let text = tail.finish(&Redactor::default()).unwrap();
        assert_eq!(text.len(), TAIL_BYTES);
    }

    #[test]
    fn redacts_secrets_even_when_cut_at_the_front() {
        let mut tail = Tail::default();
        tail.push(b"hunter2-x9");
        tail.push(&[b'y'; BUFFER_BYTES - 3]);
        tail.push(b"\ntoken=hunter2-x9\n");
        let r = redactor(&["hunter2-x9"]);
        let text = tail.finish(&r).unwrap();
        assert_eq!(text, "token=***");
        // One long line cut inside a secret: the fragment goes too.
        let mut tail = Tail::default();
        tail.push(b"hunter2-x9");
        tail.push(&[b'y'; BUFFER_BYTES - 3]);
        assert!(!tail.finish(&r).unwrap().contains("x9"));
    }

    #[test]
    fn progress_shows_the_last_complete_line() {
        let mut tail = Tail::default();
        tail.push(b"first\nsecond pass=hunter2-x9\n\nthird hun");
        let r = redactor(&["hunter2-x9"]);
        assert_eq!(tail.last_line(&r).unwrap(), "second pass=***");
        assert_eq!(Tail::default().last_line(&r), None);
    }

    #[test]
    fn last_lines_cut_at_a_character_boundary() {
        assert_eq!(last_lines("a\nb\nc", 2, 100), "b\nc");
        assert_eq!(last_lines("aé", 1, 1), "");
    }
}
