//! Run events made comparable for snapshots: the values that change from
//! run to run or machine to machine (times, ids, durations, jobs, who and
//! where, the plan's content hash) replaced by placeholders, and the stream
//! ordered so that it does not depend on how concurrent steps interleave.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::sandbox::event;

/// Replaces `dir` in every string with `[dir]`, and the values that change
/// from run to run or machine to machine (times, run ids, durations, job
/// ids, who and where) by placeholders.
pub(crate) fn redact(value: &mut Value, dir: &Path) {
    let dirs: Vec<String> = [dir.to_path_buf(), dir.canonicalize().unwrap()]
        .iter()
        .map(|d| d.display().to_string())
        .collect();
    redact_in(value, &dirs);
}

fn redact_in(value: &mut Value, dirs: &[String]) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match key.as_str() {
                    "ts" | "started" | "ended" | "since" | "last_success" | "due"
                        if !v.is_null() =>
                    {
                        *v = Value::from("[ts]");
                    }
                    "run_id" => *v = Value::from("[run_id]"),
                    // Who ran it and where: this machine's account and name.
                    "by" => *v = Value::from("[by]"),
                    "host" => *v = Value::from("[host]"),
                    // The plan's content: changes with every edit of the example.
                    "content_hash" => *v = Value::from("[content_hash]"),
                    "duration_s" => *v = Value::from("[duration_s]"),
                    "job" | "id" if !v.is_null() => *v = Value::from("[job]"),
                    _ => redact_in(v, dirs),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_in(v, dirs)),
        Value::String(s) if is_timestamp(s) => *value = Value::from("[ts]"),
        Value::String(s) => {
            for d in dirs {
                *s = s.replace(d.as_str(), "[dir]");
            }
        }
        _ => {}
    }
}

/// Whether `s` is a timestamp as drplan writes them (`2026-11-26T13:08:02.543Z`).
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && s.ends_with('Z')
        && b[..4].iter().all(u8::is_ascii_digit)
}

/// Job ids inside messages, and the jittered retry backoff.
pub(crate) fn snapshot_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[job]",
        ),
        (r"retrying in [0-9.]+s", "retrying in [backoff]"),
    ]
}

/// The event stream in a form that does not depend on how concurrent steps
/// interleave: the run's own events, then each step's events in order,
/// steps sorted by id. Progress is kept only where its text does not depend
/// on timing: the `job … started` line of each attempt and retry notices.
pub(crate) fn normalized(events: &[Value], dir: &Path) -> String {
    let mut run_level = Vec::new();
    let mut steps: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for e in events {
        if event(e) == "step_progress" {
            let message = e["message"].as_str().unwrap_or_default();
            if e.get("job").is_none() && !message.starts_with("attempt ") {
                continue;
            }
        }
        let mut e = e.clone();
        redact(&mut e, dir);
        match e.get("step").and_then(Value::as_str) {
            Some(id) => steps.entry(id.to_string()).or_default().push(e),
            None => run_level.push(e),
        }
    }
    let mut out = String::new();
    let (first, rest) = run_level.split_first().unwrap();
    writeln!(out, "{first}").unwrap();
    for (id, events) in &steps {
        writeln!(out, "\n{id}").unwrap();
        for e in events {
            writeln!(out, "  {e}").unwrap();
        }
    }
    for e in rest {
        writeln!(out, "\n{e}").unwrap();
    }
    out
}
