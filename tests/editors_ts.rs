//! One source of truth for the editor grammars: every keyword of
//! `drplan::check::schema` is a keyword token of the tree-sitter grammar
//! (`editors/tree-sitter-drplan/grammar.js`) and a `syntax keyword` of the Vim
//! syntax file (`editors/vim/syntax/drplan.vim`), and the grammar's word lists
//! are exactly the schema's. Add a setting to the schema and these tests name
//! the editor files to update.

use std::collections::BTreeSet;

use drplan::check::schema;

use crate::support;

const GRAMMAR_JS: &str = "editors/tree-sitter-drplan/grammar.js";
const VIM_SYNTAX: &str = "editors/vim/syntax/drplan.vim";
const CORPUS: &str = "editors/tree-sitter-drplan/test/corpus";

fn read(path: &str) -> String {
    std::fs::read_to_string(support::root().join(path)).unwrap()
}

/// The words a schema-derived editor grammar must know: every keyword, plus
/// the webhook methods (enum values that `schema::keywords` leaves out).
fn schema_words() -> BTreeSet<&'static str> {
    let mut words: BTreeSet<&'static str> = schema::keywords().into_iter().collect();
    words.extend(schema::METHODS);
    words
}

/// Every setting name of every block.
fn schema_settings() -> BTreeSet<&'static str> {
    schema::ALL_BLOCKS
        .iter()
        .flat_map(|b| schema::settings(*b).iter().map(|s| s.name))
        .collect()
}

/// The quoted words of `const NAME = [ … ];` in grammar.js, in order.
fn js_list(grammar: &str, name: &str) -> Vec<String> {
    let decl = format!("const {name} = [");
    assert!(grammar.contains(&decl), "{GRAMMAR_JS} has no `{decl}`");
    let start = grammar.find(&decl).unwrap();
    let body = &grammar[start..];
    let body = &body[body.find('[').unwrap() + 1..body.find("];").unwrap()];
    body.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .flat_map(|line| line.split(',').map(str::trim).collect::<Vec<_>>())
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches('\'').to_owned())
        .collect()
}

#[test]
fn grammar_js_word_lists_are_the_schema_lists() {
    let grammar = read(GRAMMAR_JS);
    let lists: [(&str, &[&str]); 9] = [
        ("STRUCTURE_KEYWORDS", schema::STRUCTURE_KEYWORDS),
        ("HOOK_KINDS", schema::HOOK_KINDS),
        ("STEP_SETTINGS", schema::STEP_SETTINGS),
        ("PHASES", schema::PHASES),
        ("ON_ERROR", schema::ON_ERROR),
        ("RECOVERY_POINTS", schema::RECOVERY_POINTS),
        ("METHODS", schema::METHODS),
        ("NOTIFY_FORMATS", schema::NOTIFY_FORMATS),
        ("NOTIFY_EVENTS", schema::NOTIFY_EVENTS),
    ];
    for (name, expected) in lists {
        assert_eq!(js_list(&grammar, name), expected, "{GRAMMAR_JS}: {name}");
    }
    // Every setting is a generic setting keyword, a statement of its own or a hook.
    let mut covered: BTreeSet<String> = js_list(&grammar, "SETTINGS").into_iter().collect();
    covered.extend(js_list(&grammar, "STATEMENT_SETTINGS"));
    covered.extend(js_list(&grammar, "HOOK_KINDS"));
    let settings: BTreeSet<String> = schema_settings().into_iter().map(str::to_owned).collect();
    assert_eq!(
        covered, settings,
        "{GRAMMAR_JS}: SETTINGS + STATEMENT_SETTINGS + HOOK_KINDS"
    );
}

#[test]
fn every_schema_keyword_is_a_grammar_js_token() {
    let grammar = read(GRAMMAR_JS);
    let missing: Vec<_> = schema_words()
        .into_iter()
        .filter(|w| !grammar.contains(&format!("'{w}'")))
        .collect();
    assert!(
        missing.is_empty(),
        "{GRAMMAR_JS} lacks keyword tokens {missing:?}"
    );
}

/// The words of every `syntax keyword GROUP …` line, by group.
fn vim_keywords(syntax: &str) -> Vec<(String, String)> {
    syntax
        .lines()
        .filter_map(|l| l.trim().strip_prefix("syntax keyword "))
        .flat_map(|rest| {
            let mut words = rest.split_whitespace();
            let group = words.next().unwrap().to_owned();
            words
                .filter(|w| *w != "contained")
                .map(|w| (group.clone(), w.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_schema_keyword_is_a_vim_keyword() {
    let keywords = vim_keywords(&read(VIM_SYNTAX));
    let vim: BTreeSet<&str> = keywords.iter().map(|(_, w)| w.as_str()).collect();
    let words = schema_words();
    let missing: Vec<_> = words.difference(&vim).collect();
    assert!(
        missing.is_empty(),
        "{VIM_SYNTAX} lacks keywords {missing:?}"
    );
    let extra: Vec<_> = vim.difference(&words).collect();
    assert!(
        extra.is_empty(),
        "{VIM_SYNTAX} highlights non-keywords {extra:?}"
    );
}

#[test]
fn the_tree_sitter_corpus_uses_every_keyword() {
    let mut text = String::new();
    for entry in std::fs::read_dir(support::root().join(CORPUS)).unwrap() {
        text.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    let used: BTreeSet<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    let missing: Vec<_> = schema_words()
        .into_iter()
        .filter(|w| !used.contains(w))
        .collect();
    assert!(missing.is_empty(), "{CORPUS} never uses {missing:?}");
}
