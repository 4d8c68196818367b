//! `drplan lsp` as an editor sees it, through `support::lsp_client`:
//! diagnostics, formatting, completion, hover, navigation, rename, quick
//! fixes, and a stream of random incremental edits.

use serde_json::{Value, json};

use crate::support::lsp_client::{Client, URI, apply_edits, find};

const PLAN: &str = "plan shop {
  vault simulator
  primary \"westeurope\"
  recovery \"northeurope\"
  defaults { timeout 10m }

  group db {
    vm db-01, db-02
  }

  group app needs db {
    vm app-01 { estimate 3m }
    vm app-02 { needs app-01 }
  }
}
";

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn diagnostics_follow_the_text() {
    let mut client = Client::start();
    let broken = PLAN.replace("needs db", "needs dbb");
    let diagnostics = client.open(&broken);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let d = &diagnostics[0];
    assert_eq!(d["code"], "drplan::unknown_group");
    assert_eq!(d["severity"], 1);
    let (line, column) = find(&broken, "dbb", 0);
    assert_eq!(
        d["range"]["start"],
        json!({ "line": line, "character": column })
    );
    assert!(d["message"].as_str().unwrap().contains("help: "), "{d}");
    client.change(2, PLAN);
    assert_eq!(client.diagnostics(), Vec::<Value>::new());
    client.shutdown();
}

#[test]
fn duplicate_labels_become_related_information() {
    let mut client = Client::start();
    let twice = PLAN.replace("group app needs db", "group db");
    let diagnostics = client.open(&twice);
    let dup = diagnostics
        .iter()
        .find(|d| d["code"] == "drplan::duplicate_group")
        .unwrap();
    let related = dup["relatedInformation"].as_array().unwrap();
    assert_eq!(related.len(), 2, "{dup}");
    assert_eq!(related[0]["location"]["uri"], URI);
    client.shutdown();
}

#[test]
fn utf16_columns_count_surrogate_pairs() {
    let mut client = Client::start();
    let text = PLAN.replace("needs db {", "needs \"😀\" {");
    let diagnostics = client.open(&text);
    let d = &diagnostics[0];
    assert_eq!(d["code"], "drplan::unknown_group");
    // `😀` is two UTF-16 units; with its quotes the name spans four.
    let start = d["range"]["start"]["character"].as_u64().unwrap();
    let end = d["range"]["end"]["character"].as_u64().unwrap();
    assert_eq!(end - start, 4, "{d}");
    client.shutdown();
}

#[test]
fn formatting_gives_the_fmt_layout_and_nothing_for_broken_text() {
    let mut client = Client::start();
    let messy =
        "plan shop {\nvault simulator\n     primary \"westeurope\"\n recovery \"northeurope\"\n}\n";
    client.open(messy);
    let params = json!({ "textDocument": { "uri": URI }, "options": { "tabSize": 2, "insertSpaces": true } });
    let edits = client.request("textDocument/formatting", params.clone());
    let edits = edits.as_array().unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(
        edits[0]["newText"].as_str(),
        drplan::fmt::format_text(messy).as_deref()
    );
    client.change(2, "plan shop {\n  vault simulator\n");
    client.diagnostics();
    let edits = client.request("textDocument/formatting", params);
    assert_eq!(edits, json!([]));
    client.shutdown();
}

