//! The whole output of one attempt of a hook, kept as evidence: raw bytes in
//! as the hook prints them, redacted text out once the attempt is over (or
//! was stopped), at most [`KEPT_BYTES`] of it.
//!
//! The cap: 1 MiB an attempt, the first half and the last half of what was
//! printed, with one line `[… N bytes left out …]` between them. A hook's
//! output is rarely more than a few kilobytes; 1 MiB keeps even a chatty
//! script whole (some ten thousand lines), while a runaway one costs at most
//! 1 MiB of memory while it runs and 1 MiB in the run store for each attempt.
//! The start says what the hook set out to do, and the end is the evidence
//! an auditor asks for (`AG SYNCHRONIZED`, the exit reason), so both are
//! kept; the middle is what goes.
//!
//! Bytes are kept raw and redacted only when the text is read, so that a
//! secret split across two reads is still whole when it is looked for. A
//! secret cut in two by the cap itself is dropped with its part, at both
//! edges of the gap, and counted among the bytes left out.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};

use super::Redactor;

/// Bytes of output kept per attempt (before redaction, which only shortens
/// it), not counting the line that says what was left out.
pub const KEPT_BYTES: usize = 1 << 20;
/// Bytes kept from the start.
const HEAD_BYTES: usize = KEPT_BYTES / 2;
/// Bytes kept from the end.
const END_BYTES: usize = KEPT_BYTES - HEAD_BYTES;

/// What one attempt of a hook printed, shared between the hook, which adds
/// to it as it goes, and the executor, which reads it when the attempt is
/// over: also when the step's timeout stopped the hook half-way.
#[derive(Debug, Default)]
pub struct Capture {
    inner: Mutex<Captured>,
}

#[derive(Debug, Default)]
struct Captured {
    /// Set by the hook before it adds anything: nothing is kept without
    /// the hook's secrets known.
    redactor: Option<Redactor>,
    head: Vec<u8>,
    end: VecDeque<u8>,
    /// Every byte added, kept or not.
    total: u64,
    /// A line after the output, outside the cap (`the rest of the body was
    /// not read`).
    note: Option<String>,
}

impl Capture {
    /// An empty capture; a hook kind that prints nothing leaves it empty.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Captured> {
        // A panic elsewhere cannot leave the buffers half-changed in a way
        // that matters: at worst a chunk is missing.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts keeping output, redacted with `redactor` (every secret the
    /// hook was given). Output added before this is not kept.
    pub(in crate::hooks) fn start(&self, redactor: &Redactor) {
        let mut c = self.lock();
        *c = Captured {
            redactor: Some(redactor.clone()),
            ..Captured::default()
        };
    }

    /// Starts over: what was kept goes (a probe keeps its last response only).
    pub(in crate::hooks) fn clear(&self) {
        let mut c = self.lock();
        c.head.clear();
        c.end.clear();
        c.total = 0;
        c.note = None;
    }

    /// Adds output as the hook printed it.
    pub(in crate::hooks) fn push(&self, mut bytes: &[u8]) {
        let mut c = self.lock();
        if c.redactor.is_none() {
            return;
        }
        c.total += bytes.len() as u64;
        let room = HEAD_BYTES - c.head.len();
        if room > 0 {
            let n = room.min(bytes.len());
            c.head.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
        }
        if bytes.len() >= END_BYTES {
            c.end.clear();
            bytes = &bytes[bytes.len() - END_BYTES..];
        }
        c.end.extend(bytes);
        let excess = c.end.len().saturating_sub(END_BYTES);
        c.end.drain(..excess);
    }

    /// A line to show after the output, whatever was left out of it.
    pub(in crate::hooks) fn note(&self, line: &str) {
        self.lock().note = Some(line.to_owned());
    }

    /// What was kept, redacted, with `[… N bytes left out …]` where the
    /// middle went; `None` when the hook printed nothing but blanks.
    pub fn text(&self) -> Option<String> {
        let mut c = self.lock();
        let Captured {
            redactor: Some(redactor),
            head,
            end,
            total,
            note,
        } = &mut *c
        else {
            return None;
        };
        let end = end.make_contiguous();
        let whole = (head.len() + end.len()) as u64 == *total;
        let mut text = if whole {
            let mut all = head.clone();
            all.extend_from_slice(end);
            redactor.redact(&String::from_utf8_lossy(&all))
        } else {
            let (head, head_bytes) = whole_chars_head(head);
            let head_cut = redactor.cut_at_end(&head);
            let head = &head[..head.len() - head_cut];
            let (end, end_bytes) = whole_chars_end(end);
            let end_cut = redactor.cut_at_start(&end);
            let end = &end[end_cut..];
            // Counted in the bytes the hook printed, before any `�` stood in.
            let kept = (head_bytes - head_cut + end_bytes - end_cut) as u64;
            let left_out = *total - kept;
            let mut text = redactor.redact(head);
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            // Writing to a String cannot fail.
            let _ = writeln!(text, "[… {left_out} bytes left out …]");
            text.push_str(&redactor.redact(end));
            text
        };
        if let Some(note) = note {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(note);
            text.push('\n');
        }
        (!text.trim().is_empty()).then_some(text)
    }
}

