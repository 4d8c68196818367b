//! Rename through `drplan lsp` as an editor asks for it: a new name the
//! parser and checker would refuse is refused with their reason; one that
//! needs quotes is written quoted; the renamed plan checks clean.

use serde_json::json;

use crate::support::lsp_client::{Client, URI, apply_edits, find};

const PLAN: &str = "plan shop {
  vault simulator
  primary \"westeurope\"
  recovery \"northeurope\"

  group db {
    vm db-01, db-02
  }

  group app needs db {
    vm app-01 { needs \"db-01\" }
  }
}
";

fn rename_at(client: &mut Client, needle: &str, new_name: &str) -> serde_json::Value {
    let (line, character) = find(PLAN, needle, 0);
    client.call(
        "textDocument/rename",
        json!({ "textDocument": { "uri": URI },
                "position": { "line": line, "character": character },
                "newName": new_name }),
    )
}

#[test]
fn rename_refuses_names_the_checker_refuses_and_quotes_those_that_need_it() {
    let mut client = Client::start();
    client.open(PLAN);
    // (what is renamed, new name, what the refusal says)
    let refused = [
        ("db {", "a/b", "cannot contain `/`"),
        ("db {", "two\nlines", "control characters"),
        ("db {", "tab\there", "control characters"),
        ("db {", "bell\u{7}", "control characters"),
        ("db {", "", "cannot be empty"),
        ("db-01,", "sql/01", "cannot contain `/`"),
        ("db-01,", "db-02", "already exists"),
    ];
    for (at, new_name, why) in refused {
        let response = rename_at(&mut client, at, new_name);
        let error = &response["error"];
        assert_eq!(error["code"], -32803, "{new_name:?}: {response}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(why), "{new_name:?}: {message}");
    }
    // (what is renamed, new name, how the definition is written)
    let accepted = [
        ("db {", "database", "database"),
        ("db {", "1st", "\"1st\""),
        ("db {", "web 01", "\"web 01\""),
        ("db {", "say \"hi\"", "\"say \\\"hi\\\"\""),
        ("db {", "café", "\"café\""),
        // Keywords are not reserved; these read back as names unquoted.
        ("db {", "needs", "needs"),
        ("db {", "group", "group"),
        ("db-01,", "sql 01", "\"sql 01\""),
        ("db-01,", "timeout", "timeout"),
    ];
    for (at, new_name, written) in accepted {
        let response = rename_at(&mut client, at, new_name);
        let edits = &response["result"]["changes"][URI];
        let renamed = apply_edits(PLAN, edits);
        let (line, _) = find(PLAN, at, 0);
        let definition = renamed.lines().nth(line).unwrap();
        assert!(
            definition.contains(&format!(" {written}")),
            "{new_name:?}: {definition}"
        );
        let source = drplan::SourceFile::new("renamed.drplan", renamed.as_str());
        let (plan, diagnostics) = drplan::compile(&source);
        assert!(diagnostics.is_empty(), "{new_name:?}:\n{renamed}");
        let plan = plan.unwrap();
        let names: Vec<&str> = plan
            .groups
            .iter()
            .flat_map(|g| {
                std::iter::once(g.name.as_str()).chain(g.vms.iter().map(|v| v.name.as_str()))
            })
            .collect();
        assert!(names.contains(&new_name), "{new_name:?}: {names:?}");
    }
    client.shutdown();
}
