//! Property tests: the parser and checker never panic, whatever the input;
//! formatting any valid plan gives a valid plan that formats to itself and
//! means the same.

use proptest::prelude::*;

use crate::support;

/// Tokens that reach deep into the grammar and the checker when shuffled.
const TOKENS: &[&str] = &[
    "plan",
    "group",
    "needs",
    "vm",
    "{",
    "}",
    "[",
    "]",
    ",",
    "=",
    "(",
    ")",
    "\"x\"",
    "\"\\u{1F600}\"",
    "\"\\q\"",
    "\"unterminated",
    "5m",
    "0s",
    "1h30m",
    "1.5h",
    "-1",
    "99999999999999999999",
    "200",
    "db",
    "app",
    "web-01",
    "env(\"TOKEN\")",
    "env(\"\")",
    "after",
    "before",
    "failover",
    "failback",
    "test",
    "script",
    "wait",
    "manual",
    "webhook",
    "probe",
    "runbook",
    "timeout",
    "retries",
    "on_error",
    "abort",
    "estimate",
    "parallelism",
    "vault",
    "simulator",
    "primary",
    "recovery",
    "\"westeurope\"",
    "\"northeurope\"",
    "objectives",
    "rto",
    "defaults",
    "# comment\n",
    "\n",
    "\r\n",
    "\t",
    "é",
    "\u{FEFF}",
    "\"https://x.example/h\"",
    "item",
    "headers",
    "args",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..120).prop_map(|t| t.join(" "))
}

fn seed_texts() -> Vec<String> {
    let mut texts: Vec<String> = support::plans()
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for dir in ["tests/fixtures/check/ok", "tests/fixtures/fmt"] {
        for e in std::fs::read_dir(support::root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "drplan") {
                texts.push(std::fs::read_to_string(p).unwrap());
            }
        }
    }
    texts
}

#[derive(Debug, Clone)]
enum Edit {
    Delete { at: usize, len: usize },
    Insert { at: usize, token: &'static str },
    DuplicateLine { line: usize },
    SwapLines { a: usize, b: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1usize..20).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<usize>(), prop::sample::select(TOKENS))
            .prop_map(|(at, token)| Edit::Insert { at, token }),
        any::<usize>().prop_map(|line| Edit::DuplicateLine { line }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines { a, b }),
    ]
}

