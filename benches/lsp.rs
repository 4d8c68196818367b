//! `drplan lsp` as an editor feels it: the time from a keystroke (an
//! incremental `didChange`), or a burst of ten, to the `publishDiagnostics`
//! of the last, and the time to
//! answer a hover on a group (which schedules the plan), a completion
//! after `needs` and the outline (`documentSymbol`), over the real binary's
//! stdio. Plans: `plans/sap-estate.drplan` (47 VMs) and generated plans of
//! 1,000 and 10,000 VMs; the outline also of a generated plan of a million
//! VMs (about 17 MB).
//!
//! Run: `cargo bench --bench lsp`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/generate.rs"]
mod generate;
// The integration tests' client, so the bench measures what they check.
#[path = "../tests/support/lsp_client.rs"]
mod lsp_client;

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde_json::json;

use lsp_client::{Client, URI};

/// Types one character at the start of the file (or deletes it again) as
/// document `version`: even versions insert, odd ones delete. A space before
/// `plan` (or a comment) keeps the plan valid.
fn type_key(client: &mut Client, version: i64) {
    let (end, text) = if version % 2 == 0 { (0, " ") } else { (1, "") };
    let range =
        json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": end } });
    client.change_range(version, &range, text);
}

/// One keystroke, then its diagnostics.
fn keystroke(client: &mut Client, version: i64) {
    type_key(client, version);
    let (published, _) = client.versioned_diagnostics();
    assert_eq!(published, json!(version));
}

/// Line and column just after the first group's `needs ` in `text` (the
/// start of a group name).
fn after_needs(text: &str) -> (usize, usize) {
    let offset = text
        .match_indices(" needs ")
        .map(|(i, m)| i + m.len())
        .find(|&i| {
            let line = &text[text[..i].rfind('\n').map_or(0, |l| l + 1)..i];
            line.trim_start().starts_with("group ")
        })
        .unwrap();
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    (text[..offset].matches('\n').count(), offset - line_start)
}

fn bench(c: &mut Criterion) {
    let sap = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/plans/sap-estate.drplan"
    ))
    .unwrap();
    let plans = [
        ("sap-estate (47 VMs)", sap),
        ("1,000 VMs", generate::generate(1_000).drplan),
        ("10,000 VMs", generate::generate(10_000).drplan),
    ];
    let mut group = c.benchmark_group("lsp");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    for (name, text) in &plans {
        let mut client = Client::start();
        client.open(text);
        // A `needs` with a group name after it: hover on the name, complete after `needs `.
        let (line, column) = after_needs(text);
        let mut version = 1;
        group.bench_function(BenchmarkId::new("keystroke_to_diagnostics", name), |b| {
            b.iter(|| {
                version += 1;
                keystroke(&mut client, version);
            });
        });
        if version % 2 == 0 {
            version += 1;
            keystroke(&mut client, version);
        }
        // Ten keystrokes sent as fast as an editor sends them, until the
        // diagnostics of the last one (the server analyses what has queued up).
        group.bench_function(BenchmarkId::new("burst_of_10_to_diagnostics", name), |b| {
            b.iter(|| {
                for _ in 0..10 {
                    version += 1;
                    type_key(&mut client, version);
                }
                while client.versioned_diagnostics().0 != json!(version) {}
            });
        });
        group.bench_function(BenchmarkId::new("hover_group", name), |b| {
            b.iter(|| {
                let hover = client.at("textDocument/hover", line, column);
                let value = hover["contents"]["value"].as_str().unwrap();
                assert!(value.contains("**group "), "{value}");
            });
        });
        group.bench_function(BenchmarkId::new("completion_after_needs", name), |b| {
            b.iter(|| {
                let items = client.at("textDocument/completion", line, column);
                assert!(!items.as_array().unwrap().is_empty());
            });
        });
        group.bench_function(BenchmarkId::new("document_symbol", name), |b| {
            b.iter(|| outline(&mut client));
        });
    }
    group.finish();
}

/// The outline, until its last byte has come (unparsed: the client's parsing
/// is not the server's time).
fn outline(client: &mut Client) {
    let body = client.call_raw(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": URI } }),
    );
    assert!(body.starts_with(br#"{"jsonrpc":"2.0","id":"#));
}

/// The outline of a plan of a million VMs: seconds an answer, so ten samples.
fn bench_large(c: &mut Criterion) {
    let text = generate::generate(1_000_000).drplan;
    let mut client = Client::start();
    client.open(&text);
    let mut group = c.benchmark_group("lsp_large");
    group.sample_size(10);
    group.bench_function(BenchmarkId::new("document_symbol", "1,000,000 VMs"), |b| {
        b.iter(|| outline(&mut client));
    });
    group.finish();
}

criterion_group!(benches, bench, bench_large);
criterion_main!(benches);
