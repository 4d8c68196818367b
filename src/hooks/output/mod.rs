//! Redacted hook output: raw bytes of what a hook printed in; out, with every
//! secret value the hook was given replaced by `***`, either the last lines
//! for an error and progress reports ([`tail`]) or the whole output of an
//! attempt, bounded by [`KEPT_BYTES`], for the run's evidence ([`kept`]).
//! No secret reaches a journal, a store or a terminal through what a hook
//! prints, also when a secret is cut in two by a read or by a bound.

mod kept;
mod tail;

pub use kept::{Capture, KEPT_BYTES};
pub(super) use tail::Tail;
pub use tail::{TAIL_BYTES, TAIL_LINES};

/// The shortest secret value that is redacted. A shorter one would turn
/// ordinary text to `***` (a one-character secret, every such character of
/// every hook's output) and hide what the output says, while a value that
/// short is guessed by trying anyway; the run says so before it starts.
pub const MIN_SECRET_CHARS: usize = 8;

/// Replaces secret values in text by `***`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Redactor {
    /// Longest first, so that a secret containing another is replaced whole.
    values: Vec<String>,
}

impl Redactor {
    /// Adds a value to redact. Values shorter than [`MIN_SECRET_CHARS`] are
    /// ignored: they would match everywhere and hide nothing.
    pub(in crate::hooks) fn add(&mut self, value: &str) {
        if too_short_to_redact(value) || self.values.iter().any(|v| v == value) {
            return;
        }
        self.values.push(value.to_owned());
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// A redactor that knows every secret of the plan that the environment
    /// holds, before the hook adds its own.
    pub(in crate::hooks) fn seeded(ctx: &super::HookContext, secrets: &dyn super::Secrets) -> Self {
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
    pub(in crate::hooks) fn redact_cut(&self, text: &str, max: usize) -> String {
        let end = text.len() - self.cut_at_end(text);
        let redacted = self.redact(&text[..end]);
        prefix(&redacted, max).to_owned()
    }

    /// The text with every secret value replaced.
    pub(in crate::hooks) fn redact(&self, text: &str) -> String {
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

    /// How many bytes at the end of `text` may be the first part of a secret
    /// cut off there (the longest such part of any secret; 0 if none).
    fn cut_at_end(&self, text: &str) -> usize {
        let mut cut = 0;
        for value in &self.values {
            for k in (cut + 1..value.len()).rev() {
                if value.is_char_boundary(k) && text.ends_with(&value[..k]) {
                    cut = k;
                    break;
                }
            }
        }
        cut
    }

    /// How many bytes at the start of `text` may be the last part of a
    /// secret cut off there (the longest such part of any secret; 0 if none).
    fn cut_at_start(&self, text: &str) -> usize {
        let mut cut = 0;
        for value in &self.values {
            for k in (cut + 1..value.len()).rev() {
                let start = value.len() - k;
                if value.is_char_boundary(start) && text.starts_with(&value[start..]) {
                    cut = k;
                    break;
                }
            }
        }
        cut
    }
}

/// Whether a secret value is too short to be redacted (see
/// [`MIN_SECRET_CHARS`]).
pub fn too_short_to_redact(value: &str) -> bool {
    value.chars().count() < MIN_SECRET_CHARS
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

    pub(super) fn redactor(values: &[&str]) -> Redactor {
        let mut r = Redactor::default();
        for v in values {
            r.add(v);
        }
        r
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
    fn prefix_cuts_at_a_character_boundary() {
        assert_eq!(prefix("héllo", 2), "h");
        assert_eq!(prefix("abc", 10), "abc");
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

    #[test]
    fn the_parts_of_a_cut_secret_are_found_at_either_end() {
        let r = redactor(&["s3cr3t-value", "other-secret"]);
        assert_eq!(r.cut_at_end("x s3cr3t-va"), "s3cr3t-va".len());
        assert_eq!(r.cut_at_end("x s3cr3t-value"), 0, "a whole one is redacted");
        assert_eq!(r.cut_at_start("3t-value y"), "3t-value".len());
        assert_eq!(r.cut_at_start("-secret"), "-secret".len());
        assert_eq!(r.cut_at_start("plain"), 0);
    }
}
