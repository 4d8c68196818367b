//! Durations as the language writes them (`90s`, `5m`, `1h30m`, `250ms`): text in,
//! milliseconds out, and back to the canonical text for messages and output.

use std::fmt;

/// A non-negative duration with millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration {
    ms: u64,
}

/// Why a duration does not parse, and how to write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError {
    /// What is wrong.
    pub reason: String,
    /// How to fix it.
    pub help: String,
}

const UNITS: [(&str, u64); 5] = [
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

impl Duration {
    /// Zero.
    pub const ZERO: Duration = Duration { ms: 0 };

    /// From milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        Self { ms }
    }

    /// From seconds.
    pub const fn from_secs(s: u64) -> Self {
        Self {
            ms: s.saturating_mul(1000),
        }
    }

    /// From minutes.
    pub const fn from_mins(m: u64) -> Self {
        Self {
            ms: m.saturating_mul(60_000),
        }
    }

    /// From the standard library's duration, whole milliseconds (saturating).
    pub fn from_std(d: std::time::Duration) -> Self {
        Self {
            ms: u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// Milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.ms
    }

    /// Whole seconds, rounded up so that a 500 ms step never shows as 0 s of work.
    pub const fn as_secs_ceil(self) -> u64 {
        self.ms.div_ceil(1000)
    }

    /// Whether it is zero.
    pub const fn is_zero(self) -> bool {
        self.ms == 0
    }

    /// Sum, saturating.
    #[must_use]
    pub const fn saturating_add(self, other: Duration) -> Duration {
        Duration {
            ms: self.ms.saturating_add(other.ms),
        }
    }

    /// The standard library's duration.
    pub const fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_millis(self.ms)
    }

    /// Parses `1h30m`: integer parts with units `d`, `h`, `m`, `s`, `ms`, each at most
    /// once, largest first, no spaces, no fractions, no sign.
    pub fn parse(text: &str) -> Result<Duration, DurationError> {
        let fail = |reason: String, help: &str| {
            Err(DurationError {
                reason,
                help: help.to_owned(),
            })
        };
        if text.starts_with('-') {
            return fail(
                "a duration cannot be negative".into(),
                "write a positive duration such as `5m`",
            );
        }
        if text.contains('.') {
            return fail(
                "fractions are not allowed".into(),
                "combine units instead: `1h30m` rather than `1.5h`, `1500ms` rather than `1.5s`",
            );
        }
        let bytes = text.as_bytes();
        let mut i = 0;
        let mut total: u64 = 0;
        let mut last_rank: Option<usize> = None;
        while i < bytes.len() {
            let digits_start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let digits = &text[digits_start..i];
            let unit_start = i;
            while i < bytes.len() && !bytes[i].is_ascii_digit() {
                i += 1;
            }
            let unit = &text[unit_start..i];
            if digits.is_empty() {
                return fail(
                    format!("`{unit}` has no number before it"),
                    "write a number before each unit: `5m`, `1h30m`",
                );
            }
            if unit.is_empty() {
                let help = if digits_start == 0 {
                    format!("add a unit: `{digits}s`, `{digits}m` or `{digits}h`")
                } else {
                    format!("every number needs a unit: `…{digits}s` or `…{digits}m`")
                };
                return fail(format!("`{digits}` has no unit"), &help);
            }
            let Some(rank) = UNITS.iter().position(|(u, _)| *u == unit) else {
                return fail(
                    format!("unknown unit `{unit}`"),
                    "units are `ms`, `s`, `m`, `h` and `d`, e.g. `90s`, `1h30m`",
                );
            };
            if last_rank.is_some_and(|last| rank <= last) {
                return fail(
                    "units must go from largest to smallest, each once".into(),
                    "write hours before minutes before seconds: `1h30m`, `2m30s`",
                );
            }
            last_rank = Some(rank);
            let Ok(n) = digits.parse::<u64>() else {
                return fail("the number is too large".into(), "use a larger unit");
            };
            let Some(part) = n.checked_mul(UNITS[rank].1) else {
                return fail("the duration is too large".into(), "use a shorter duration");
            };
            let Some(sum) = total.checked_add(part) else {
                return fail("the duration is too large".into(), "use a shorter duration");
            };
            total = sum;
        }
        if text.is_empty() {
            return fail("empty duration".into(), "write a duration such as `5m`");
        }
        Ok(Duration { ms: total })
    }
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; {}", self.reason, self.help)
    }
}

impl std::error::Error for DurationError {}

impl fmt::Display for Duration {
    /// The canonical form: `1h30m`, `250ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ms == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.ms;
        for (unit, size) in UNITS {
            let n = rest / size;
            if n > 0 {
                write!(f, "{n}{unit}")?;
                rest %= size;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_valid_durations() {
        assert_eq!(Duration::parse("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(Duration::parse("1h30m").unwrap(), Duration::from_mins(90));
        assert_eq!(
            Duration::parse("250ms").unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(
            Duration::parse("1d2h3m4s5ms").unwrap().as_millis(),
            93_784_005
        );
        assert_eq!(Duration::parse("0s").unwrap(), Duration::ZERO);
    }

    #[test]
    fn rejects_malformed_durations_with_reasons() {
        let reason = |t: &str| Duration::parse(t).unwrap_err().reason;
        assert_eq!(reason("5"), "`5` has no unit");
        assert_eq!(reason("1m30"), "`30` has no unit");
        assert_eq!(reason("5x"), "unknown unit `x`");
        assert_eq!(reason("1.5h"), "fractions are not allowed");
        assert_eq!(
            reason("30m1h"),
            "units must go from largest to smallest, each once"
        );
        assert_eq!(
            reason("5m5m"),
            "units must go from largest to smallest, each once"
        );
        assert_eq!(reason("-5m"), "a duration cannot be negative");
        assert_eq!(reason("99999999999999999999d"), "the number is too large");
        assert_eq!(reason("9999999999999999d"), "the duration is too large");
    }

    #[test]
    fn displays_canonically() {
        for text in ["1h30m", "250ms", "0s", "2d", "1m1s1ms"] {
            assert_eq!(Duration::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(Duration::from_secs(5400).to_string(), "1h30m");
    }
}
