//! A [`Report`] to its JSON document: `"schema": "drplan.report/1"` first,
//! then every field of the report (times in RFC 3339, durations in seconds).

use super::Report;

/// The report as pretty-printed JSON, newline-terminated.
pub fn render(report: &Report) -> String {
    // The report holds only strings, numbers and enums: it always serializes.
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}
