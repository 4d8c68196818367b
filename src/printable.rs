//! Text from outside (hook output, webhook and ASR answers, plan source,
//! journal fields) in, text safe to put on a terminal out: control characters
//! that a terminal would act on are shown as escapes instead.
//!
//! A hook's output or a webhook's body can carry ESC and OSC sequences that
//! move the cursor, rewrite earlier lines, set the window title or plant
//! hyperlinks; a NUL or a carriage return can hide what came before it; and
//! bidirectional overrides make text read in another order than it runs.
//! Shown raw, such text could make a failed step look like a success. JSON
//! output needs none of this (serde escapes control characters), so only
//! human output goes through here.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every control character escaped except newlines and tabs:
/// for multi-line text such as a hook's output.
pub fn printable(text: &str) -> Cow<'_, str> {
    escape(text, |c| c == '\n' || c == '\t')
}

/// `text` with every control character escaped, newlines and tabs too: for
/// text shown on one line, such as a progress message or a name.
pub fn printable_line(text: &str) -> Cow<'_, str> {
    escape(text, |_| false)
}

/// Whether a terminal would act on `c` rather than show it: C0 and C1
/// controls, DEL, the bidirectional embeddings, overrides and isolates, and
/// the invisible direction marks (LRM, RLM, ALM) that reorder what is
/// around them.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
}

fn escape(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !is_unsafe(c) || keep(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0}'..='\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            _ => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            printable("db-01 failed over\n\tnext"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(printable_line("Käse ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_sequences_and_nul_are_shown_not_sent() {
        assert_eq!(
            printable("\u{1b}[2J\u{1b}]0;owned\u{7}ok\0\r\n"),
            "\\x1b[2J\\x1b]0;owned\\x07ok\\x00\\r\n"
        );
        assert_eq!(printable_line("a\nb\tc"), "a\\nb\\tc");
    }

    #[test]
    fn c1_controls_and_bidi_overrides_are_escaped() {
        assert_eq!(printable("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(printable("ok\u{202e}deliaf"), "ok\\u{202e}deliaf");
        assert_eq!(printable("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        assert_eq!(printable("a\u{200f}b\u{61c}"), "a\\u{200f}b\\u{61c}");
    }
}