#[test]
fn completion_offers_what_fits_the_cursor() {
    let mut client = Client::start();
    let text = PLAN.replace("group app needs db {", "group app needs  {");
    client.open(&text);
    let (line, column) = find(&text, "needs  {", 0);
    let items = client.at("textDocument/completion", line, column + "needs ".len());
    assert_eq!(labels(&items), ["db"]);

    // A half-typed statement in a group: the group's settings.
    let typing = PLAN.replace("    vm db-01, db-02\n", "    vm db-01, db-02\n    pa\n");
    client.change(2, &typing);
    let (line, _) = find(&typing, "    pa\n", 0);
    let items = labels(&client.at("textDocument/completion", line, 6));
    assert!(items.contains(&"parallelism".to_owned()), "{items:?}");
    assert!(items.contains(&"after".to_owned()), "{items:?}");
    assert!(!items.contains(&"objectives".to_owned()), "{items:?}");

    // Values of an enum, phases, and VM names in a VM's `needs`.
    let values = PLAN.replace(
        "    vm db-01, db-02\n",
        "    vm db-01, db-02\n    after failover, \n",
    );
    client.change(3, &values);
    let (line, column) = find(&values, "after failover, ", 0);
    let items = labels(&client.at("textDocument/completion", line, column + 16));
    assert_eq!(
        items,
        [
            "failover",
            "failback",
            "test",
            "commit",
            "reprotect",
            "test_cleanup"
        ]
    );
    let (line, column) = find(&values, "needs app-01", 0);
    let items = labels(&client.at("textDocument/completion", line, column + 6));
    assert!(items.contains(&"db-02".to_owned()), "{items:?}");

    // An unclosed block being typed still completes.
    client.change(4, "plan p {\n  defaults { on_error ");
    let items = labels(&client.at("textDocument/completion", 1, 22));
    assert_eq!(items, ["abort", "continue"]);
    client.shutdown();
}

#[test]
fn hover_explains_settings_and_groups() {
    let mut client = Client::start();
    client.open(PLAN);
    let (line, column) = find(PLAN, "timeout", 0);
    let hover = client.at("textDocument/hover", line, column + 2);
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(value.contains("**timeout**"), "{value}");
    assert!(value.contains("Default: "), "{value}");
    let (line, column) = find(PLAN, "db", 0);
    let hover = client.at("textDocument/hover", line, column);
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(value.contains("`db-01`, `db-02`"), "{value}");
    assert!(value.contains("needed by: `app`"), "{value}");
    assert!(value.contains("estimated failover"), "{value}");
    // An enum value says what it means.
    let (line, column) = find(PLAN, "simulator", 0);
    let hover = client.at("textDocument/hover", line, column);
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(
        value.contains("**simulator**: a value of `vault`"),
        "{value}"
    );
    client.shutdown();
}

#[test]
fn target_blocks_complete_and_hover_from_the_schema() {
    let mut client = Client::start();
    let text = PLAN.replace(
        "    vm app-01 { estimate 3m }\n",
        "    vm app-01 {\n      target {\n        capacity_reservation \"/x\"\n        \n      }\n    }\n",
    );
    client.open(&text);
    // An empty line in a VM's `target` block: the target settings not yet set.
    let (line, _) = find(&text, "        \n      }", 0);
    let items = labels(&client.at("textDocument/completion", line, 8));
    let expected: Vec<String> = drplan::target::TargetSetting::ALL
        .iter()
        .filter(|s| **s != drplan::target::TargetSetting::CapacityReservation)
        .map(|s| s.as_str().to_owned())
        .collect();
    assert_eq!(items, expected);
    // Hover on a target setting: its doc and where it comes from when left out.
    let (line, column) = find(&text, "capacity_reservation", 0);
    let hover = client.at("textDocument/hover", line, column + 3);
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(
        value.starts_with("**capacity_reservation**: The capacity reservation group"),
        "{value}"
    );
    assert!(
        value.contains("Default: the group's `target`, then the plan's `defaults { target }`"),
        "{value}"
    );
    // `target` itself, in a VM block.
    let (line, column) = find(&text, "target", 0);
    let hover = client.at("textDocument/hover", line, column + 1);
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(
        value.starts_with("**target**: Where and how this VM comes up"),
        "{value}"
    );
    client.shutdown();
}

