//! The VS Code `TextMate` grammar (`editors/vscode/syntaxes/drplan.tmLanguage.json`)
//! is hand-written; these tests keep it in sync with `check::schema`
//! (architecture convention 16): every keyword and setting name is matched by
//! a keyword pattern, and the grammar names no keyword the schema lacks.
//!
//! A keyword pattern is a word alternation between identifier boundaries,
//! `(?<![A-Za-z0-9_.\-])(?:a|b|c)(?![A-Za-z0-9_.\-])` (keywords are not
//! reserved, so `\b` would be wrong: `web-test` is a name). The test reads
//! those alternations out of every `match`, `begin` and `end` regex rather
//! than running an Oniguruma engine; the grammar's own behaviour is tested
//! with vscode-tmgrammar-test (`editors/vscode/test.sh`).

use std::collections::{BTreeMap, BTreeSet};

use drplan::check::schema;
use serde_json::Value;

use crate::support;

const BEFORE: &str = r"(?<![A-Za-z0-9_.\-])";
const AFTER: &str = r"(?![A-Za-z0-9_.\-])";

fn grammar() -> Value {
    let path = support::root().join("editors/vscode/syntaxes/drplan.tmLanguage.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The words of the bounded alternations in a regex.
fn bounded_words(regex: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = regex;
    while let Some(at) = rest.find(BEFORE) {
        rest = &rest[at + BEFORE.len()..];
        let body = rest.strip_prefix("(?:").or_else(|| rest.strip_prefix('('));
        let Some(body) = body else { continue };
        let Some(close) = body.find(')') else {
            continue;
        };
        let alternation = &body[..close];
        let is_words = alternation
            .split('|')
            .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphabetic() || c == '_'));
        if is_words && body[close + 1..].starts_with(AFTER) {
            words.extend(alternation.split('|').map(str::to_owned));
        }
    }
    words
}

/// The scopes a rule gives: its `name`, `contentName` and every capture's name.
fn rule_scopes(rule: &serde_json::Map<String, Value>) -> Vec<String> {
    let mut scopes = Vec::new();
    for key in ["name", "contentName"] {
        if let Some(Value::String(s)) = rule.get(key) {
            scopes.push(s.clone());
        }
    }
    for key in ["captures", "beginCaptures", "endCaptures"] {
        if let Some(Value::Object(captures)) = rule.get(key) {
            for capture in captures.values() {
                if let Some(Value::String(s)) = capture.get("name") {
                    scopes.push(s.clone());
                }
            }
        }
    }
    scopes
}

/// Every word a keyword pattern matches, with the scopes of its rule.
fn keyword_words() -> BTreeMap<String, BTreeSet<String>> {
    fn walk(value: &Value, out: &mut BTreeMap<String, BTreeSet<String>>) {
        match value {
            Value::Object(rule) => {
                let scopes = rule_scopes(rule);
                for key in ["match", "begin", "end"] {
                    if let Some(Value::String(regex)) = rule.get(key) {
                        for word in bounded_words(regex) {
                            out.entry(word).or_default().extend(scopes.iter().cloned());
                        }
                    }
                }
                rule.values().for_each(|v| walk(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    walk(&grammar(), &mut out);
    out
}

fn scoped(words: &BTreeMap<String, BTreeSet<String>>, word: &str, prefix: &str) -> bool {
    words
        .get(word)
        .is_some_and(|scopes| scopes.iter().any(|s| s.starts_with(prefix)))
}

#[test]
fn bounded_words_reads_alternations() {
    let regex = format!("{BEFORE}(?:a|b_c){AFTER}x{BEFORE}(d){AFTER}{BEFORE}[A-Z]+{AFTER}");
    assert_eq!(bounded_words(&regex), ["a", "b_c", "d"]);
    assert!(bounded_words(r"\b(?:a|b)\b").is_empty());
}

#[test]
fn every_schema_keyword_is_highlighted() {
    let words = keyword_words();
    let missing: Vec<&str> = schema::keywords()
        .into_iter()
        .filter(|k| {
            !(scoped(&words, k, "keyword.")
                || scoped(&words, k, "constant.language.")
                || scoped(&words, k, "support.function."))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "not matched by a keyword pattern: {missing:?}"
    );
}

#[test]
fn every_setting_is_a_keyword() {
    let words = keyword_words();
    let mut missing = BTreeSet::new();
    for block in schema::ALL_BLOCKS {
        for spec in schema::settings(*block) {
            if !scoped(&words, spec.name, "keyword.") {
                missing.insert(spec.name);
            }
        }
    }
    for word in schema::STRUCTURE_KEYWORDS
        .iter()
        .filter(|w| !["true", "false", "simulator"].contains(w))
    {
        if !scoped(&words, word, "keyword.") {
            missing.insert(word);
        }
    }
    assert!(
        missing.is_empty(),
        "settings without a keyword scope: {missing:?}"
    );
}

#[test]
fn values_are_constants() {
    let words = keyword_words();
    let values = schema::PHASES
        .iter()
        .chain(schema::ON_ERROR)
        .chain(schema::RECOVERY_POINTS)
        .chain(schema::METHODS)
        .chain(&["true", "false", "simulator"]);
    let missing: Vec<&&str> = values
        .filter(|v| !scoped(&words, v, "constant.language."))
        .collect();
    assert!(
        missing.is_empty(),
        "values without a constant scope: {missing:?}"
    );
    for phase in schema::PHASES {
        assert!(scoped(&words, phase, "constant.language.phase."), "{phase}");
    }
    for kind in schema::HOOK_KINDS {
        assert!(scoped(&words, kind, "keyword.control.hook."), "{kind}");
    }
}

#[test]
fn grammar_names_no_unknown_keyword() {
    let known: BTreeSet<&str> = schema::keywords()
        .into_iter()
        .chain(schema::METHODS.iter().copied())
        .chain(["vm", "before", "after"])
        .collect();
    let unknown: Vec<String> = keyword_words()
        .into_keys()
        .filter(|w| !known.contains(w.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "keywords the schema does not know: {unknown:?}"
    );
}
