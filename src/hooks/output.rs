//! Bounded, redacted output: raw bytes of a hook's output in, the last lines
//! (at most [`TAIL_LINES`] lines and [`TAIL_BYTES`] bytes) out, with every
//! secret value the hook was given replaced by `***`, so that a secret cannot
//! reach a journal or a terminal through what a hook prints.

/// Lines kept in an error's output tail.
pub const TAIL_LINES: usize = 20;
/// Bytes kept in an error's output tail.
pub const TAIL_BYTES: usize = 4096;
/// Raw bytes buffered: twice the tail, so that redaction and the line cut
/// still have a full tail to work on.
const BUFFER_BYTES: usize = 2 * TAIL_BYTES;
/// Characters of a progress line.
const PROGRESS_CHARS: usize = 200;
/// The shortest secret value that is redacted. A shorter one would turn
/// ordinary text to `***` (a one-character secret, every such character of
/// every hook's output) and hide what the output says, while a value that
/// short is guessed by trying anyway; the run says so before it starts.
pub const MIN_SECRET_CHARS: usize = 8;

/// Replaces secret values in text by `***`.
#[derive(Debug, Clone, Default)]
pub(super) struct Redactor {
    /// Longest first, so that a secret containing another is replaced whole.
    values: Vec<String>,
}

impl Redactor {
    /// Adds a value to redact. Values shorter than [`MIN_SECRET_CHARS`] are
    /// ignored: they would match everywhere and hide nothing.
    pub(super) fn add(&mut self, value: &str) {
        if too_short_to_redact(value) || self.values.iter().any(|v| v == value) {
            return;
        }
        self.values.push(value.to_owned());
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// A redactor that knows every secret of the plan that the environment
    /// holds, before the hook adds its own.
    pub(super) fn seeded(ctx: &super::HookContext, secrets: &dyn super::Secrets) -> Self {
        let mut r = Redactor::default();
        for name in &ctx.secret_names {
            if let Some(value) = secrets.get(name) {
                r.add(&value);
            }
        }
        r
    }

    /// Text that was cut off after at most `max` bytes, redacted: a secret
    /// cut in two at the end is dropped too, since its first part alone
    /// would not be recognised.
    pub(super) fn redact_cut(&self, text: &str, max: usize) -> String {
        let mut end = text.len();
        for value in &self.values {
            for k in (1..value.len()).rev() {
                if value.is_char_boundary(k) && text[..end].ends_with(&value[..k]) {
                    end -= k;
                    break;
                }
            }
        }
        let redacted = self.redact(&text[..end]);
        prefix(&redacted, max).to_owned()
    }

    /// The text with every secret value replaced.
    pub(super) fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for value in &self.values {
            if text.contains(value.as_str()) {
                text = text.replace(value.as_str(), "***");
            }
        }
        text
    }

    /// The byte length of the longest secret.
    fn longest(&self) -> usize {
        self.values.first().map_or(0, String::len)
    }
}

/// Whether a secret value is too short to be redacted (see
/// [`MIN_SECRET_CHARS`]).
pub fn too_short_to_redact(value: &str) -> bool {
    value.chars().count() < MIN_SECRET_CHARS
}

/// The last bytes of a stream of output, bounded in memory.
#[derive(Debug, Clone, Default)]
pub(super) struct Tail {
    buf: Vec<u8>,
    /// Whether bytes were dropped from the front.
    truncated: bool,
}

impl Tail {
    /// Appends output, dropping the oldest bytes beyond the buffer's size.
    pub(super) fn push(&mut self, bytes: &[u8]) {
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
    pub(super) fn finish(&self, redactor: &Redactor) -> Option<String> {
        let text = redactor.redact(&self.text(redactor));
        let tail = last_lines(text.trim_end(), TAIL_LINES, TAIL_BYTES);
        (!tail.trim().is_empty()).then(|| tail.to_owned())
    }

    /// The last complete, non-empty line, redacted and shortened: what a
    /// progress report shows. A line still being written is left out, since
    /// it may end in the first part of a secret.
    pub(super) fn last_line(&self, redactor: &Redactor) -> Option<String> {
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

/// At most the first `bytes` bytes of `text`, cut at a character boundary.
pub(super) fn prefix(text: &str, bytes: usize) -> &str {
    if text.len() <= bytes {
        return text;
    }
    let mut cut = bytes;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(values: &[&str]) -> Redactor {
        let mut r = Redactor::default();
        for v in values {
            r.add(v);
        }
        r
    }

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
    fn longer_secrets_are_replaced_first() {
        let r = redactor(&["abcdefgh", "abcdefghijk"]);
        assert_eq!(r.redact("x abcdefghijk abcdefgh"), "x *** ***");
        // Too short to redact: it would blank every `a` of the output.
        let r = redactor(&["a", "1234567"]);
        assert_eq!(r.redact("banana 1234567"), "banana 1234567");
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
    fn prefix_cuts_at_a_character_boundary() {
        assert_eq!(prefix("héllo", 2), "h");
        assert_eq!(prefix("abc", 10), "abc");
        assert_eq!(last_lines("a\nb\nc", 2, 100), "b\nc");
        assert_eq!(last_lines("aé", 1, 1), "");
    }

    #[test]
    fn a_secret_cut_off_at_the_end_is_dropped_and_whole_ones_are_replaced() {
        let mut r = Redactor::default();
        r.add("s3cr3t-value");
        assert_eq!(
            r.redact_cut("token s3cr3t-value ok, then s3cr", 100),
            "token *** ok, then "
        );
        assert_eq!(r.redact_cut("abcdef", 3), "abc");
        assert_eq!(r.redact_cut("s3cr3t-value", 100), "***");
    }
}