/// The head as text, without a character cut in two at its end (any other
/// byte that is not UTF-8 is shown as `�`), and how many bytes that was.
fn whole_chars_head(bytes: &[u8]) -> (std::borrow::Cow<'_, str>, usize) {
    let end = match std::str::from_utf8(bytes) {
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        _ => bytes.len(),
    };
    (String::from_utf8_lossy(&bytes[..end]), end)
}

/// The end as text, without a character cut in two at its start, and how
/// many bytes that was.
fn whole_chars_end(bytes: &[u8]) -> (std::borrow::Cow<'_, str>, usize) {
    // A UTF-8 character has at most three continuation bytes (10xxxxxx).
    let start = bytes
        .iter()
        .take(3)
        .take_while(|b| **b & 0xC0 == 0x80)
        .count();
    (
        String::from_utf8_lossy(&bytes[start..]),
        bytes.len() - start,
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::redactor;
    use super::*;

    fn capture(secrets: &[&str]) -> Capture {
        let c = Capture::new();
        c.start(&redactor(secrets));
        c
    }

    #[test]
    fn keeps_everything_under_the_cap_with_secrets_split_across_reads() {
        let c = capture(&["hunter2-x9"]);
        c.push(b"connecting with hunt");
        c.push(b"er2-x9\nAG SYNCHRONIZED\n");
        assert_eq!(c.text().unwrap(), "connecting with ***\nAG SYNCHRONIZED\n");
    }

    #[test]
    fn nothing_is_kept_before_the_secrets_are_known_or_when_all_is_blank() {
        let c = Capture::new();
        c.push(b"token hunter2-x9\n");
        assert_eq!(c.text(), None);
        let c = capture(&[]);
        c.push(b" \n\n");
        assert_eq!(c.text(), None);
    }

    #[test]
    fn past_the_cap_the_start_and_the_end_are_kept_and_the_gap_is_counted() {
        let c = capture(&[]);
        c.push(b"first line\n");
        for _ in 0..3000 {
            c.push(&[b'x'; 1000]);
        }
        c.push(b"\nAG SYNCHRONIZED\n");
        let total = 11 + 3_000_000 + 17;
        let text = c.text().unwrap();
        assert!(text.starts_with("first line\nxxx"));
        assert!(text.ends_with("xxx\nAG SYNCHRONIZED\n"));
        let left_out = total - KEPT_BYTES;
        assert!(
            text.contains(&format!("\n[… {left_out} bytes left out …]\n")),
            "{}",
            &text[HEAD_BYTES - 20..HEAD_BYTES + 60]
        );
        assert!(text.len() <= KEPT_BYTES + 60);
        let inner = c.inner.lock().unwrap();
        assert_eq!(inner.head.len() + inner.end.len(), KEPT_BYTES);
    }

    #[test]
    fn a_secret_cut_by_the_cap_is_left_out_at_both_edges() {
        let secret = "hunter2-x9";
        let c = capture(&[secret]);
        // The head ends inside a secret, and the end starts inside another.
        c.push(&vec![b'a'; HEAD_BYTES - 4]);
        c.push(secret.as_bytes());
        c.push(&vec![b'b'; 2 * END_BYTES]);
        c.push(secret.as_bytes());
        c.push(&vec![b'c'; END_BYTES - 3]);
        let text = c.text().unwrap();
        for part in ["hun", "ter2", "x9", "-x"] {
            assert!(!text.contains(part), "{part} shown");
        }
        // What was dropped with the cut parts is counted too.
        let total = HEAD_BYTES - 4 + 2 * secret.len() + 2 * END_BYTES + END_BYTES - 3;
        let shown = text.lines().map(str::len).sum::<usize>();
        let marker = text.lines().nth(1).unwrap();
        let left_out: usize = marker
            .trim_start_matches("[… ")
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(shown - marker.len() + left_out, total);
    }

    #[test]
    fn characters_cut_by_the_cap_are_dropped_not_garbled() {
        let c = capture(&[]);
        c.push(&vec![b'a'; HEAD_BYTES - 1]);
        c.push("é".repeat(END_BYTES + 10).as_bytes());
        // An odd byte at the very end: the kept end starts inside an `é`.
        c.push(b"x");
        let text = c.text().unwrap();
        assert!(!text.contains('\u{FFFD}'));
    }

    #[test]
    fn clear_starts_over_and_a_note_follows_the_output() {
        let c = capture(&[]);
        c.push(b"503 Service Unavailable\n");
        c.clear();
        c.push(b"200 OK\n{\"ok\":true}");
        c.note("[… the rest was not read …]");
        assert_eq!(
            c.text().unwrap(),
            "200 OK\n{\"ok\":true}\n[… the rest was not read …]\n"
        );
    }
}