#[test]
fn definition_references_and_rename() {
    let mut client = Client::start();
    client.open(PLAN);
    let (line, column) = find(PLAN, "needs db", 0);
    let def = client.at("textDocument/definition", line, column + 7);
    let (def_line, def_column) = find(PLAN, "group db", 0);
    assert_eq!(def["uri"], URI);
    assert_eq!(
        def["range"]["start"],
        json!({ "line": def_line, "character": def_column + 6 })
    );

    let refs = client.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": column + 7 },
                "context": { "includeDeclaration": true } }),
    );
    assert_eq!(refs.as_array().unwrap().len(), 2, "{refs}");
    // The editor marks both: the definition written (3), the use read (2).
    let marks = client.at("textDocument/documentHighlight", line, column + 7);
    let kinds: Vec<&Value> = marks
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["kind"])
        .collect();
    assert_eq!(kinds, [&json!(3), &json!(2)], "{marks}");

    let (line, column) = find(PLAN, "app-01", 1);
    let def = client.at("textDocument/definition", line, column);
    assert_eq!(def["range"]["start"]["line"], find(PLAN, "app-01", 0).0);

    let (line, column) = find(PLAN, "db", 0);
    let edit = client.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": column },
                "newName": "database" }),
    );
    let edits = &edit["changes"][URI];
    assert_eq!(edits.as_array().unwrap().len(), 2, "{edit}");
    let renamed = apply_edits(PLAN, edits);
    assert_eq!(
        renamed,
        PLAN.replace("group db", "group database")
            .replace("needs db", "needs database")
    );

    // Renaming onto another group's name would merge the two: refused, saying why.
    let error = client.request_error(
        "textDocument/rename",
        json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": column },
                "newName": "app" }),
    );
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("a group named `app` already exists"),
        "{error}"
    );
    client.shutdown();
}

#[test]
fn a_burst_of_keystrokes_is_answered_on_the_last_text() {
    let mut client = Client::start();
    client.open(PLAN);
    // `needs db` becomes `needs dbbbbbbbbbbb`, one key at a time, as fast as
    // an editor sends them: the server may analyse some versions or only the last.
    let (line, column) = find(PLAN, "needs db", 0);
    client.cork();
    for i in 0..10 {
        let at = json!({ "line": line, "character": column + 8 + i });
        client.change_range(
            2 + i64::try_from(i).unwrap(),
            &json!({ "start": at, "end": at }),
            "b",
        );
    }
    // A request right after the burst sees all of it.
    let hover = client.at("textDocument/hover", line, column + 6);
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(value.contains("**group dbbbbbbbbbbb**"), "{value}");
    // Diagnostics come in version order and end with the last version's.
    let mut last = json!(0);
    loop {
        let (version, diagnostics) = client.versioned_diagnostics();
        assert!(version.as_i64() > last.as_i64(), "{version} after {last}");
        last = version;
        if last == json!(11) {
            let message = diagnostics[0]["message"].as_str().unwrap();
            assert!(message.contains("`dbbbbbbbbbbb`"), "{message}");
            break;
        }
    }
    client.shutdown();
}

#[test]
fn quick_fix_replaces_a_misspelt_name() {
    let mut client = Client::start();
    let broken = PLAN.replace("needs db", "needs dbb");
    let diagnostics = client.open(&broken);
    let range = diagnostics[0]["range"].clone();
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": URI }, "range": range,
                "context": { "diagnostics": diagnostics } }),
    );
    let action = &actions[0];
    assert_eq!(action["title"], "Replace `dbb` with `db`");
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["diagnostics"][0]["code"], "drplan::unknown_group");
    let edit = &action["edit"]["changes"][URI][0];
    assert_eq!(edit["range"], range);
    assert_eq!(edit["newText"], "db");
    // Applied, the file is clean again.
    client.change_range(2, &range, "db");
    assert_eq!(client.diagnostics(), Vec::<Value>::new());
    client.shutdown();
}

#[test]
fn document_symbols_outline_the_plan() {
    let mut client = Client::start();
    client.open(PLAN);
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": URI } }),
    );
    assert_eq!(symbols[0]["name"], "shop");
    let groups = labels_of(&symbols[0]["children"]);
    assert_eq!(groups, ["db", "app"]);
    assert_eq!(
        labels_of(&symbols[0]["children"][1]["children"]),
        ["app-01", "app-02"]
    );
    // The plan and both groups fold (their closing braces stay in sight);
    // the one-line `defaults { … }` does not.
    let folds = client.request(
        "textDocument/foldingRange",
        json!({ "textDocument": { "uri": URI } }),
    );
    let lines: Vec<(u64, u64)> = folds
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["startLine"].as_u64().unwrap(),
                f["endLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(lines, [(0, 13), (6, 7), (10, 12)]);
    client.shutdown();
}

