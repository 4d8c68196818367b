//! One source of truth: the grammar's hook kinds and step settings are the
//! schema's, so the parser and the checker cannot drift apart.

use drplan::check::schema;

use crate::support;

fn grammar_alternatives(rule: &str) -> Vec<String> {
    let grammar = std::fs::read_to_string(support::root().join("grammar/drplan.pest")).unwrap();
    let line = grammar
        .lines()
        .find(|l| l.starts_with(&format!("{rule} ")))
        .unwrap();
    let inner = &line[line.find('(').unwrap() + 1..line.find(')').unwrap()];
    inner
        .split('|')
        .map(|s| s.trim().trim_matches('"').to_owned())
        .collect()
}

#[test]
fn grammar_hook_kinds_are_the_schema_hooks() {
    assert_eq!(grammar_alternatives("hook_kind"), schema::HOOK_KINDS);
    let hooks: Vec<&str> = schema::settings(schema::BlockKind::Hooks)
        .iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(hooks, schema::HOOK_KINDS);
}

#[test]
fn grammar_step_keys_are_the_schema_step_settings() {
    assert_eq!(grammar_alternatives("step_key"), schema::STEP_SETTINGS);
    for kind in schema::HOOK_KINDS {
        let block = schema::hook_block(kind).unwrap();
        for step in schema::STEP_SETTINGS {
            assert!(schema::find(block, step).is_some(), "{kind} lacks {step}");
        }
    }
}

#[test]
fn every_setting_has_docs_and_an_example() {
    for block in schema::ALL_BLOCKS {
        for spec in schema::settings(*block) {
            assert!(
                !spec.doc.is_empty() && spec.example.starts_with(spec.name),
                "{}",
                spec.name
            );
        }
    }
}
