//! `drplan lsp` on a generated document of several megabytes, through the
//! real binary: the outline, folding, highlights and a VM's hover of a plan
//! with 150,000 VMs cost memory in proportion to the
//! document, with the server's peak resident memory (`VmHWM`) as the measure.

use std::fmt::Write as _;

use serde::Deserialize;
use serde_json::json;

use crate::support::lsp_client::{Client, URI, find};

/// Groups of ten VMs; every group after the first needs the first.
fn generated(groups: usize) -> String {
    let mut text = String::from(
        "plan big {\n  vault simulator\n  primary \"westeurope\"\n  recovery \"northeurope\"\n",
    );
    for g in 0..groups {
        let needs = if g == 0 { "" } else { " needs g000000" };
        let vms: Vec<String> = (0..10).map(|v| format!("v{:07}", g * 10 + v)).collect();
        let vms = vms.join(", ");
        writeln!(text, "  group g{g:06}{needs} {{\n    vm {vms}\n  }}").unwrap();
    }
    text.push_str("}\n");
    text
}

/// What the test reads of a document symbol: as little as it can.
#[derive(Deserialize)]
struct Symbol {
    name: String,
    #[serde(default)]
    children: Vec<Symbol>,
}

#[derive(Deserialize)]
struct Outline {
    result: Vec<Symbol>,
}

#[derive(Deserialize)]
struct Many {
    result: Vec<serde::de::IgnoredAny>,
}

#[test]
fn a_multi_megabyte_document_is_answered_in_memory_proportional_to_it() {
    const GROUPS: usize = 15_000;
    let text = generated(GROUPS);
    let size = text.len() as u64;
    let mut client = Client::start();
    assert_eq!(client.open(&text), Vec::<serde_json::Value>::new());
    let opened = client.peak_memory();

    let document = json!({ "textDocument": { "uri": URI } });
    let body = client.call_raw("textDocument/documentSymbol", document.clone());
    let outline: Outline = serde_json::from_slice(&body).unwrap();
    drop(body);
    let groups = &outline.result[0].children;
    assert_eq!(groups.len(), GROUPS);
    assert_eq!(groups[GROUPS - 1].name, format!("g{:06}", GROUPS - 1));
    assert!(groups.iter().all(|g| g.children.len() == 10));
    drop(outline);

    let body = client.call_raw("textDocument/foldingRange", document);
    let folds: Many = serde_json::from_slice(&body).unwrap();
    assert_eq!(folds.result.len(), GROUPS + 1);
    // `g000000` is written once and used by every other group.
    let group =
        json!({ "textDocument": { "uri": URI }, "position": { "line": 4, "character": 10 } });
    let body = client.call_raw("textDocument/documentHighlight", group);
    let marks: Many = serde_json::from_slice(&body).unwrap();
    assert_eq!(marks.result.len(), GROUPS);
    // The last VM: found at the end of a walk over every name.
    let (line, character) = find(&text, "v0149999", 0);
    let vm = json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": character } });
    let hover = client.request("textDocument/hover", vm);
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(value.contains("in group `g014999`"), "{value}");

    let peak = client.peak_memory();
    eprintln!("document {size} bytes; peak memory after open {opened}, after the answers {peak}");
    // The answers add at most about the document's size again to what
    // analysing it took.
    assert!(
        peak - opened <= 2 * size,
        "answering took {} bytes beyond the {opened} of analysing a {size}-byte document",
        peak - opened
    );
    // Analysing takes what `drplan check` takes for the same text (about 35
    // times the text for this plan, most of it the parser's), plus what an
    // idle server holds.
    assert!(
        peak <= 48 * size + (32 << 20),
        "peak {peak} bytes for a {size}-byte document"
    );
    client.shutdown();
}