fn labels_of(symbols: &Value) -> Vec<String> {
    symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect()
}

/// A small deterministic generator (xorshift) so failures reproduce.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % n.max(1) as u64).unwrap()
    }
}

/// The LSP position of a byte offset: lines end at `\n`, `\r\n` or a lone
/// `\r`, columns count UTF-16 units.
fn lsp_position(text: &str, offset: usize) -> Value {
    let (mut line, mut character) = (0, 0);
    let mut chars = text[..offset].chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => (line, character) = (line + 1, 0),
            _ => character += c.len_utf16(),
        }
    }
    json!({ "line": line, "character": character })
}

/// A random char boundary of `text`, never between the two bytes of `\r\n`
/// (no editor puts a cursor there).
fn boundary(rng: &mut Rng, text: &str, from: usize, span: usize) -> usize {
    let mut at = (from + rng.below(span + 1)).min(text.len());
    while !text.is_char_boundary(at) || (text[..at].ends_with('\r') && text[at..].starts_with('\n'))
    {
        at -= 1;
    }
    at
}

#[test]
fn random_edits_never_kill_the_server() {
    let quickstart = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/plans/quickstart.drplan"
    ))
    .unwrap();
    let snippets = [
        "{",
        "}",
        "\"",
        "needs ",
        ",",
        "group ",
        "# x",
        "😀",
        "\r",
        "vm ",
        "env(",
        "[",
        "1h",
        "\n",
        "",
        "",
        "\r\n  wait 5m",
    ];
    let mut rng = Rng(0x5eed_d2a1);
    let mut client = Client::start();
    client.open(&quickstart);
    let mut text = quickstart.clone();
    let format = json!({ "textDocument": { "uri": URI }, "options": { "tabSize": 2, "insertSpaces": true } });
    for version in 2..200 {
        if text.len() < 40 {
            text.clone_from(&quickstart);
            client.change(version, &text);
        } else {
            // Incremental sync, as editors send it: a range (often empty, an
            // insertion) and its replacement, positions in the text before.
            let start = boundary(&mut rng, &text, 0, text.len());
            let span = if rng.below(3) == 0 { 30 } else { 0 };
            let end = boundary(&mut rng, &text, start, span);
            let insert = snippets[rng.below(snippets.len())];
            let range =
                json!({ "start": lsp_position(&text, start), "end": lsp_position(&text, end) });
            text.replace_range(start..end, insert);
            client.change_range(version, &range, insert);
        }
        // The server's copy is the editor's: same diagnostics, same formatting.
        let (published, diagnostics) = client.versioned_diagnostics();
        assert_eq!(published, json!(version));
        let source = drplan::SourceFile::new("test.drplan", text.as_str());
        let expected = drplan::compile(&source).1;
        assert_eq!(
            diagnostics.len(),
            expected.len(),
            "version {version}:\n{text}"
        );
        let edits = client.request("textDocument/formatting", format.clone());
        let expected = match drplan::fmt::format_text(&text) {
            Some(formatted) if formatted != text => vec![formatted],
            _ => Vec::new(),
        };
        let got: Vec<&str> = edits
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["newText"].as_str().unwrap())
            .collect();
        assert_eq!(got, expected, "version {version}");
        // Ask what an editor asks while typing, at a random place (lines past the end included).
        let line = rng.below(text.lines().count() + 2);
        let character = rng.below(40);
        client.at("textDocument/completion", line, character);
        client.at("textDocument/hover", line, character);
        client.at("textDocument/definition", line, character);
        client.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": URI },
                    "range": { "start": { "line": line, "character": 0 }, "end": { "line": line, "character": character } },
                    "context": { "diagnostics": [] } }),
        );
        client.request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": URI } }),
        );
        client.request(
            "textDocument/foldingRange",
            json!({ "textDocument": { "uri": URI } }),
        );
    }
    // Still alive: it answers, and reports on a fresh, valid text.
    client.change(500, &quickstart);
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": URI } }),
    );
    assert_eq!(symbols[0]["name"], "quickstart");
    client.shutdown();
}