fn apply(text: &str, edit: &Edit) -> String {
    let boundary = |at: usize| {
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    match edit {
        Edit::Delete { at, len } => {
            let start = boundary(*at);
            let end = boundary(start + len);
            format!("{}{}", &text[..start], &text[end.max(start)..])
        }
        Edit::Insert { at, token } => {
            let at = boundary(*at);
            format!("{}{token}{}", &text[..at], &text[at..])
        }
        Edit::DuplicateLine { line } => {
            let mut lines: Vec<&str> = text.lines().collect();
            if !lines.is_empty() {
                let i = line % lines.len();
                lines.insert(i, lines[i]);
            }
            lines.join("\n")
        }
        Edit::SwapLines { a, b } => {
            let mut lines: Vec<&str> = text.lines().collect();
            if !lines.is_empty() {
                let (a, b) = (a % lines.len(), b % lines.len());
                lines.swap(a, b);
            }
            lines.join("\n")
        }
    }
}

/// Compiles and formats text; whatever it is, nothing may panic, and whenever
/// the formatter accepts it the result must be a fixed point that checks alike.
fn never_panics_and_formats_consistently(text: &str) {
    let source = drplan::SourceFile::new("prop.drplan", text);
    let (plan, diagnostics) = drplan::compile(&source);
    for d in &diagnostics {
        // Rendering must not panic either, and spans must lie inside the text.
        let _ = drplan::render::human(&source, d, false, 80);
        let json = drplan::render::json(&source, &drplan::source::LineIndex::new(text), d);
        assert!(json.line >= 1 && json.column >= 1);
        assert_ne!(json.code, "drplan::internal", "{json:?}\n{text}");
    }
    assert_eq!(
        plan.is_some(),
        !diagnostics.iter().any(drplan::Diagnostic::is_error)
    );
    if let Some(formatted) = drplan::fmt::format_text(text) {
        let again = drplan::fmt::format_text(&formatted).expect("formatted text must parse");
        assert_eq!(formatted, again, "not a fixed point:\n{text}");
        assert_eq!(
            support::codes(text),
            support::codes(&formatted),
            "formatting changed the diagnostics:\n{text}\n---\n{formatted}"
        );
    }
}

/// A random valid plan: groups with DAG `needs`, VMs, hooks with step settings
/// inline or in blocks, comments, and random line breaks between tokens.
fn valid_plan() -> impl Strategy<Value = String> {
    let group = (
        1usize..5,
        prop::collection::vec(any::<u8>(), 0..3),
        any::<u8>(),
        any::<bool>(),
    );
    (prop::collection::vec(group, 1..6), prop::collection::vec(0u8..4, 64)).prop_map(|(groups, layout)| {
        let mut tokens: Vec<String> = vec![
            "plan".into(),
            "gen".into(),
            "{".into(),
            "vault simulator".into(),
            "primary \"westeurope\"".into(),
            "recovery \"northeurope\"".into(),
            "defaults { timeout 30m  retries 1 }".into(),
        ];
        let mut vm = 0;
        for (g, (vms, needs, hook, inline)) in groups.iter().enumerate() {
            let mut head = format!("group g{g}");
            let needs: std::collections::BTreeSet<usize> = needs.iter().filter(|_| g > 0).map(|n| *n as usize % g).collect();
            if !needs.is_empty() {
                head.push_str(" needs ");
                head.push_str(&needs.iter().map(|n| format!("g{n}")).collect::<Vec<_>>().join(", "));
            }
            tokens.push(head);
            tokens.push("{".into());
            let names: Vec<String> = (0..*vms).map(|i| format!("v{}", vm + i)).collect();
            vm += vms;
            tokens.push(format!("vm {}", names.join(", ")));
            match hook % 4 {
                0 => {}
                1 => tokens.push(format!("after failover, test {{ wait 1m{} }}", if *inline { " timeout 5m" } else { "" })),
                2 => tokens.push(format!(
                    "before failback {{ manual \"ok?\" {} }}",
                    if *inline { "retries 2" } else { "{ retries 2  estimate 1m }" }
                )),
                _ => tokens.push("after failover { probe \"https://x.example/health\" { expect 200  every 10s } }".into()),
            }
            tokens.push("}".into());
        }
        tokens.push("}".into());
        let mut out = String::new();
        for (i, token) in tokens.iter().enumerate() {
            out.push_str(token);
            out.push_str(match layout[i % layout.len()] {
                0 => " ",
                1 => "\n",
                2 => "  # note\n",
                _ => "\n\n   ",
            });
        }
        out
    })
}

proptest! {
    // 256 cases by default; `PROPTEST_CASES=5000 cargo test proptests` searches longer.
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        never_panics_and_formats_consistently(&text);
    }

    #[test]
    fn token_soup_never_panics(text in token_soup()) {
        never_panics_and_formats_consistently(&text);
    }

    #[test]
    fn mutated_plans_never_panic(seed in 0usize..64, edits in prop::collection::vec(edit(), 1..6)) {
        let texts = seed_texts();
        let mut text = texts[seed % texts.len()].clone();
        for e in &edits {
            text = apply(&text, e);
        }
        never_panics_and_formats_consistently(&text);
    }

    #[test]
    fn formatting_a_valid_plan_gives_the_same_plan(text in valid_plan()) {
        let (plan, d) = drplan::compile(&drplan::SourceFile::new("gen.drplan", text.as_str()));
        prop_assert!(d.iter().all(|d| !d.is_error()), "{:?}\n{}", d, text);
        let formatted = drplan::fmt::format_text(&text).unwrap();
        prop_assert_eq!(drplan::fmt::format_text(&formatted).unwrap(), formatted.clone());
        let (again, d2) = drplan::compile(&drplan::SourceFile::new("gen.drplan", formatted.as_str()));
        prop_assert!(d2.iter().all(|d| !d.is_error()));
        let (plan, again) = (plan.unwrap(), again.unwrap());
        for op in drplan::graph::Operation::ALL {
            let a = serde_json::to_string(&drplan::graph::build(&plan, op, None).to_json()).unwrap();
            let b = serde_json::to_string(&drplan::graph::build(&again, op, None).to_json()).unwrap();
            prop_assert_eq!(a, b);
        }
    }
}
